"""Documentation generated from code stays in step with it."""

from __future__ import annotations

from pathlib import Path

from scrisk.data.docs import render

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_data_md_matches_schemas():
    assert (DOCS / "data.md").read_text(encoding="utf-8") == render(), (
        "docs/data.md is stale: run `python -m scrisk.data.docs > docs/data.md`")


def test_methods_md_covers_every_metric_module():
    text = (DOCS / "methods.md").read_text(encoding="utf-8")
    for heading in ("## Concentration", "## Import dependency", "## GeoPolRisk",
                    "## Look-through (origin) exposure", "## Self-sufficiency ratio",
                    "## Battery material needs and coverage", "## Criticality matrix",
                    "## Demand paths",
                    "# Disruption", "# Candidate scoring"):
        assert heading in text
