"""Portfolio optimisation: the worked example of docs/methods.md, options, errors, CLI.

The worked example is the tiny dataset of tests/tiny.py (copper demand 1,000 t,
recycling 200 t, Japanese equity 130 t: baseline self-sufficiency 33 %;
cobalt need 50 t at 1 GWh of the 'mix' scenario, 10 t secured: 20 %) with
five candidates. Every expected number below is worked out by hand in the doc.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from cli_runner import run_cli

from scrisk.exceptions import InfeasibleTargetError, ScenarioError, UnknownChoiceError
from scrisk.optimize import (
    PortfolioParameterError,
    dataset_with_candidates,
    evaluate_portfolio,
    optimize_portfolio,
    portfolio_frontier,
    solve_portfolio,
)
from scrisk.optimize.portfolio import PROBLEM_PARAMETERS
from scrisk.optimize.problem import Target, build_problem, problem_from_frames

EXAMPLE = dict(battery_gwh=1.0, battery_scenario="mix", workers=1,
               self_sufficiency_basis="entitlement")


def example_candidates() -> pd.DataFrame:
    return pd.DataFrame({
        "project_id": ["CU-CHL", "CU-AUS", "CU-CHN", "CO-AUS", "CU-LATE"],
        "name": ["Chile copper", "Australia copper", "China copper", "Australia cobalt",
                 "Korea copper"],
        "commodity": ["copper", "copper", "copper", "cobalt", "copper"], "stage": "mining",
        "iso3": ["CHL", "AUS", "CHN", "AUS", "KOR"], "lat": None, "lon": None,
        "annual_output_t": [400.0, 200.0, 300.0, 50.0, 500.0], "unit": "t",
        "stake_offered": [0.5, 0.5, 0.4, 0.5, 0.5],
        "cost_oku_yen": [100.0, 60.0, 50.0, 40.0, 200.0],
        "online_year": [2028, 2029, 2027, 2028, 2033],
        "success_probability": [1.0, 0.8, 1.0, 0.8, 1.0],
        "illustrative": True, "source": "worked example", "note": ""})


def stakes(result) -> dict[str, float]:
    return dict(zip(result.selected["project_id"], result.selected["stake_fraction"], strict=True))


def target(result, name: str) -> pd.Series:
    return result.targets.set_index("name").loc[name]


# --------------------------------------------------------------------------- worked example


def test_problem_of_the_worked_example(example):
    p = build_problem(example, 2030, battery_gwh=1.0, battery_scenario="mix",
                      self_sufficiency_basis="entitlement")
    assert p.target_names == ("self_sufficiency:base_metals", "battery:lithium_lce",
                              "battery:cobalt")
    assert p.baseline_ratio("self_sufficiency:base_metals") == pytest.approx(0.33)
    assert p.target("battery:cobalt").denominator_t == pytest.approx(50.0)
    assert p.baseline_ratio("battery:cobalt") == pytest.approx(0.2)
    full = p.candidates.set_index("project_id")["full_t"]
    assert full.to_dict() == pytest.approx({"CU-CHL": 200.0, "CU-AUS": 80.0, "CU-CHN": 120.0,
                                            "CO-AUS": 20.0, "CU-LATE": 250.0})
    assert p.contributions.loc["CU-LATE"].sum() == 0  # online 2033 > 2030
    assert any("CU-LATE" in note for note in p.notes)


def test_worked_example_budget_150(example):
    r = optimize_portfolio(example, 150, 2030, **EXAMPLE)
    assert r.status == "optimal" and r.gap == 0
    assert stakes(r) == {"CO-AUS": 1.0, "CU-CHL": 0.5, "CU-CHN": 1.0}
    assert r.spend_oku_yen == pytest.approx(140.0)
    ssr = target(r, "self_sufficiency:base_metals")
    assert (ssr["target"], ssr["baseline"], ssr["achieved"], ssr["shortfall"]) == \
        pytest.approx((80.0, 33.0, 55.0, 25.0))
    assert ssr["shortfall_t"] == pytest.approx(250.0)
    cobalt = target(r, "battery:cobalt")
    assert (cobalt["achieved"], cobalt["shortfall"]) == pytest.approx((60.0, 40.0))
    lithium = target(r, "battery:lithium_lce")  # no candidate: stays 100 pp short
    assert (lithium["achieved"], lithium["shortfall"], lithium["met"]) == (0.0, 100.0, False)
    assert not r.targets_met
    copper = r.diversification.set_index("commodity").loc["copper"]
    assert copper["hhi_before"] == pytest.approx(0.644970, abs=1e-6)
    assert copper["hhi_after"] == pytest.approx(0.451429, abs=1e-6)
    assert copper["top_after"] == "CHL" and copper["top_share_after"] == pytest.approx(4 / 7)
    assert set(r.excluded["project_id"]) == {"CU-LATE"}
    # integer-scaled stage objectives (G = 4, S = 10^6): 66 pp of shortfall x 10^8 x weight 1000
    assert r.stages["objective"].tolist()[:2] == [6_600_000_000, 56_000]


def test_a_problem_built_once_gives_the_same_portfolio(example):
    # the report builds one problem for scores, portfolio and frontier (problem=)
    targets = {k: v for k, v in EXAMPLE.items() if k in PROBLEM_PARAMETERS}
    solve = {k: v for k, v in EXAMPLE.items() if k not in PROBLEM_PARAMETERS}
    problem = build_problem(example, 2030, **targets)
    alone = optimize_portfolio(example, 150, 2030, **EXAMPLE)
    shared = optimize_portfolio(example, 150, 2030, problem=problem, **solve)
    assert shared.status == alone.status and stakes(shared) == stakes(alone)
    pd.testing.assert_frame_equal(shared.targets, alone.targets)
    pd.testing.assert_frame_equal(shared.target_costs, alone.target_costs)


def test_worked_example_without_countries_of_concern(example):
    r = optimize_portfolio(example, 150, 2030, exclude_groups=["concern"], **EXAMPLE)
    assert stakes(r) == {"CO-AUS": 1.0, "CU-CHL": 1.0}
    assert target(r, "self_sufficiency:base_metals")["achieved"] == pytest.approx(53.0)
    assert "CU-CHN" in set(r.excluded["project_id"])


def test_worked_example_robust_to_a_chilean_outage(example):
    scen = {"chile": {"CHL": 0.5}}
    r = optimize_portfolio(example, 150, 2030, robust="worst", scenarios=scen, **EXAMPLE)
    assert stakes(r) == {"CO-AUS": 1.0, "CU-AUS": 1.0, "CU-CHN": 1.0}
    assert r.spend_oku_yen == pytest.approx(150.0)
    ssr = target(r, "self_sufficiency:base_metals")
    assert (ssr["achieved"], ssr["worst_case_achieved"], ssr["robust_shortfall"]) == \
        pytest.approx((53.0, 48.0, 32.0))
    # the nominal choice keeps only 45 % under the outage: (200 + 50 + 30 + 50 + 120) / 1000
    problem = build_problem(example, 2030, battery_gwh=1.0, battery_scenario="mix",
                      self_sufficiency_basis="entitlement")
    nominal = evaluate_portfolio(problem, {"CO-AUS": 1.0, "CU-CHL": 0.5, "CU-CHN": 1.0},
                                 robust="worst", scenarios=scen)
    assert target(nominal, "self_sufficiency:base_metals")["worst_case_achieved"] == \
        pytest.approx(45.0)


def test_cvar_with_certain_scenario_equals_worst_case(example):
    scen = {"chile": {"CHL": 0.5}}
    worst = optimize_portfolio(example, 150, 2030, robust="worst", scenarios=scen, **EXAMPLE)
    cvar = optimize_portfolio(example, 150, 2030, robust="cvar", scenarios=scen,
                              scenario_probabilities={"chile": 1.0}, **EXAMPLE)
    assert stakes(cvar) == stakes(worst)
    assert target(cvar, "self_sufficiency:base_metals")["robust_shortfall"] == \
        pytest.approx(32.0)


def test_targets_met_then_cheapest_then_most_diverse(example):
    # 40 % needs 7 pp: CU-CHN at 75 % (9 pp) and CU-CHL 25 % + CU-CHN 25 % (8 pp) both cost
    # 37.5 oku-yen; the diversification stage prefers the first (copper HHI 0.393 vs 0.551).
    r = optimize_portfolio(example, 150, 2030, self_sufficiency_target=0.4, battery_gwh=None,
                           workers=1, self_sufficiency_basis="entitlement")
    assert r.targets_met
    assert stakes(r) == {"CU-CHN": 0.75}
    assert r.spend_oku_yen == pytest.approx(37.5)
    copper = r.diversification.set_index("commodity").loc["copper"]
    assert copper["hhi_after"] == pytest.approx(0.392562, abs=1e-6)  # CHL 100, CHN 90, AUS 30
    assert target(r, "self_sufficiency:base_metals")["achieved"] == pytest.approx(42.0)


def test_continuous_stakes(example):
    r = optimize_portfolio(example, 150, 2030, continuous=True, **EXAMPLE)
    assert stakes(r) == pytest.approx({"CO-AUS": 1.0, "CU-CHL": 0.6, "CU-CHN": 1.0})
    assert target(r, "self_sufficiency:base_metals")["achieved"] == pytest.approx(57.0)


def test_annual_budget_limits_spend_per_year(example):
    # costs are paid evenly from 2025 to the year before production; 20 oku-yen a year
    r = optimize_portfolio(example, 150, 2030, annual_budget_oku_yen=20.0, **EXAMPLE)
    sel = r.selected.set_index("project_id")
    years = range(2025, 2031)
    for year in years:
        paid = sum(row.cost_oku_yen / (max(2025, row.online_year - 1) - 2025 + 1)
                   for row in sel.itertuples() if 2025 <= year <= max(2025, row.online_year - 1))
        assert paid <= 20.0 + 1e-9
    assert r.spend_oku_yen < 140.0


def test_country_cap_respected(example):
    r = optimize_portfolio(example, 150, 2030, max_country_share=0.3, **EXAMPLE)
    shares = r.country_shares.set_index(["commodity", "iso3"])
    for (commodity, iso3), row in shares.iterrows():
        if row["after_t"] > row["before_t"]:  # a country whose supply grew
            assert row["share_after"] <= max(0.3, row["share_before"]) + 1e-9, (commodity, iso3)
    assert target(r, "self_sufficiency:base_metals")["achieved"] < 55.0  # the cap costs


def test_impossible_targets_give_best_portfolio_and_shortfalls(example):
    r = optimize_portfolio(example, 10_000, 2030, **EXAMPLE)
    assert r.status == "optimal"
    ssr = target(r, "self_sufficiency:base_metals")
    assert ssr["achieved"] == pytest.approx(73.0) and ssr["shortfall"] == pytest.approx(7.0)
    assert r.spend_oku_yen == pytest.approx(250.0)  # every eligible project at full stake


def test_zero_budget_is_the_baseline(example):
    r = optimize_portfolio(example, 0, 2030, **EXAMPLE)
    assert r.selected.empty and r.spend_oku_yen == 0
    assert target(r, "self_sufficiency:base_metals")["achieved"] == pytest.approx(33.0)


def test_weighted_objective_trades_cost_against_shortfall(example):
    # 1 pp of shortfall is worth 3 oku-yen: only projects cheaper than 3 oku-yen per pp pay off
    r = optimize_portfolio(example, 150, 2030, objective="weighted",
                           weights={"targets": 3.0, "cost": 1.0, "diversification": 0.0},
                           **EXAMPLE)
    assert stakes(r) == {"CO-AUS": 1.0}  # 1 oku-yen per pp; copper costs 4.2-7.5 per pp
    assert r.stages["stage"].tolist() == ["weighted"]


def test_result_summary_and_json(example):
    r = optimize_portfolio(example, 150, 2030, **EXAMPLE)
    summary = r.summary()
    assert list(summary.columns) == ["measure", "value", "unit"]
    assert summary["value"].dtype == float
    assert summary.set_index("measure").loc["spend", "value"] == pytest.approx(140.0)
    payload = json.loads(json.dumps(r.to_dict()))
    assert payload["status"] == "optimal"
    assert {"project_id", "stake"} <= set(payload["selected"][0])
    assert payload["spend_oku_yen"] == pytest.approx(140.0)
    assert {"name", "target", "achieved", "shortfall"} <= set(payload["targets"][0])


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("kwargs", "error", "text"), [
    ({"budget_oku_yen": -5}, InfeasibleTargetError, "budget_oku_yen must be a number >= 0"),
    ({"metals": ["tin"]}, UnknownChoiceError, "unknown base metal"),
    ({"max_country_share": 1.5}, PortfolioParameterError, "max_country_share must be"),
    ({"stake_levels": (0.5, 1.5)}, PortfolioParameterError, "stake_levels must be fractions"),
    ({"exclude_groups": ["axis"]}, UnknownChoiceError, "unknown country group 'axis'"),
    ({"objective": "pareto"}, UnknownChoiceError, "unknown objective"),
    ({"robust": "worst", "scenarios": {"x": {"CHL": 2.0}}}, PortfolioParameterError,
     "loss shares must be in [0, 1]"),
    ({"self_sufficiency_target": 80}, PortfolioParameterError, "0.8 for 80 %"),
    ({"weights": {"speed": 1.0}}, UnknownChoiceError, "unknown objective weight"),
    ({"order": ("cost", "cost")}, PortfolioParameterError, "distinct stages"),
])
def test_bad_parameters_are_clear_errors(example, kwargs, error, text):
    args = {**EXAMPLE, **kwargs}
    budget = args.pop("budget_oku_yen", 150)
    with pytest.raises(error) as info:
        optimize_portfolio(example, budget, 2030, **args)
    assert text in str(info.value)


def test_robust_without_scenarios_says_how_to_give_them(example, tmp_path, monkeypatch):
    monkeypatch.setenv("SCRISK_DATA", str(tmp_path / "data"))  # no scenarios/ next to it
    with pytest.raises(ScenarioError, match="no scenario files"):
        optimize_portfolio(example, 150, 2030, robust="worst", **EXAMPLE)


def test_cap_error_names_project_and_smallest_workable_cap():
    # no secured lithium yet and candidates in two countries: any purchase makes one country at
    # least half of the mix, so a cap of 0.2 is impossible and 0.5 is the smallest that works
    cands = pd.DataFrame({"project_id": ["A", "B"], "commodity": "lithium",
                          "iso3": ["ARG", "AUS"], "annual_output_t": [200.0, 100.0],
                          "stake_offered": 1.0, "cost_oku_yen": [10.0, 10.0],
                          "online_year": 2028, "success_probability": 1.0})
    t = Target("battery:lithium_lce", "battery", ("lithium",), ("mining",), 1000.0, 0.0, 1.0)
    p = problem_from_frames(cands, [t])
    with pytest.raises(PortfolioParameterError) as info:
        solve_portfolio(p, 100.0, max_country_share=0.2, workers=1)
    assert "below what any single project needs" in str(info.value)
    assert "the smallest cap that allows one is 0.5 (lithium)" in str(info.value)
    r = solve_portfolio(p, 100.0, max_country_share=0.5, workers=1)
    assert r.selected["secured_t"].tolist() == pytest.approx([100.0, 100.0])  # 50/50
    # a commodity with one candidate country and no current supply cannot meet any cap < 1
    cobalt = pd.DataFrame({"project_id": ["C"], "commodity": "cobalt", "iso3": ["COD"],
                           "annual_output_t": [10.0], "stake_offered": 1.0,
                           "cost_oku_yen": [1.0], "online_year": 2028,
                           "success_probability": 1.0})
    t2 = Target("battery:cobalt", "battery", ("cobalt",), ("mining",), 100.0, 0.0, 1.0)
    p2 = problem_from_frames(pd.concat([cands, cobalt]), [t, t2])
    r2 = solve_portfolio(p2, 100.0, max_country_share=0.5, workers=1)
    assert "C" not in set(r2.selected["project_id"])
    assert any("rules out every candidate of cobalt" in note for note in r2.notes)


# --------------------------------------------------------------------------- frontier, plot


def test_frontier_is_monotone_and_plots(example, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    f = portfolio_frontier(example, [0, 40, 90, 150], 2030, **EXAMPLE)
    achieved = f.table["achieved:self_sufficiency:base_metals"].tolist()
    assert achieved == pytest.approx([33.0, 33.0, 45.0, 55.0])
    assert f.table["total_shortfall_pp"].is_monotonic_decreasing
    ax = f.plot()
    assert "oku-yen" in ax.get_xlabel() and "(%)" in ax.get_ylabel()
    ax.figure.savefig(tmp_path / "f.png")
    assert (tmp_path / "f.png").stat().st_size > 10_000


# --------------------------------------------------------------------------- candidates file


def test_candidates_file_replaces_the_list(example_dir, tmp_path):
    path = tmp_path / "mine.csv"
    example_candidates().iloc[:2].to_csv(path, index=False)
    ds = dataset_with_candidates(path, example_dir)
    assert list(ds.candidates["project_id"]) == ["CU-CHL", "CU-AUS"]


def test_bad_candidates_file_names_the_file(example_dir, tmp_path):
    from scrisk.exceptions import DataValidationError

    bad = example_candidates()
    bad.loc[0, "success_probability"] = 1.5
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(DataValidationError) as info:
        dataset_with_candidates(path, example_dir)
    assert f"{path}, line 2, column 'success_probability'" in str(info.value)


# --------------------------------------------------------------------------- shipped data


def test_shipped_baselines_match_the_metrics(shipped):
    from scrisk.metrics.battery import battery_coverage
    from scrisk.metrics.self_sufficiency import self_sufficiency

    p = build_problem(shipped, 2030)
    ss = self_sufficiency(shipped)
    agg = ss.loc[ss["commodity"] == "base_metals"].sort_values("year").iloc[-1]
    assert p.baseline_ratio("self_sufficiency:base_metals") == pytest.approx(
        agg["ratio_procured"])
    # the latest demand year of every year's table (build_problem computes that year only)
    head = p.target("self_sufficiency:base_metals")
    assert head.denominator_t == pytest.approx(agg["demand_t"], rel=1e-12)
    assert head.fixed_t == pytest.approx(agg["recycling_t"], rel=1e-12)
    entitled = build_problem(shipped, 2030, self_sufficiency_basis="entitlement")
    assert entitled.baseline_ratio("self_sufficiency:base_metals") == pytest.approx(
        agg["ratio_entitlement"])
    cover = battery_coverage(shipped, 150, "balanced").set_index("material")
    for name in p.target_names:
        if name.startswith("battery:"):
            material = name.split(":")[1]
            assert p.target(name).denominator_t == pytest.approx(cover.loc[material, "need_t"])
            assert p.baseline_of(name) == pytest.approx(cover.loc[material, "secured_t"])


def test_shipped_data_budget_1597(shipped):
    r = optimize_portfolio(shipped, 1597, 2030, time_limit_s=20)
    assert r.spend_oku_yen <= 1597 + 1e-6
    assert r.status == "optimal"
    late = shipped.candidates.query("online_year > 2030")["project_id"]
    assert not set(late) & set(r.selected["project_id"])
    assert np.isfinite(r.targets["achieved"]).all()


# --------------------------------------------------------------------------- CLI


def test_cli_optimize_json(monkeypatch, capsys, example_dir):
    code, out, err = run_cli(monkeypatch, capsys, "optimize", "--budget", "150",
                             "--target-year", "2030", "--data", str(example_dir),
                             "--battery-gwh", "1", "--battery-scenario", "mix",
                             "--ssr-basis", "entitlement", "--workers", "1", "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["status"] == "optimal"
    assert {s["project_id"]: s["stake"] for s in payload["selected"]} == \
        pytest.approx({"CO-AUS": 0.5, "CU-CHL": 0.25, "CU-CHN": 0.4})
    assert payload["spend_oku_yen"] == pytest.approx(140.0)
    ssr = next(t for t in payload["targets"] if t["name"] == "self_sufficiency:base_metals")
    assert (ssr["target"], ssr["achieved"], ssr["shortfall"]) == pytest.approx((80, 55, 25))


def test_cli_optimize_table_cap_exclude_robust(monkeypatch, capsys, example_dir, tmp_path):
    scen = tmp_path / "chile.toml"
    scen.write_text('name = "chile"\n[[shocks]]\nid = "strike"\nkind = "production_cut"\n'
                    'country = "Chile"\ncommodity = "copper"\nstage = "mining"\nsize = 0.5\n',
                    encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, "optimize", "--budget", "150",
                             "--data", str(example_dir), "--battery-gwh", "1",
                             "--battery-scenario", "mix", "--workers", "1",
                             "--max-country-share", "0.6", "--exclude-group", "concern",
                             "--robust", "--scenarios", str(scen))
    assert code == 0, err
    assert "status: optimal" in out and "Worst case" in out.replace("\n", " ")
    assert "CU-CHN" not in out and "kept from rising: AUS (cobalt), CHL (copper)" in out


def test_cli_bad_budget_exits_2_without_traceback(monkeypatch, capsys, example_dir):
    code, out, err = run_cli(monkeypatch, capsys, "optimize", "--budget", "-5",
                             "--data", str(example_dir))
    assert code == 2
    assert "budget_oku_yen must be a number >= 0" in err and "Traceback" not in err


def test_cli_frontier_writes_png(monkeypatch, capsys, example_dir, tmp_path):
    code, out, err = run_cli(monkeypatch, capsys, "optimize", "--budget", "150", "--frontier",
                             "--frontier-points", "3", "--data", str(example_dir),
                             "--battery-gwh", "1", "--battery-scenario", "mix",
                             "--workers", "1", "--out", str(tmp_path), "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert [row["budget_oku_yen"] for row in payload["frontier"]] == [0.0, 150.0, 300.0]
    assert (tmp_path / "portfolio_frontier.png").exists()


def test_cli_candidates_file(monkeypatch, capsys, example_dir, tmp_path):
    path = tmp_path / "two.csv"
    example_candidates().iloc[[0, 3]].to_csv(path, index=False)
    code, out, err = run_cli(monkeypatch, capsys, "optimize", "--budget", "150",
                             "--data", str(example_dir), "--candidates", str(path),
                             "--battery-gwh", "1", "--battery-scenario", "mix",
                             "--ssr-basis", "entitlement", "--workers", "1", "--format", "json")
    assert code == 0, err
    assert {s["project_id"] for s in json.loads(out)["selected"]} == {"CU-CHL", "CO-AUS"}


# --------------------------------------------------------------------------- scenarios


def test_scenario_files_become_country_losses(shipped, tmp_path):
    from scrisk.optimize.scenarios import country_loss_scenarios, loss_of

    (tmp_path / "a.toml").write_text(
        'name = "cuts"\n'
        '[[shocks]]\nid = "chl"\nkind = "production_cut"\ncountry = "Chile"\n'
        'commodity = "copper"\nstage = "mining"\nsize = 0.4\n'
        '[[shocks]]\nid = "chl-ref"\nkind = "production_cut"\ncountry = "Chile"\n'
        'commodity = "copper"\nstage = "refining"\nsize = 0.2\n'
        '[[shocks]]\nid = "demand"\nkind = "demand_shock"\ncommodity = "lithium"\nsize = 0.2\n',
        encoding="utf-8")
    (tmp_path / "b.toml").write_text(
        'name = "malacca"\n[[shocks]]\nid = "m"\nkind = "sea_lane_closure"\n'
        'chokepoint = "malacca"\nsize = 1.0\nduration_months = 6\n', encoding="utf-8")
    skipped: list[str] = []
    scen = country_loss_scenarios(tmp_path, dataset=shipped, skipped=skipped)
    assert scen["cuts"] == {"copper:CHL": 0.4}  # the largest stage shock
    assert any("demand_shock" in s for s in skipped)
    routes, regions = shipped.sea_routes, shipped.sea_regions.set_index("iso3")["origin_region"]
    through = routes["chokepoints"].fillna("").str.contains("malacca")
    share = routes.loc[through].groupby("origin_region")["share"].sum()
    assert scen["malacca"]  # some countries ship through the strait
    for iso3, loss in scen["malacca"].items():
        assert loss == pytest.approx(0.5 * share[regions[iso3]])
        assert loss_of(scen["malacca"], "zinc", iso3) == loss
    assert country_loss_scenarios({"x": {"CHL": 0.3}}) == {"x": {"CHL": 0.3}}
    with pytest.raises(ScenarioError, match="expected a share in"):
        country_loss_scenarios({"x": {"CHL": 1.3}})
