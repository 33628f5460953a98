"""The shock-kind registry: one module per kind, each documented (no data loaded)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from scrisk.disruption.scenarios import KIND_KEYS, KINDS, Shock
from scrisk.disruption.shocks import SHOCK_KINDS, ShockKind, key_checks

DOCS = Path(__file__).resolve().parents[1] / "docs" / "scenarios.md"


def test_every_kind_has_its_own_documented_module():
    assert SHOCK_KINDS, "no shock kind registered"
    table = DOCS.read_text(encoding="utf-8")
    for name, kind in SHOCK_KINDS.items():
        module = importlib.import_module(f"scrisk.disruption.shocks.{name}")
        assert module.KIND is kind, f"{name}: module does not define the registered KIND"
        assert isinstance(kind, ShockKind) and kind.name == name
        doc = module.__doc__ or ""
        assert doc.startswith(f"``{name}``"), f"{name}: docstring must start with the kind"
        assert "Examples" in doc and ">>>" in doc, f"{name}: docstring lacks an example"
        assert f'kind = "{name}"' in doc, f"{name}: docstring lacks a scenario-file example"
        assert re.search(rf"^\| `{name}` \|", table, flags=re.M), \
            f"{name}: no row in docs/scenarios.md (Kinds of shock)"


def test_registry_keeps_the_published_kinds_and_keys():
    # the order is the order of messages ("kind 'x' is not one of ...")
    assert KINDS == ("export_ban", "export_quota", "production_cut", "facility_outage",
                     "sea_lane_closure", "demand_shock", "trade_link")
    assert KIND_KEYS["sea_lane_closure"] == (("chokepoint",), ("commodities",), 1.0)
    assert KIND_KEYS["export_quota"] == (("country", "commodity", "stage", "size"), (), None)
    assert KIND_KEYS["facility_outage"] == (("facility",), (), 1.0)
    # shared keys first; the facility (which sets commodity and stage) last
    assert list(key_checks()) == ["country", "commodity", "stage", "chokepoint", "commodities",
                                  "facility"]


def test_kinds_describe_their_targets_and_commodities():
    closure = Shock("m", "sea_lane_closure", 1.0, chokepoint="malacca")
    assert closure.target() == "malacca"
    assert closure.applies_to("cobalt") and SHOCK_KINDS["sea_lane_closure"].commodities(
        closure) is None
    ban = Shock("b", "export_ban", 1.0, country="CHN", commodity="graphite", stage="material")
    assert ban.applies_to("graphite") and not ban.applies_to("cobalt")
    assert SHOCK_KINDS["export_ban"].commodities(ban) == ("graphite",)
