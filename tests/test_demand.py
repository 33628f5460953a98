"""Demand paths: sales -> GWh -> tonnes, known answers, validation and plausibility."""

from __future__ import annotations

import pandas as pd
import pytest

from scrisk.exceptions import DemandPathError
from scrisk.metrics.demand import (
    demand_coverage,
    demand_gwh,
    demand_needs,
    load_path,
    observed_gwh,
    parse_path,
    shipped_paths,
    target_comparison,
)
from tests.cli_runner import run_cli

# A two-year, two-powertrain toy path (BEV and ICE), all LFP cells, no stationary storage.
TOY = """\
name = "toy"
first_year = 2030
last_year = 2031

[[sales]]
year = 2030
units = 1000

[[sales]]
year = 2031
units = 2000

[[share]]
year = 2030
BEV = 0.5
ICE = 0.5

[[share]]
year = 2031
BEV = 1.0
ICE = 0.0

[[battery_kwh]]
year = 2030
HEV = 0
PHEV = 0
FCEV = 0
BEV = [40, 50, 60]

[[battery_kwh]]
year = 2031
HEV = 0
PHEV = 0
FCEV = 0
BEV = [40, 50, 60]

[[chemistry]]
year = 2030
LFP = 1.0

[[chemistry]]
year = 2031
LFP = 1.0
"""


@pytest.fixture(scope="module")
def toy(shipped, tmp_path_factory):
    file = tmp_path_factory.mktemp("paths") / "toy.toml"
    file.write_text(TOY, encoding="utf-8")
    return load_path(file, shipped)


def test_toy_gwh_known_answer(toy):
    # 2030: 1000 cars x 0.5 BEV x 50 kWh = 25,000 kWh = 0.025 GWh (low 40 kWh, high 60 kWh)
    # 2031: 2000 cars x 1.0 BEV x 50 kWh = 0.1 GWh
    gwh = demand_gwh(toy).set_index("year")
    assert gwh.loc[2030, "units_BEV"] == pytest.approx(500.0)
    assert gwh.loc[2030, "units_ICE"] == pytest.approx(500.0)
    assert gwh.loc[2030, ["gwh_low", "gwh", "gwh_high"]].tolist() == pytest.approx(
        [0.020, 0.025, 0.030])
    assert gwh.loc[2031, "gwh"] == pytest.approx(0.1)
    assert gwh.loc[2030, "electrified_share"] == pytest.approx(0.5)
    assert gwh.loc[2031, "cell_output_gwh"] == pytest.approx(0.1)  # no exports


def test_toy_tonnes_known_answer(shipped, toy):
    # theoretical LFP: 0.4576 kg LCE/kWh, 0.9821 kg graphite/kWh (battery_intensity.csv);
    # copper in cells 0.277 kg/kWh, packs 0.06 (battery_copper.csv, central);
    # tonnes = GWh x kg/kWh x 1,000.
    need = demand_needs(shipped, toy, basis="theoretical").set_index(["year", "material"])
    assert need.loc[(2030, "lithium_lce"), "need_t"] == pytest.approx(0.025 * 0.4576 * 1000)
    assert need.loc[(2031, "lithium_lce"), "need_t"] == pytest.approx(0.1 * 0.4576 * 1000)
    assert need.loc[(2030, "lithium_lce"), "need_low_t"] == pytest.approx(0.020 * 457.6)
    assert need.loc[(2030, "graphite"), "need_t"] == pytest.approx(0.025 * 982.1)
    assert need.loc[(2030, "nickel"), "need_t"] == 0.0
    assert need.loc[(2030, "copper_cells"), "need_t"] == pytest.approx(0.025 * 277.0)
    assert need.loc[(2030, "copper_packs"), "need_high_t"] == pytest.approx(0.030 * 100.0)
    # calibrated = theoretical x yield factor (graphite 1.07 / 0.95)
    cal = demand_needs(shipped, toy).set_index(["year", "material"])
    assert cal.loc[(2030, "graphite"), "need_t"] == pytest.approx(0.025 * 982.1 * 1.07 / 0.95)


def test_interpolation_between_anchor_years(shipped):
    spec = {"name": "gap", "first_year": 2030, "last_year": 2032,
            "sales": [{"year": 2030, "units": 100}, {"year": 2032, "units": 300}],
            "share": [{"year": 2030, "BEV": 0.2, "ICE": 0.8}, {"year": 2032, "BEV": 0.6,
                                                                "ICE": 0.4}],
            "battery_kwh": [{"year": 2030, "HEV": 0, "PHEV": 0, "FCEV": 0, "BEV": 50}],
            "chemistry": [{"year": 2030, "LFP": 1.0}]}
    spec["battery_kwh"].append({**spec["battery_kwh"][0], "year": 2032})
    spec["chemistry"].append({"year": 2032, "LFP": 1.0})
    path = parse_path(spec, shipped)
    assert path.sales[2031] == pytest.approx(200.0)
    assert path.shares.loc[2031, "BEV"] == pytest.approx(0.4)
    assert demand_gwh(path).set_index("year").loc[2031, "gwh"] == pytest.approx(200 * 0.4 * 50
                                                                                 / 1e6)


@pytest.mark.parametrize("name", ["policy_2035", "slow"])
def test_shipped_paths_validate(shipped, name):
    path = load_path(shipped_paths()[name], shipped)
    assert path.years == tuple(range(2024, 2036))
    assert (path.shares.sum(axis=1) - 1).abs().max() < 1e-9
    gwh = demand_gwh(path)
    assert (gwh["gwh_low"] <= gwh["gwh"]).all() and (gwh["gwh"] <= gwh["gwh_high"]).all()
    # the 2024 row is the published mix of vehicle_sales.csv
    observed = shipped.vehicle_sales.query("year == 2024").set_index("powertrain")["units"]
    share = observed.fillna(0) / observed.sum()
    for powertrain in ("HEV", "PHEV", "BEV", "ICE"):
        assert path.shares.loc[2024, powertrain] == pytest.approx(share[powertrain], abs=1e-3)


def test_policy_path_reaches_target(shipped):
    path = load_path(shipped_paths()["policy_2035"], shipped)
    assert path.shares.loc[2035, "ICE"] == 0.0
    target = shipped.policy_targets.set_index("target_id").loc[
        "electrified_new_car_share_2035", "value"]
    assert 1 - path.shares.loc[2035, "ICE"] == pytest.approx(target)


BAD = """\
name = "bad"
first_year = 2024
last_year = 2030
colour = "red"

[[sales]]
year = 2024
units = -5

[[sales]]
year = 2030
units = 100

[[share]]
year = 2024
BEV = 1.2
ICE = 0.0

[[share]]
year = 2030
BVE = 0.5
ICE = 0.5

[[battery_kwh]]
year = 2024
HEV = 1
PHEV = 10
BEV = [60, 50, 70]

[[chemistry]]
year = 2024
NMC911 = 1.0

[[chemistry]]
year = 2024
LFP = 1.0
"""


def test_bad_path_reports_file_line_and_key(shipped, tmp_path):
    file = tmp_path / "bad.toml"
    file.write_text(BAD, encoding="utf-8")
    with pytest.raises(DemandPathError) as info:
        load_path(file, shipped)
    found = {(f.row, f.column) for f in info.value.failures}
    assert all(f.file == str(file) for f in info.value.failures)
    assert (4, "colour") in found                      # unknown top-level key
    assert (8, "sales.units") in found                 # negative number
    assert (16, "share.BEV") in found                  # share above 1
    assert (21, "share.BVE") in found                  # misspelt powertrain
    assert (28, "battery_kwh.BEV") in found            # low > central
    assert (24, "battery_kwh.FCEV") in found           # missing key (row header line)
    assert (32, "chemistry.NMC911") in found           # unknown chemistry
    assert (35, "chemistry.year") in found             # repeated year
    assert len(found) == 8                             # no follow-on errors (row sums)
    text = str(info.value)
    assert "did you mean 'BEV'?" in text
    assert "line 16, column 'share.BEV': got '1.2'" in text


def test_path_not_covering_the_years(shipped):
    spec = {"name": "short", "first_year": 2024, "last_year": 2030,
            "sales": [{"year": 2024, "units": 1}],
            "share": [{"year": 2024, "ICE": 1.0}, {"year": 2030, "ICE": 1.0}],
            "battery_kwh": [{"year": 2024, "HEV": 1, "PHEV": 1, "BEV": 1, "FCEV": 1},
                            {"year": 2030, "HEV": 1, "PHEV": 1, "BEV": 1, "FCEV": 1}],
            "chemistry": [{"year": 2024, "LFP": 1.0}, {"year": 2030, "LFP": 1.0}]}
    with pytest.raises(DemandPathError, match="cover 2024-2030"):
        parse_path(spec, shipped, file="short.toml")


def test_oversized_and_unparsable_files(shipped, tmp_path):
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * 300_000)
    with pytest.raises(DemandPathError, match="under 256,000 bytes"):
        load_path(big, shipped)
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n", encoding="utf-8")
    with pytest.raises(DemandPathError, match="valid TOML"):
        load_path(broken, shipped)


def test_comparison_with_150_and_600_gwh(shipped):
    path = load_path(shipped_paths()["policy_2035"], shipped)
    table = target_comparison(shipped, path, 2030).set_index("material")
    gwh = demand_gwh(path).set_index("year").loc[2030, "gwh"]
    assert table.loc["battery_gwh", "ratio_to_150gwh"] == pytest.approx(gwh / 150.0)
    assert table.loc["battery_gwh", "ratio_to_meti_600gwh"] == pytest.approx(gwh / 600.0)
    # the same chemistry mix scales linearly with GWh
    assert table.loc["nickel", "ratio_to_150gwh"] == pytest.approx(gwh / 150.0)
    assert table.loc["lithium_lce", "meti_600gwh"] == 380_000
    assert table.loc["lithium_lce", "ratio_to_meti_600gwh"] == pytest.approx(
        table.loc["lithium_lce", "path_central"] / 380_000)


def test_coverage_adds_portfolio_from_online_year(shipped):
    path = load_path(shipped_paths()["slow"], shipped)
    base = demand_coverage(shipped, path).set_index(["year", "material"])
    cand = shipped.candidates.set_index("project_id").loc["CAND-LI-USA-THACKERPASS"]
    with_p = demand_coverage(shipped, path, ["CAND-LI-USA-THACKERPASS"]).set_index(
        ["year", "material"])
    before = int(cand["online_year"]) - 1
    assert with_p.loc[(before, "lithium_lce"), "portfolio_t"] == 0.0
    assert with_p.loc[(2035, "lithium_lce"), "portfolio_t"] == pytest.approx(
        cand["annual_output_t"] * cand["stake_offered"] * cand["success_probability"])
    assert (with_p["covered_t"] >= base["covered_t"]).all()
    row = with_p.loc[(2030, "lithium_lce")]
    assert row["coverage"] == pytest.approx(row["covered_t"] / row["need_t"])
    assert row["gap_t"] == pytest.approx(row["need_t"] - row["covered_t"])


def test_plausibility_2024_domestic_battery_gwh(shipped):
    """2024 domestic car-battery demand from sales x kWh lies in a cited band.

    Lower bound: every BEV sold carries at least a kei-car pack of 20 kWh (Nikkei
    xTECH, 20 May 2022: Nissan Sakura / Mitsubishi eK X EV) -> 59,736 x 20 kWh =
    1.19 GWh. Upper bound: Japan's domestic cell manufacturing capacity of about
    20 GWh (METI Battery Industry Strategy, 2022, as reported; policy_targets.csv
    note), which also serves exports. Also the electrified share of the sales
    table equals METI's published 57 % (2024).
    """
    table = observed_gwh(shipped, 2024).set_index("powertrain")
    assert 59_736 * 20 / 1e6 <= table.loc["total", "gwh"] <= 20.0
    assert table.loc["total", "gwh_low"] <= table.loc["total", "gwh"] <= \
        table.loc["total", "gwh_high"]
    units = table.drop(index="total")["units"]
    published = shipped.policy_targets.set_index("target_id").loc[
        "electrified_new_car_share_2024", "value"]
    assert 1 - units["ICE"] / units.sum() == pytest.approx(published, abs=0.005)
    assert table.attrs["notes"] == ["FCEV: no 2024 sales figure; counted as 0"]


def test_cli_demand_ok_and_bad(monkeypatch, capsys, tmp_path):
    path = shipped_paths()["policy_2035"]
    code, out, err = run_cli(monkeypatch, capsys, "metrics", "demand", "--path", str(path),
                             "--view", "compare", "--format", "csv")
    assert code == 0, err
    frame = pd.read_csv(pd.io.common.StringIO(out))
    assert frame["material"].iloc[0] == "battery_gwh"
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD, encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, "metrics", "demand", "--path", str(bad))
    assert code == 1
    assert "problem(s) in demand path" in err and "Traceback" not in err
    code, out, err = run_cli(monkeypatch, capsys, "metrics", "demand", "--path",
                             str(tmp_path / "missing.toml"))
    assert code == 1 and "exists" in err


def test_optimiser_battery_targets_from_a_demand_path(shipped):
    from scrisk.optimize.problem import PortfolioParameterError, build_problem

    path = load_path(shipped_paths()["policy_2035"], shipped)
    problem = build_problem(shipped, 2030, battery_path=path, self_sufficiency_mode="none")
    need = demand_needs(shipped, path).query("year == 2030").set_index("material")["need_t"]
    targets = {t.name: t.denominator_t for t in problem.targets}
    for material in ("lithium_lce", "nickel", "cobalt", "graphite", "manganese"):
        assert targets[f"battery:{material}"] == pytest.approx(need[material])
    assert any("demand path" in note for note in problem.notes)
    with pytest.raises(PortfolioParameterError, match="outside the demand path"):
        build_problem(shipped, 2040, battery_path=path, self_sufficiency_mode="none")


def test_demand_outlook_and_the_summary_block(shipped):
    from scrisk.metrics.summary import demand_outlook
    from scrisk.report import tables
    from scrisk.report.render import render_html

    path = load_path(shipped_paths()["policy_2035"], shipped)
    outlook = demand_outlook(shipped, path, 2030).set_index("material")
    cover = demand_coverage(shipped, path).query("year == 2030").set_index("material")
    assert outlook.loc["lithium_lce", "gap_t"] == pytest.approx(cover.loc["lithium_lce",
                                                                          "gap_t"])
    assert outlook.loc["battery_gwh", "need_t"] == pytest.approx(
        demand_gwh(path).set_index("year").loc[2030, "gwh"])
    assert outlook.attrs["projects"] == 0
    # the worked example of docs/methods.md (report summary, needs path)
    lithium = outlook.loc["lithium_lce"]
    assert lithium["need_t"] == pytest.approx(22_612, abs=1)
    assert lithium["covered_t"] == pytest.approx(8_200, abs=1)
    assert lithium["coverage"] == pytest.approx(0.36, abs=0.005)
    assert lithium["gap_t"] == pytest.approx(14_412, abs=1)
    data = tables.report_data(shipped, "JPN", commodities=["cobalt"], sections=("summary",))
    assert len(data.demand) == 6
    text, _, _ = render_html(data, shipped, "en", interactive=False)
    assert "Battery needs path" in text and "150 GWh domestic manufacturing target" in text
    assert "no portfolio was computed" in text


def test_capacity_comparison_uses_midstream_capacity(shipped):
    from scrisk.metrics.demand import capacity_comparison
    from scrisk.metrics.midstream import cell_capacity

    path = load_path(shipped_paths()["policy_2035"], shipped)
    table = capacity_comparison(shipped, path).set_index("year")
    cap = cell_capacity(shipped, "JPN", years=path.years).set_index("year")["capacity_gwh"]
    held = cap.dropna()
    assert len(held)  # certified plans are held for some years
    for year, capacity in held.items():
        assert table.loc[year, "demand_share_of_capacity"] == pytest.approx(
            table.loc[year, "cell_output_gwh"] / capacity)
    assert table["capacity_gwh"].isna().sum() == len(path.years) - len(held)  # no interpolation
    assert table.loc[2030, "demand_share_of_target"] == pytest.approx(
        table.loc[2030, "gwh"] / 150.0)
