"""Scenario files, deterministic runs, Monte Carlo, chokepoints and the CLI on a toy dataset.

The toy dataset holds the worked example of docs/methods.md (nickel,
from scrisk.disruption.example) and a small copper network:

    copper ore: CHL mines 200 and ships 100 to JPN, AUS mines 50 and ships 20 to JPN;
    JPN refines 80. JPN's companies hold 40% of the CHL mine CU-CHL-1 (100 t):
    equity 40 t; recycling 20 t; demand 100 t -> self-sufficiency 0.6.
    nickel: JPN's companies take 30% of NI-AUS-1 (50 t) and 50% of NI-IDN-1 (20 t):
    25 t secured; 0.1 GWh of NMC811 at 0.5 kg/kWh needs 50 t -> coverage 0.5.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tiny
from typer.testing import CliRunner

from scrisk.data.load import load_dataset
from scrisk.disruption.chokepoints import chokepoints
from scrisk.disruption.example import example_network, example_route_tables
from scrisk.disruption.montecarlo import monte_carlo, run_and_monte_carlo
from scrisk.disruption.scenarios import (
    Scenario,
    Shock,
    load_scenario,
    parse_scenario,
    run_scenario,
)
from scrisk.exceptions import ScenarioError

SCENARIOS = Path(__file__).parent / "data" / "scenarios"
SRC = "toy disruption data"
YEAR = 2023


def toy_tables() -> dict[str, pd.DataFrame]:
    net = example_network()
    names = {"AUS": "Australia", "CHL": "Chile", "CHN": "China", "IDN": "Indonesia",
             "JPN": "Japan", "KOR": "South Korea"}
    countries = pd.DataFrame({"iso3": list(names), "name_en": list(names.values()),
                              "name_ja": list(names.values()), "m49": None, "baci_code": None,
                              "wmd_name": None, "is_aggregate": False, "source": SRC})
    commodities = pd.DataFrame({
        "commodity": ["copper", "nickel"], "name_en": ["Copper", "Nickel"],
        "name_ja": ["銅", "ニッケル"], "group": ["base_metal", "battery"],
        "mining_unit": "t", "content_factor": 1.0, "wmd_table": None, "gpr_reference_id": None,
        "hs_mining": None, "hs_refining": None, "hs_gpr": None, "eol_rir": None, "source": SRC})
    production = [("nickel", "mining", c, q) for c, q in
                  zip(net.countries, net.production["mining"], strict=True) if q > 0]
    production += [("copper", "mining", "CHL", 200.0), ("copper", "mining", "AUS", 50.0)]
    production = pd.DataFrame(production, columns=["commodity", "stage", "iso3", "quantity"])
    production = production.assign(year=YEAR, unit="t", data_quality="reported", source=SRC)
    processing = pd.DataFrame({
        "commodity": ["nickel", "nickel", "copper"], "stage": "refining",
        "iso3": ["CHN", "JPN", "JPN"], "year": YEAR, "share": [0.8, 0.2, 1.0],
        "world_total": [100.0, 100.0, 80.0], "unit": "t", "source": SRC, "note": ""})
    trade = []
    for stage in ("mining", "refining"):
        frame = net.flows_frame(stage)
        trade += [("nickel", stage, r.exporter, r.importer, r.contained_t)
                  for r in frame.itertuples()]
    trade += [("copper", "mining", "CHL", "JPN", 100.0), ("copper", "mining", "AUS", "JPN", 20.0)]
    trade = pd.DataFrame(trade, columns=["commodity", "stage", "exporter", "importer",
                                         "quantity_t"])
    trade = trade.assign(year=YEAR, hs6=[f"{i:06d}" for i in range(len(trade))],
                         value_kusd=1.0, source=SRC)
    governance = pd.DataFrame({"iso3": list(names), "year": YEAR, "wgi_political_stability": 0.0,
                               "source": SRC})
    consumption = pd.DataFrame({"iso3": ["JPN"], "commodity": ["copper"], "year": [YEAR],
                                "demand_t": [100.0], "recycling_t": [20.0],
                                "reported_self_sufficiency": [None], "unit": "t", "source": SRC,
                                "note": ""})
    intensity = pd.DataFrame({"chemistry": ["NMC811"], "material": ["nickel"],
                              "kg_per_kwh": [0.5], "basis": "toy", "source": SRC, "note": ""})
    mixes = pd.DataFrame({"scenario": ["toy"], "chemistry": ["NMC811"], "share": [1.0],
                          "source": SRC, "note": ""})
    targets = pd.DataFrame({"target_id": ["ss2030"], "iso3": ["JPN"],
                            "metric": ["base_metal_self_sufficiency"], "value": [0.8],
                            "unit": ["ratio"], "year": [2030], "source": SRC, "note": ""})
    groups = pd.DataFrame({"group": ["G7"], "iso3": ["JPN"], "source": SRC, "note": ""})
    facilities = pd.DataFrame({
        "facility_id": ["NI-AUS-1", "NI-IDN-1", "CU-CHL-1", "CU-AUS-1"],
        "name": ["Aus nickel", "Idn nickel", "Chl copper", "Aus copper"],
        "commodity": ["nickel", "nickel", "copper", "copper"], "stage": "mining",
        "iso3": ["AUS", "IDN", "CHL", "AUS"], "lat": 0.0, "lon": 0.0, "capacity_t": None,
        "output_t": [50.0, 20.0, 100.0, 50.0], "unit": "t", "year": YEAR,
        "status": "operating", "operator": "op", "source": SRC, "note": ""})
    ownership = pd.DataFrame({
        "facility_id": ["NI-AUS-1", "NI-IDN-1", "CU-CHL-1"],
        "owner": ["Japan Co"] * 3, "owner_iso3": "JPN", "equity_share": [0.2, 0.5, 0.4],
        "offtake_share": [0.3, None, None], "year": YEAR, "source": SRC, "note": ""})
    candidates = pd.DataFrame({
        "project_id": ["P1"], "name": ["One"], "commodity": ["copper"], "stage": "mining",
        "iso3": ["CHL"], "lat": [0.0], "lon": [0.0], "annual_output_t": [10.0], "unit": "t",
        "stake_offered": [0.5], "cost_oku_yen": [10.0], "online_year": [2028],
        "success_probability": [0.5], "illustrative": [True], "source": SRC, "note": ""})
    geo = example_route_tables()
    chokepoints_ = geo["chokepoints"].assign(name_ja=geo["chokepoints"]["name_en"], lat=0.0,
                                             lon=0.0, kind="strait", source=SRC, note="")
    routes = pd.concat([geo["sea_routes"], pd.DataFrame({
        "origin_region": ["latam_pacific"], "route_id": ["direct"], "chokepoints": [None],
        "share": [1.0]})], ignore_index=True).assign(source=SRC, note="")
    regions = pd.concat([geo["sea_regions"], pd.DataFrame({
        "iso3": ["CHL"], "origin_region": ["latam_pacific"]})], ignore_index=True).assign(note="")
    return {"countries": countries, "commodities": commodities, "production": production,
            "processing_shares": processing, "trade": trade, "governance": governance,
            "consumption": consumption, "battery_intensity": intensity,
            "battery_scenarios": mixes, "policy_targets": targets, "country_groups": groups,
            "facilities": facilities, "ownership": ownership, "candidates": candidates,
            "chokepoints": chokepoints_, "sea_routes": routes, "sea_regions": regions}


def write_toy(folder: Path) -> Path:
    return tiny.write(folder, toy_tables())


@pytest.fixture(scope="module")
def toy_dir(tmp_path_factory):
    return write_toy(tmp_path_factory.mktemp("disruption_toy"))


@pytest.fixture(scope="module")
def toy(toy_dir):
    return load_dataset(toy_dir)


def _scenario(*shocks: Shock) -> Scenario:
    return Scenario("test", tuple(shocks), year=YEAR)


def _run(toy, *shocks, **kwargs):
    return run_scenario(toy, _scenario(*shocks), gwh=0.1, battery_scenario="toy", **kwargs)


def _loss(result, commodity="nickel") -> dict[str, float]:
    rows = result.supply.loc[result.supply["commodity"] == commodity]
    return {r.stage: round(r.loss_t, 9) for r in rows.itertuples()}


def _battery(result) -> dict[str, float]:
    row = result.battery.set_index("material").loc["nickel"]
    return {k: round(float(row[k]), 9) for k in ("need_t", "secured_t", "secured_after_t",
                                                 "coverage", "coverage_after",
                                                 "secured_coverage", "secured_coverage_after")}


# ----------------------------------------------------------------- deterministic runs


IDN_BAN = Shock("idn", "export_ban", 1.0, country="IDN", commodity="nickel", stage="mining")
TAIWAN = Shock("tw", "sea_lane_closure", 1.0, chokepoint="taiwan_strait")
MALACCA = Shock("ml", "sea_lane_closure", 1.0, chokepoint="malacca")


def test_toy_dataset_is_valid(toy):
    assert "nickel" in toy.commodities_list


def test_indonesian_ore_ban(toy):
    result = _run(toy, IDN_BAN)
    assert _loss(result) == {"mining": 10.0, "refining": 20.0}
    # coverage: Japan's refined supply (70 t, 50 t after) against 50 t of needs; on the
    # equity basis Japan's offtake from the Indonesian mine cannot leave Indonesia any more
    assert _battery(result) == {"need_t": 50.0, "secured_t": 25.0, "secured_after_t": 15.0,
                                "coverage": 1.4, "coverage_after": 1.0,
                                "secured_coverage": 0.5, "secured_coverage_after": 0.3}
    origin = result.by_origin.set_index(["commodity", "stage", "origin"])["loss_t"]
    assert origin[("nickel", "refining", "IDN")] == pytest.approx(20.0)
    assert origin[("nickel", "refining", "AUS")] == pytest.approx(0.0)
    assert result.summary()["stage"].tolist() == ["refining"]


def test_combined_shocks_known_answer(toy):
    result = _run(toy, IDN_BAN, TAIWAN)
    assert _loss(result) == {"mining": 10.0, "refining": 34.0}
    assert result.shocks["effective"].tolist() == [True, True]


def test_malacca_closure_hits_the_indonesian_route(toy):
    result = _run(toy, MALACCA)
    assert _loss(result) == {"mining": 10.0, "refining": 5.0}
    assert _battery(result)["secured_after_t"] == 15.0
    assert _loss(result, "copper") == {"mining": 0.0, "refining": 0.0}


def test_duration_scales_the_shock(toy):
    quarter = Shock("ml", "sea_lane_closure", 1.0, chokepoint="malacca", duration_months=3)
    assert quarter.effective_size == 0.25
    assert _loss(_run(toy, quarter)) == {"mining": 2.5, "refining": 1.25}


def test_substitution_is_off_by_default_and_documented_rule_when_on(toy):
    assert _loss(_run(toy, MALACCA)) == {"mining": 10.0, "refining": 5.0}
    result = _run(toy, MALACCA, substitution=0.2)
    assert _loss(result) == {"mining": 4.0, "refining": 0.0}
    row = result.supply.set_index(["commodity", "stage"]).loc[("nickel", "mining")]
    assert row["substituted_t"] == pytest.approx(6.0)


def test_facility_outage(toy):
    outage = Shock("f", "facility_outage", 1.0, facility="NI-AUS-1", commodity="nickel",
                   stage="mining")
    result = _run(toy, outage)
    assert _loss(result) == {"mining": 15.0, "refining": 20.0}
    assert _battery(result)["secured_after_t"] == 10.0


def test_self_sufficiency_after_a_cut_and_a_demand_shock(toy):
    result = run_scenario(toy, load_scenario(SCENARIOS / "good" / "copper_cut_and_demand.yaml",
                                             toy), gwh=0.1, battery_scenario="toy")
    table = result.self_sufficiency.set_index("commodity").round(9)
    assert table.loc["copper", ["equity_t", "equity_after_t", "demand_after_t"]].tolist() == \
        [40.0, 20.0, 125.0]
    assert table.loc["copper", "ratio"] == 0.6
    assert table.loc["copper", "ratio_after"] == 0.32
    assert table.loc["base_metals", "ratio_after"] == 0.32
    assert _loss(result, "copper")["mining"] == 50.0      # half of the 100 t from Chile
    assert result.supply.set_index(["commodity", "stage"]).loc[
        ("copper", "mining"), "demand_factor"] == 1.25


def test_shock_without_effect_is_reported(toy):
    korea_ore = Shock("k", "export_ban", 1.0, country="KOR", commodity="nickel", stage="mining")
    result = _run(toy, korea_ore)
    assert result.shocks["effective"].tolist() == [False]
    assert any("changes nothing" in note for note in result.notes)


def test_baseline_battery_coverage_matches_metrics_module(toy):
    from scrisk.metrics.battery import battery_coverage

    expected = battery_coverage(toy, 0.1, "toy", "JPN").set_index("material")
    result = _run(toy, TAIWAN)
    got = result.battery.set_index("material")
    assert got.loc["nickel", "secured_coverage"] == \
        pytest.approx(expected.loc["nickel", "coverage"])
    assert got.loc["nickel", "secured_coverage_after"] == pytest.approx(0.5)
    # a cut in the refined supply lowers battery coverage: 70 t -> 50 t against 50 t of needs
    assert got.loc["nickel", "coverage"] == pytest.approx(1.4)
    assert got.loc["nickel", "coverage_after"] == pytest.approx(1.0)


# ----------------------------------------------------------------- Monte Carlo


def test_monte_carlo_single_shock_distribution(toy):
    scenario = load_scenario(SCENARIOS / "good" / "idn_ban_and_taiwan.toml", toy)
    result = monte_carlo(toy, scenario, runs=4_000, seed=11, gwh=0.1, battery_scenario="toy")
    row = result.losses.set_index(["commodity", "stage"]).loc[("nickel", "refining")]
    # IDN ban always (20 t); Taiwan closure with p = 0.25 makes it 34 t
    samples = result.samples["nickel:refining"]
    assert set(np.round(samples, 9)) == {20.0, 34.0}
    assert row["p50_loss_t"] == pytest.approx(20.0)
    assert row["p99_loss_t"] == pytest.approx(34.0)
    assert row["prob_loss"] == 1.0
    share = float((np.round(samples, 9) == 34.0).mean())
    assert share == pytest.approx(0.25, abs=0.03)
    assert row["mean_loss_t"] == pytest.approx(20 + 14 * share)
    assert result.shocks["sampled_share"].iloc[0] == 1.0


def test_monte_carlo_same_seed_same_numbers_any_chunk(toy):
    scenario = load_scenario(SCENARIOS / "good" / "idn_ban_and_taiwan.toml", toy)
    kwargs = {"gwh": 0.1, "battery_scenario": "toy"}
    one = monte_carlo(toy, scenario, runs=3_000, seed=5, chunk=3_000, **kwargs)
    two = monte_carlo(toy, scenario, runs=3_000, seed=5, chunk=257, **kwargs)
    other = monte_carlo(toy, scenario, runs=3_000, seed=6, **kwargs)
    for key in one.samples:
        assert np.array_equal(one.samples[key], two.samples[key])
    pd.testing.assert_frame_equal(one.losses, two.losses)
    assert not np.array_equal(one.samples["nickel:refining"], other.samples["nickel:refining"])


def test_monte_carlo_coverage_probability(toy):
    # Malacca closes with p = 0.4: nickel coverage 1.4 -> 1.3 (below 1.35) in those runs
    scenario = _scenario(Shock("ml", "sea_lane_closure", 1.0, probability=0.4,
                               chokepoint="malacca"))
    result = monte_carlo(toy, scenario, runs=5_000, seed=3, gwh=0.1, battery_scenario="toy",
                         coverage_threshold=1.35)
    row = result.coverage.set_index("material").loc["nickel"]
    assert row["coverage"] == pytest.approx(1.4)
    assert row["prob_below"] == pytest.approx(result.shocks["sampled_share"].iloc[0])
    assert row["prob_below"] == pytest.approx(0.4, abs=0.03)


def test_monte_carlo_progress_callback(toy):
    seen = []
    monte_carlo(toy, _scenario(TAIWAN), runs=1_000, seed=0, chunk=300, gwh=0.1,
                battery_scenario="toy", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(300, 1000), (600, 1000), (900, 1000), (1000, 1000)]


@pytest.mark.parametrize(("stream_above", "prime_runs"), [(8, 100_000), (0, 100_000), (8, 10)])
def test_run_and_monte_carlo_is_the_two_calls(toy, monkeypatch, stream_above, prime_runs):
    import scrisk.disruption.montecarlo as montecarlo

    monkeypatch.setattr(montecarlo, "STREAM_ABOVE", stream_above)  # 0: the streamed order
    monkeypatch.setattr(montecarlo, "_PRIME_RUNS", prime_runs)  # 10: chunks evaluate their own
    scenario = _scenario(Shock("idn", "export_ban", 1.0, probability=0.5, country="IDN",
                               commodity="nickel", stage="mining"),
                         Shock("tw", "sea_lane_closure", 1.0, probability=0.25,
                               chokepoint="taiwan_strait"),
                         Shock("ml", "sea_lane_closure", 0.5, probability=0.4,
                               chokepoint="malacca"))
    kwargs = {"gwh": 0.1, "battery_scenario": "toy"}
    det, mc = run_and_monte_carlo(toy, scenario, 600, 4, **kwargs)
    det_alone = run_scenario(toy, scenario, **kwargs)
    mc_alone = monte_carlo(toy, scenario, 600, 4, **kwargs)
    for part in ("supply", "by_origin", "self_sufficiency", "battery", "shocks"):
        pd.testing.assert_frame_equal(getattr(det, part), getattr(det_alone, part), rtol=1e-12)
    for part in ("losses", "coverage", "shocks"):
        pd.testing.assert_frame_equal(getattr(mc, part), getattr(mc_alone, part), rtol=1e-12)
    assert det.notes == det_alone.notes and mc.notes == mc_alone.notes
    assert mc.samples.keys() == mc_alone.samples.keys()
    for key, values in mc_alone.samples.items():
        np.testing.assert_allclose(mc.samples[key], values, rtol=1e-12, atol=1e-9)


# ----------------------------------------------------------------- validation


EXPECTED_PROBLEMS = {
    "misspelt_country": ["shocks[0] (export_ban-1): country 'Indonsia' is not a known country; "
                         "did you mean IDN (Indonesia)?"],
    "share_above_one": ["shocks[0] (production_cut-1): size must be a number in [0, 1], got 1.2",
                        "shocks[0] (production_cut-1): probability must be a number in [0, 1], "
                        "got 1.5"],
    "unknown_key": ["shocks[0] (sea_lane_closure-1): unknown key 'countyr'; allowed: id, kind, "
                    "size, probability, duration_months, source, note, chokepoint, commodities",
                    "shocks[1] (export_ban-1): unknown key 'comodity'; did you mean 'commodity'?",
                    "shocks[1] (export_ban-1): 'commodity' is required for kind export_ban"],
    "unknown_names": [
        "shocks[0] (export_quota-1): commodity 'nikel' is not a known commodity; did you mean "
        "'nickel'?",
        "shocks[0] (export_quota-1): stage 'smelting' is not one of mining, intermediate, "
        "refining, material",
        "shocks[1] (sea_lane_closure-1): chokepoint 'malaca' is not a known chokepoint; did you "
        "mean 'malacca'?",
        "shocks[2] (facility_outage-1): facility 'NI-AUS-9' is not a known facility; did you "
        "mean 'NI-AUS-1'?"],
    "structure": [
        "top level: unknown key 'titel'; allowed: name, description, name_ja, description_ja, "
        "importer, year, sources, "
        "shocks",
        "top level: 'name' must be given as text",
        "shocks[0] (a): kind 'embargo' is not one of export_ban, export_quota, production_cut, "
        "facility_outage, sea_lane_closure, demand_shock, trade_link",
        "shocks[1] (b): 'size' is required for kind export_quota",
        "shocks[2] (b): duration_months must be a number in (0, 12] (the engine evaluates one "
        "year of supply), got 0"],
}


@pytest.mark.parametrize("case", sorted(EXPECTED_PROBLEMS))
def test_bad_scenarios_name_every_problem(toy, case):
    with pytest.raises(ScenarioError) as info:
        load_scenario(SCENARIOS / "bad" / f"{case}.toml", toy)
    assert list(info.value.problems) == EXPECTED_PROBLEMS[case]
    assert f"{case}.toml" in str(info.value)


def test_duplicate_ids_are_an_error(toy):
    spec = {"name": "dup", "shocks": [
        {"id": "x", "kind": "demand_shock", "commodity": "nickel", "size": 0.1},
        {"id": "x", "kind": "demand_shock", "commodity": "copper", "size": 0.1}]}
    with pytest.raises(ScenarioError, match=r"shocks\[1\] \(x\): id repeats shocks\[0\]"):
        parse_scenario(spec, toy)


def test_not_toml_is_an_error_with_the_line(toy):
    with pytest.raises(ScenarioError, match="not valid TOML.*line 1"):
        load_scenario(SCENARIOS / "bad" / "not_toml.toml", toy)


def test_missing_file_and_wrong_suffix(toy, tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.toml", toy)
    (tmp_path / "s.json").write_text("{}")
    with pytest.raises(ScenarioError, match="use .toml, .yaml or .yml"):
        load_scenario(tmp_path / "s.json", toy)


def test_types_are_checked(toy):
    spec = {"name": "types", "year": 1850, "shocks": [
        {"kind": "production_cut", "country": 7, "commodity": "nickel", "stage": "mining",
         "size": True}]}
    with pytest.raises(ScenarioError) as info:
        parse_scenario(spec, toy)
    text = "\n".join(info.value.problems)
    assert "'year' must be a year between 1990 and 2100, got 1850" in text
    assert "country must be a country name or ISO3 code, got 7" in text
    assert "size must be a number in [0, 1], got True" in text


def test_good_scenarios_parse(toy):
    scenario = load_scenario(SCENARIOS / "good" / "idn_ban_and_taiwan.toml", toy)
    assert [s.id for s in scenario.shocks] == ["idn-ore", "taiwan"]
    assert scenario.shocks[0].country == "IDN" and scenario.shocks[0].size == 1.0
    assert scenario.shocks[1].probability == 0.25
    assert scenario.commodities(toy) == ("copper", "nickel")


# ----------------------------------------------------------------- chokepoints


def test_chokepoints_on_the_toy(toy):
    result = chokepoints(toy, "JPN", "nickel", YEAR)
    refined = result.ranking.loc[result.ranking["stage"] == "refining"]
    assert refined.iloc[0][["kind", "element"]].tolist() == ["export", "CHN"]
    assert refined.iloc[0]["loss_t"] == pytest.approx(50.0)
    lanes = result.sea_lanes.set_index(["stage", "chokepoint"])
    assert lanes.loc[("refining", "taiwan_strait"), "supply_share"] == pytest.approx(20 / 70)
    assert lanes.loc[("refining", "taiwan_strait"), "imports_t"] == pytest.approx(20.0)
    assert lanes.loc[("mining", "malacca"), "supply_share"] == pytest.approx(0.25)
    assert lanes.loc[("refining", "malacca"), "supply_share"] == pytest.approx(5 / 70)
    spof = result.single_points.set_index("scope")["share"]
    assert spof["JPN imports (refining)"] == pytest.approx(0.8)
    facility = result.ranking.set_index(["stage", "kind", "element"])["loss_t"]
    assert facility[("refining", "facility", "NI-AUS-1")] == pytest.approx(20.0)
    cut = result.min_cuts.iloc[0]
    assert cut["sink"] == "refining:JPN"
    assert cut["max_flow_t"] == pytest.approx(70.0)
    assert not result.betweenness.empty


def test_chokepoints_all_commodities(toy):
    result = chokepoints(toy, "Japan", structure=False)
    assert sorted(result.ranking["commodity"].unique()) == ["copper", "nickel"]
    assert result.summary(2).groupby("commodity").size().to_dict() == {"copper": 2, "nickel": 2}


# ----------------------------------------------------------------- CLI


def _cli(toy_dir, *args):
    import scrisk.cli.disruption  # noqa: F401  registers the commands
    from scrisk.cli import app

    env = {"SCRISK_DATA": str(toy_dir), "COLUMNS": "200"}
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=True)


def test_cli_scenario_validate(toy_dir):
    good = _cli(toy_dir, "scenario", "validate", str(SCENARIOS / "good" / "idn_ban_and_taiwan.toml"))
    assert good.exit_code == 0, good.output
    assert "valid, 2 shock(s)" in good.output
    bad = _cli(toy_dir, "scenario", "validate", str(SCENARIOS / "bad" / "misspelt_country.toml"))
    assert bad.exit_code != 0
    assert isinstance(bad.exception, ScenarioError)
    assert "did you mean IDN (Indonesia)?" in str(bad.exception)


def test_cli_scenario_run_csv_and_json(toy_dir):
    path = str(SCENARIOS / "good" / "idn_ban_and_taiwan.toml")
    out = _cli(toy_dir, "scenario", "run", path, "--gwh", "0.1", "--battery-scenario", "toy",
               "--format", "csv", "--view", "supply")
    assert out.exit_code == 0, out.output
    table = pd.read_csv(pd.io.common.StringIO(out.stdout))
    row = table.set_index(["commodity", "stage"]).loc[("nickel", "refining")]
    assert row["loss_t"] == pytest.approx(34.0)
    out = _cli(toy_dir, "scenario", "run", path, "--gwh", "0.1", "--battery-scenario", "toy",
               "--runs", "500", "--seed", "9", "--format", "json")
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    again = json.loads(_cli(toy_dir, "scenario", "run", path, "--gwh", "0.1",
                            "--battery-scenario", "toy", "--runs", "500", "--seed", "9",
                            "--format", "json").stdout)
    assert payload == again
    assert {"supply", "battery", "shocks", "notes"} <= set(payload)


def test_cli_chokepoints(toy_dir):
    out = _cli(toy_dir, "chokepoints", "--importer", "JPN", "--commodity", "nickel",
               "--format", "json")
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert payload["ranking"][0]["element"] == "CHN"
    out = _cli(toy_dir, "chokepoints", "--commodity", "nickle")
    assert out.exit_code != 0
    assert "did you mean 'nickel'" in str(out.exception).lower()
    out = _cli(toy_dir, "chokepoints", "--commodity", "nickel", "--view", "sea-lanes")
    assert out.exit_code == 0 and "taiwan_strait" in out.output


def test_other_importers_have_no_sea_lanes(toy):
    spec = {"name": "korea", "importer": "South Korea", "shocks": [
        {"kind": "sea_lane_closure", "chokepoint": "malacca"}]}
    with pytest.raises(ScenarioError, match="lead to JPN; importer KOR has none"):
        parse_scenario(spec, toy)
    result = chokepoints(toy, "KOR", "nickel", YEAR, structure=False)
    assert result.sea_lanes.empty
    assert any("sea routes" in note for note in result.notes)
    # Korea's 20 t of refined nickel all come from China
    top = result.ranking.iloc[0]
    assert (top["stage"], top["loss_t"]) == ("refining", pytest.approx(20.0))
