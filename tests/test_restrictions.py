"""Export restrictions: the inventory, the share of supply under restriction, scenarios from it.

Known answers on the tiny dataset (tests/tiny.py), worked by hand in docs/methods.md
("Supply under export restrictions"): Japan's copper supply in 2022 (mining stage) is
330 t: 200 t from Chile, 100 t from Australia, 30 t from China, whose pool holds 100 t
mined at home and 50 t from Chile (so the 30 t are 20 t Chinese-mined and 10 t
Chilean-mined).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import tiny
from cli_runner import run_cli

from scrisk.data.load import load_dataset
from scrisk.exceptions import DataValidationError, ScenarioError, UnknownChoiceError

ROOT = Path(__file__).resolve().parents[1]


def measure(measure_id: str, country: str, stage: str, start: str, end: str = "", *,
            commodity: str = "copper", kind: str = "ban", scope: str = "all",
            enforcement: str = "enforced", products: str = "260300") -> dict:
    return {"measure_id": measure_id, "country": country, "commodity": commodity,
            "products": products, "stage": stage, "type": kind, "start_date": start,
            "end_date": end, "date_quality": "exact", "scope": scope,
            "enforcement": enforcement, "source_publisher": "tiny", "source_title": "tiny act",
            "source_date": "2022-01", "source_url": "https://example.org/act",
            "source": tiny.SRC, "note": ""}


MEASURES = [
    measure("CHL-BAN", "CHL", "mining", "2022-03-01"),                       # counts, direct
    measure("CHN-LIC", "CHN", "refining", "2021-06-01", "2022-01-31",       # counts (January)
            kind="licence", products="740311"),
    measure("AUS-KOR", "AUS", "mining", "2020-01-01", scope="KOR"),          # not for Japan
    measure("AUS-OLD", "AUS", "mining", "2019-01-01", "2021-12-31"),         # ended before
    measure("AUS-NOT", "AUS", "mining", "2022-01-01", enforcement="not_in_force"),
]


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    frames = tiny.tables()
    frames["export_restrictions"] = pd.DataFrame(MEASURES)
    return tiny.write(tmp_path_factory.mktemp("tiny_restrictions"), frames)


@pytest.fixture(scope="module")
def ds(tiny_dir):
    return load_dataset(tiny_dir)


# --------------------------------------------------------------------------- known answers


def test_share_under_restriction_known_answer(ds):
    from scrisk.metrics.restrictions import restriction_shares

    result = restriction_shares(ds, importer="JPN")
    row = result.table.set_index(["year", "commodity", "stage"]).loc[(2022, "copper", "mining")]
    assert row["supply_t"] == pytest.approx(330.0)
    # direct: only Chile restricts the mining stage for Japan: 200 / 330
    assert row["direct_share"] == pytest.approx(200 / 330)
    # mined origin: Chile (200 direct + 10 via China) and China (20, licence at refining)
    assert row["mined_share"] == pytest.approx(230 / 330)
    # crossed a restricted border: Chile's 200 t to Japan and the 10 t of Chile's 50 t
    # to China that are in China's 30 t to Japan (China's licence is on refined copper,
    # so its own 20 t crossed no restricted export): 210 / 330
    assert row["crossed_t"] == pytest.approx(210.0)
    assert row["crossed_share"] == pytest.approx(210 / 330)
    assert row["measures"] == "CHL-BAN;CHN-LIC"
    crossed = result.crossed.set_index("exporter")
    assert set(crossed.index) == {"CHL"}
    assert crossed.loc["CHL", "tonnes"] == pytest.approx(210.0)
    assert crossed.loc["CHL", "measures"] == "CHL-BAN"
    partners = result.partners.set_index("partner")
    assert partners.loc["CHL", "tonnes"] == pytest.approx(200.0)
    assert set(partners.index) == {"CHL"}
    origins = result.origins.set_index("origin")["tonnes"].to_dict()
    assert origins == pytest.approx({"CHL": 210.0, "CHN": 20.0})


def test_crossed_share_traces_restricted_links_forward_known_answers():
    from scrisk.metrics.restrictions import crossed_tonnes
    from scrisk.origins import FlowModel, example_network

    # docs/methods.md: DR Congo 100 t mined, 60 t hydroxide to Finland; Finland refines
    # 70 t (60 t traced, 10 t untraced) and ships 35 t to Japan
    model = FlowModel(example_network())
    everyone = ("all",)
    # a hydroxide (intermediate) restriction reaches Japan's refined cobalt: 35 x 60/70
    assert crossed_tonnes(model, "JPN", "refining",
                          {"intermediate": [("COD", everyone)]}) == pytest.approx(30.0)
    # a restriction on Finland's refined exports: all 35 t crossed it
    assert crossed_tonnes(model, "JPN", "refining",
                          {"refining": [("FIN", everyone)]}) == pytest.approx(35.0)
    # both: never more than the supply
    assert crossed_tonnes(model, "JPN", "refining", {
        "intermediate": [("COD", everyone)], "refining": [("FIN", everyone)]}) == \
        pytest.approx(35.0)
    # a restriction on ore exports: no ore leaves DR Congo, nothing crossed
    assert crossed_tonnes(model, "JPN", "refining",
                          {"mining": [("COD", everyone)]}) == pytest.approx(0.0)
    # a scope naming another destination leaves the link free
    assert crossed_tonnes(model, "JPN", "refining",
                          {"intermediate": [("COD", ("USA",))]}) == pytest.approx(0.0)
    assert crossed_tonnes(model, "JPN", "refining",
                          {"intermediate": [("COD", ("FIN",))]}) == pytest.approx(30.0)


def test_crossed_counts_a_link_to_another_destination_re_exported(ds, monkeypatch):
    from types import SimpleNamespace

    import scrisk.metrics.restrictions as restrictions
    from scrisk.data.export_restrictions import restriction_table

    # Chile bans ore exports to China only: nothing Japan buys from Chile is restricted, but
    # the 10 t of Chilean ore in China's 30 t to Japan crossed the restricted link
    only = restriction_table(SimpleNamespace(
        table_names={"export_restrictions"}, export_restrictions=pd.DataFrame([
            measure("CHL-CHN", "CHL", "mining", "2022-01-01", scope="CHN")])))
    monkeypatch.setattr(restrictions, "restriction_table", lambda dataset: only)
    result = restrictions.restriction_shares(ds, importer="JPN", commodities=("copper",))
    row = result.table.set_index("stage").loc["mining"]
    assert (row["direct_share"], row["mined_share"]) == (0.0, 0.0)
    assert row["crossed_t"] == pytest.approx(10.0)
    note = result.measures.set_index("measure_id").loc["CHL-CHN"]
    assert note["status"] == "counted" and "only in the crossed share" in note["data_note"]


def test_crossed_between_direct_and_supply_on_random_networks():
    import numpy as np

    from scrisk.metrics.restrictions import crossed_tonnes
    from scrisk.network import SupplyNetwork
    from scrisk.origins import FlowModel

    rng = np.random.default_rng(3)
    countries = ("AAA", "BBB", "CCC", "DDD", "JPN")
    stages = ("mining", "refining")
    n = len(countries)
    for _ in range(8):
        production = {s: rng.integers(0, 50, n).astype(float) for s in stages}
        flows = {s: rng.integers(0, 30, (n, n)).astype(float) * (rng.random((n, n)) < 0.5)
                 for s in stages}
        for f in flows.values():
            np.fill_diagonal(f, 0.0)
        zeros = {s: np.zeros((n, n)) for s in stages}
        net = SupplyNetwork("copper", 2022, countries, production, flows, zeros, dict(zeros),
                            "t", {s: "statistics" for s in stages}, ())
        model = FlowModel(net)
        for stage in stages:
            supply = model.supply("JPN", stage)
            for k, exporter in enumerate(countries[:-1]):
                direct = flows[stage][k, -1]
                got = crossed_tonnes(model, "JPN", stage, {stage: [(exporter, ("all",))]})
                assert direct - 1e-9 <= got <= supply + 1e-9
            everything = {s: [(c, ("all",)) for c in countries] for s in stages}
            imports = flows[stage][:, -1].sum()
            assert crossed_tonnes(model, "JPN", stage, everything) >= imports - 1e-9


def test_measures_counted_by_years_in_force_and_scope(ds):
    from scrisk.metrics.restrictions import measures_in_force, restriction_shares

    ids = set(measures_in_force(ds, 2022, "copper", "JPN")["measure_id"])
    assert ids == {"CHL-BAN", "CHN-LIC"}      # AUS-OLD ended in 2021, AUS-NOT never began
    months = measures_in_force(ds, 2022, "copper").set_index("measure_id")["months"]
    assert months["CHN-LIC"] == pytest.approx(12 * 31 / 365, abs=0.05)
    assert months["CHL-BAN"] == pytest.approx(12 * 306 / 365, abs=0.05)
    notes = " ".join(restriction_shares(ds).notes)
    assert "AUS-KOR: scope KOR does not cover JPN" in notes
    assert "AUS-NOT: announced but not in force" in notes


def test_importer_named_by_scope_counts_the_measure(ds):
    from scrisk.metrics.restrictions import restriction_shares

    result = restriction_shares(ds, importer="KOR")
    # Korea has no copper supply in the tiny data: a row with empty shares and a note
    assert result.table["direct_share"].isna().all()
    assert any("KOR has no supply" in n for n in result.notes)


def test_bad_rows_are_reported_with_line_and_column(tmp_path):
    frames = tiny.tables()
    frames["export_restrictions"] = pd.DataFrame([
        measure("A", "CHL", "mining", "2022-03-01", "2021-01-01"),
        measure("B", "CHL", "mining", "2022-13-01"),
        measure("C", "CHL", "mining", "2022-01-01", products="2603"),
        measure("D", "CHL", "mining", "2022-01-01", scope="Atlantis"),
        measure("E", "CHL", "smelting", "2022-01-01", kind="embargo"),
        measure("A", "CHL", "mining", "2022-01-01"),
    ])
    with pytest.raises(DataValidationError) as err:
        load_dataset(tiny.write(tmp_path, frames))
    found = {(f.row, f.column) for f in err.value.failures}
    assert {(2, "end_date"), (3, "start_date"), (4, "products"), (5, "scope"),
            (6, "stage"), (6, "type"), (7, "measure_id")} <= found


# --------------------------------------------------------------------------- shipped inventory


def test_shipped_inventory_has_25_cited_measures_2009_2025():
    table = load_dataset().export_restrictions
    assert len(table) >= 25
    assert table["start_date"].str[:4].astype(int).between(2009, 2025).all()
    assert table["source_url"].str.startswith("http").all()
    assert table["source_publisher"].str.len().gt(0).all()
    for wanted in ("CHN-2023-GA-LICENCE", "CHN-2023-GRAPHITE-NATURAL", "CHN-2024-SB-ORE-LICENCE",
                   "CHN-2024-GA-USA-BAN", "CHN-2025-REE-LICENCE", "IDN-2014-NI-ORE-BAN",
                   "IDN-2020-NI-ORE-BAN", "ZWE-2022-LI-ORE-BAN", "NAM-2023-LI-BAN",
                   "COD-2025-CO-SUSPENSION", "COD-2025-CO-QUOTA", "CHN-2009-REE-QUOTA"):
        assert wanted in set(table["measure_id"]), wanted
    # the dates the issue names
    dates = table.set_index("measure_id")["start_date"]
    assert dates["CHN-2023-GA-LICENCE"] == "2023-08-01"
    assert dates["CHN-2023-GRAPHITE-NATURAL"] == "2023-12-01"
    assert dates["CHN-2024-SB-ORE-LICENCE"] == "2024-09-15"
    assert dates["IDN-2020-NI-ORE-BAN"] == "2020-01-01"
    assert dates["COD-2025-CO-SUSPENSION"] == "2025-02-22"


def test_inventory_file_is_what_the_build_script_writes():
    done = subprocess.run([sys.executable, str(ROOT / "scripts/build_export_restrictions.py"),
                           "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# --------------------------------------------------------------------------- scenarios


def test_scenario_from_restriction_validates_and_runs(ds, tmp_path):
    from scrisk.disruption.from_restriction import scenario_from_restriction, write_scenario
    from scrisk.disruption.scenarios import load_scenario, run_scenario

    spec = scenario_from_restriction(ds, "CHL-BAN")
    shock = spec["shocks"][0]
    assert (shock["kind"], shock["size"], shock["duration_months"]) == ("export_ban", 1.0, 12.0)
    assert "ASSUMPTION" in spec["description"]
    path = write_scenario(spec, tmp_path / "chl.toml", "a header")
    with path.open("rb") as handle:
        assert tomllib.load(handle) == spec
    result = run_scenario(ds, load_scenario(path, ds), battery_scenario="mix")
    supply = result.supply.set_index(["commodity", "stage"])
    # Chile's 200 t, and the 10 t of Chilean ore in China's shipment, are lost
    assert supply.loc[("copper", "mining"), "loss_share"] == pytest.approx(210 / 330)


def test_scenario_size_and_scope_rules(ds):
    from scrisk.disruption.from_restriction import scenario_from_restriction

    licence = scenario_from_restriction(ds, "CHN-LIC")
    shock = licence["shocks"][0]
    assert (shock["kind"], shock["size"]) == ("export_quota", 0.3)
    assert shock["duration_months"] == pytest.approx(8.0, abs=0.1)   # June 2021 - January 2022
    assert scenario_from_restriction(ds, "CHN-LIC", size=0.75)["shocks"][0]["size"] == 0.75
    korea = scenario_from_restriction(ds, "AUS-KOR")
    assert korea["importer"] == "KOR" and korea["shocks"][0]["kind"] == "trade_link"
    with pytest.raises(UnknownChoiceError):
        scenario_from_restriction(ds, "NOPE")
    with pytest.raises(ScenarioError):
        scenario_from_restriction(ds, "CHL-BAN", size=1.5)


def test_scenario_set_probabilities_and_monte_carlo(ds):
    from scrisk.disruption.from_restriction import scenario_set_from_inventory
    from scrisk.disruption.montecarlo import monte_carlo
    from scrisk.disruption.scenarios import parse_scenario

    spec = scenario_set_from_inventory(ds)
    shocks = {s["id"]: s for s in spec["shocks"]}
    # AUS-OLD is the only measure of AUS copper mining for Japan (AUS-KOR, AUS-NOT skipped)
    assert set(shocks) == {"aus-copper-mining", "chl-copper-mining", "chn-copper-refining"}
    assert shocks["aus-copper-mining"]["probability"] == pytest.approx(1 / 17)
    assert "AUS-NOT (not in force)" in spec["description"]
    scenario = parse_scenario(spec, ds)
    first = monte_carlo(ds, scenario, runs=200, seed=7, battery_scenario="mix")
    again = monte_carlo(ds, scenario, runs=200, seed=7, battery_scenario="mix")
    pd.testing.assert_frame_equal(first.losses, again.losses)
    assert (first.losses["mean_loss_share"] >= 0).all()


def test_shipped_scenarios_from_inventory_validate_and_run(tmp_path):
    from scrisk.disruption.from_restriction import (
        scenario_from_restriction,
        scenario_set_from_inventory,
        write_scenario,
    )
    from scrisk.disruption.montecarlo import monte_carlo
    from scrisk.disruption.scenarios import load_scenario, run_scenario

    shipped = load_dataset()
    spec = scenario_from_restriction(shipped, "IDN-2020-NI-ORE-BAN")
    assert spec["year"] == 2019          # the network before the ban
    result = run_scenario(shipped, load_scenario(write_scenario(spec, tmp_path / "n.toml"),
                                                 shipped))
    assert result.supply.loc[result.supply["commodity"] == "nickel", "loss_t"].sum() > 0
    every = scenario_set_from_inventory(shipped)
    shocks = {s["id"]: s for s in every["shocks"]}
    # probability = measures of the group started in 2009-2025 / 17: two nickel-ore bans
    assert shocks["idn-nickel-mining"]["probability"] == pytest.approx(2 / 17)
    # Zimbabwe's ore ban exempts concentrates under the same HS code: partial, size halved
    assert shocks["zwe-lithium-mining"]["size"] == pytest.approx(0.5)
    # the 2025 cobalt quotas ease the suspension from the day after it ends: one episode
    assert shocks["cod-cobalt-intermediate"]["probability"] == pytest.approx(1 / 17)
    scenario = load_scenario(write_scenario(every, tmp_path / "all.toml"), shipped)
    mc = monte_carlo(shipped, scenario, runs=50, seed=1)
    assert len(mc.losses) and mc.losses["prob_loss"].between(0, 1).all()


# --------------------------------------------------------------------------- CLI


def test_cli_restrictions_and_from_restriction(tiny_dir, tmp_path, monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "metrics", "restrictions", "--data",
                             str(tiny_dir), "--format", "csv")
    assert code == 0, err
    assert "copper,mining" in out and "0.606060" in out and "0.636363" in out
    code, out, err = run_cli(monkeypatch, capsys, "metrics", "restrictions", "--data",
                             str(tiny_dir), "--view", "crossed", "--format", "csv")
    assert code == 0, err
    assert "CHL" in out and "210.0" in out
    target = tmp_path / "s.toml"
    code, out, err = run_cli(monkeypatch, capsys, "scenario", "from-restriction", "CHL-BAN",
                             "--out", str(target), "--data", str(tiny_dir))
    assert code == 0, err
    assert target.exists() and "wrote" in out
    code, out, err = run_cli(monkeypatch, capsys, "scenario", "validate", str(target),
                             "--data", str(tiny_dir))
    assert code == 0, err
    for args in (("scenario", "from-restriction", "--out", str(tmp_path / "x.toml")),
                 ("scenario", "from-restriction", "NOPE", "--out", str(tmp_path / "x.toml")),
                 ("scenario", "from-restriction", "CHL-BAN", "--out", str(tmp_path / "x.csv")),
                 ("metrics", "restrictions", "--stage", "smelting")):
        code, out, err = run_cli(monkeypatch, capsys, *args, "--data", str(tiny_dir))
        assert code != 0 and "Traceback" not in err and "error" in err, args


# --------------------------------------------------------------------------- report


def test_report_section_presents_the_shares_in_both_languages(ds):
    from scrisk.report import tables
    from scrisk.report.render import render_html

    data = tables.report_data(ds, "JPN", commodities=["copper"], sections=("restrictions",))
    assert data.status["restrictions"].available
    shown = data.restrictions.table.set_index(["commodity", "stage", "year"])
    assert shown.loc[("copper", "mining", 2022), "mined_share"] == pytest.approx(230 / 330)
    english, _, _ = render_html(data, ds, "en", interactive=False)
    japanese, _, _ = render_html(data, ds, "ja", interactive=False)
    assert 'id="restrictions"' in english and "Export restrictions in force" in english
    assert shown.loc[("copper", "mining", 2022), "crossed_share"] == pytest.approx(210 / 330)
    assert "61 %" in english and "70 %" in english          # 200/330 and 230/330
    assert "64 %" in english and "Crossed a restricted border" in english      # 210/330
    assert "規制された輸出を経由" in japanese
    assert "発効中の輸出規制" in japanese and "輸出規制下（採掘国）" in japanese
    assert "CHL-BAN" in english and "Never in force" in english and "未発効" in japanese
