"""Candidate scoring: the worked example of docs/methods.md, properties, CLI."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

from scrisk.exceptions import UnknownChoiceError
from scrisk.optimize import DEFAULT_SCORE_WEIGHTS, PortfolioParameterError, score_candidates

OPTS = dict(battery_gwh=1.0, battery_scenario="mix")


@pytest.fixture(scope="module")
def scores(example):
    return score_candidates(example, 2030, **OPTS)


def row(scores, pid: str) -> pd.Series:
    return scores.table.set_index("project_id").loc[pid]


def test_default_weights_sum_to_one():
    assert sum(DEFAULT_SCORE_WEIGHTS.values()) == pytest.approx(1.0)


def test_raw_parts_of_the_worked_example(scores):
    chn = row(scores, "CU-CHN")
    assert chn["secured_t"] == pytest.approx(120.0)  # 0.4 x 300 x 1.0
    assert chn["ssr_pp"] == pytest.approx(12.0)  # 100 x 120 / 1,000 t demand
    assert chn["hhi_before"] == pytest.approx(0.644970, abs=1e-6)  # CHL 100, AUS 30
    assert chn["hhi_after"] == pytest.approx(0.4048)  # CHL 100, AUS 30, CHN 120
    assert chn["wgi"] == -0.5 and chn["groups"] == "concern"
    assert chn["country_risk"] == 1.0  # (2.5 + 0.5) / 5 + 0.5 (concern), clipped
    assert chn["cost_myen_per_t"] == pytest.approx(50 * 100 / 120)
    cobalt = row(scores, "CO-AUS")
    assert cobalt["battery_pp"] == pytest.approx(40.0)  # 20 t of a 50 t need
    assert cobalt["country_risk"] == pytest.approx(0.3)  # (2.5 - 1.0) / 5
    late = row(scores, "CU-LATE")
    assert late["ssr_pp"] == 0 and late["years_to_target"] == -3
    assert late["s_timing"] == pytest.approx(0.4)  # 1 - 3 / 5
    assert np.isnan(late["wgi"]) and late["country_risk"] == 0.5  # no WGI for KOR


def test_composite_scores_of_the_worked_example(scores):
    # CU-CHN: 100 x (0.25 x 12/20 + 0.15 x 1 + 0.10 x 0 + 0.10 x 1 + 0.10 x 1 + 0.05 x 1)
    assert row(scores, "CU-CHN")["score"] == pytest.approx(55.0)
    # CO-AUS: 100 x (0.25 x 1 + 0.15 x 0.5 + 0.10 x 0.7 + 0.10 x 1 + 0.10 x 0.8 + 0.05 x 1)
    assert row(scores, "CO-AUS")["score"] == pytest.approx(62.5)
    assert scores.table["project_id"].tolist()[:2] == ["CO-AUS", "CU-CHN"]
    assert scores.table["rank"].tolist() == [1, 2, 3, 4, 5]


def test_explain_shows_every_part_and_the_sum(scores):
    text = scores.explain("CU-CHN")
    assert text.startswith("CU-CHN - China copper (copper, mining, CHN): score 55.00 / 100, "
                           "rank 2 of 5")
    for part in DEFAULT_SCORE_WEIGHTS:
        assert f"\n{part}" in text
    assert "ssr                           12       0.600    0.250    15.00" in text
    assert "score = 100 x sum(weight x part score) / 1 = 55.00" in text


def test_explain_unknown_project(scores):
    with pytest.raises(UnknownChoiceError, match="Did you mean 'CU-CHN'"):
        scores.explain("CU-CHM")


def test_weights_change_the_ranking(example):
    only_cost = {k: 0.0 for k in DEFAULT_SCORE_WEIGHTS} | {"cost": 1.0}
    s = score_candidates(example, 2030, weights=only_cost, **OPTS)
    assert s.table["score"].tolist() == pytest.approx(100 * s.table["s_cost"].to_numpy())
    assert s.table["project_id"].iloc[0] in {"CU-CHN", "CO-AUS"}  # both cheapest of their kind


@pytest.mark.parametrize(("weights", "error"), [
    ({"price": 1.0}, UnknownChoiceError),
    ({"cost": -1.0}, PortfolioParameterError),
    ({k: 0.0 for k in DEFAULT_SCORE_WEIGHTS}, PortfolioParameterError),
])
def test_bad_weights(example, weights, error):
    with pytest.raises(error):
        score_candidates(example, 2030, weights=weights, **OPTS)


def test_shipped_scores_are_bounded(shipped):
    s = score_candidates(shipped, 2030)
    table = s.table
    assert len(table) == len(shipped.candidates)
    parts = table[[f"s_{p}" for p in DEFAULT_SCORE_WEIGHTS]].to_numpy()
    assert ((parts >= 0) & (parts <= 1)).all()
    assert table["score"].between(0, 100).all() and table["score"].is_monotonic_decreasing
    late = table["online_year"] > 2030
    assert (table.loc[late, ["ssr_pp", "battery_pp"]] == 0).all().all()
    assert s.summary().columns[-1] == "score"


def test_cli_score_and_explain(monkeypatch, capsys, example_dir):
    from scrisk.cli import main

    def run(*args):
        monkeypatch.setattr(sys, "argv", ["scrisk", "score", "--data", str(example_dir),
                                          "--battery-gwh", "1", "--battery-scenario", "mix",
                                          *args])
        try:
            main()
        except SystemExit as exc:
            assert exc.code in (0, None)
        return capsys.readouterr().out

    records = json.loads(run("--format", "json"))
    assert [r["project_id"] for r in records][:2] == ["CO-AUS", "CU-CHN"]
    assert records[1]["score"] == pytest.approx(55.0)
    text = run("--explain", "CU-CHN")
    assert "score 55.00 / 100" in text
    cost_first = json.loads(run("--format", "json", "--weight", "cost=1", "--weight", "ssr=0",
                                "--weight", "battery=0", "--weight", "diversification=0",
                                "--weight", "country_risk=0", "--weight", "success=0",
                                "--weight", "timing=0"))
    assert cost_first[0]["score"] == pytest.approx(100.0)
