"""Sweeps: seeds from task keys, the same numbers serially, in partitions and on Dask workers."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt
import pytest
from cli_runner import run_cli

from scrisk.data.load import shipped_data_path
from scrisk.sweep import (
    SweepError,
    SweepOptions,
    _partitions,
    _run_partition,
    plan_sweep,
    run_sweep,
    task_seed,
)

SCENARIOS = shipped_data_path().parent / "scenarios"
MALACCA = str(SCENARIOS / "malacca_closure.toml")
COMBINED = str(SCENARIOS / "combined_risks.toml")
GRID = dict(kind="montecarlo", scenarios=(MALACCA, COMBINED), commodities=("cobalt", "lithium"),
            years=(2022, 2023), runs=300, seed=11)


@pytest.fixture(scope="module")
def serial(shipped):
    return run_sweep(SweepOptions(**GRID), shipped)


def test_task_seed_depends_on_key_and_seed_only():
    assert task_seed(3, "a|b") == task_seed(3, "a|b")
    assert len({task_seed(3, "a|b"), task_seed(4, "a|b"), task_seed(3, "a|c")}) == 3
    assert 0 <= task_seed(0, "x") < 2**63


def test_plan_gives_each_task_the_seed_of_its_key(shipped):
    tasks, payload = plan_sweep(SweepOptions(**GRID), shipped)
    assert len(tasks) == 2 * 2 * 2
    assert [t.index for t in tasks] == list(range(8))
    assert all(t.seed == task_seed(11, t.key) for t in tasks)
    # reordering the grid moves tasks but not their seeds
    swapped, _ = plan_sweep(SweepOptions(**{**GRID, "years": (2023, 2022)}), shipped)
    assert {t.key: t.seed for t in tasks} == {t.key: t.seed for t in swapped}
    assert set(payload["scenarios"]) == {MALACCA, COMBINED}


def test_montecarlo_task_equals_a_direct_run(shipped, serial):
    from dataclasses import replace

    from scrisk.disruption.montecarlo import monte_carlo
    from scrisk.disruption.scenarios import load_scenario

    row = serial.tasks.loc[(serial.tasks["scenario"] == COMBINED)
                           & (serial.tasks["commodity"] == "cobalt")
                           & (serial.tasks["year"] == 2023)].iloc[0]
    scenario = load_scenario(COMBINED, shipped)
    cobalt = tuple(s for s in scenario.shocks if s.applies_to("cobalt"))
    cobalt = tuple(replace(s, commodities=("cobalt",)) if s.kind == "sea_lane_closure" else s
                   for s in cobalt)
    direct = monte_carlo(shipped, replace(scenario, shocks=cobalt), 300, int(row["seed"]),
                         year=2023)
    got = serial.table.loc[serial.table["task"] == row["task"]].reset_index(drop=True)
    want = direct.losses
    pdt.assert_frame_equal(got[want.columns.tolist()], want, check_dtype=False)
    assert 0 < got.loc[got["headline"], "mean_loss_t"].iloc[0] < got["supply_t"].iloc[0]


def test_partitions_do_not_change_the_numbers(shipped, serial):
    tasks, payload = plan_sweep(SweepOptions(**GRID), shipped)
    settings = {"runs": 300, "substitution": 0.0, "gwh": 150.0, "battery_scenario": "balanced",
                "coverage_threshold": 0.5, "time_limit_s": 30.0, "envelope": None,
                "scenarios_per_draw": 20, "data": None}
    for count in (3,):
        groups = _partitions(tasks, count)
        assert [t.index for g in groups for t in g] == list(range(len(tasks)))
        joined = pd.concat([_run_partition(g, payload, settings) for g in groups],
                           ignore_index=True)
        joined.attrs = {}
        pdt.assert_frame_equal(joined, serial.table)


def test_same_numbers_on_two_dask_workers(shipped, serial):
    pytest.importorskip("dask.distributed")
    on_dask = run_sweep(SweepOptions(**GRID, workers=2, partitions=3), shipped)
    assert on_dask.workers == 2
    pdt.assert_frame_equal(on_dask.table, serial.table)
    pdt.assert_frame_equal(on_dask.summary(), serial.summary())


def test_frontier_sweep_matches_the_frontier(shipped):
    from scrisk.optimize.portfolio import portfolio_frontier

    swept = run_sweep(SweepOptions(kind="frontier", amounts=(0.0, 800.0), time_limit_s=20),
                      shipped)
    direct = portfolio_frontier(shipped, [0.0, 800.0], workers=1, time_limit_s=20)
    assert swept.summary()["status"].tolist() == ["optimal", "optimal"]
    assert swept.summary()["spend_oku_yen"].tolist() == pytest.approx(
        direct.table["spend_oku_yen"].tolist())
    assert swept.summary()["total_shortfall_pp"].tolist() == pytest.approx(
        direct.table["total_shortfall_pp"].tolist())


@pytest.mark.parametrize("fields, message", [
    ({"kind": "sideways"}, "kind must be one of"),
    ({"runs": 0, "scenarios": ("x",)}, "runs must be a whole number >= 1"),
    ({"seed": -1, "scenarios": ("x",)}, "seed must be a whole number >= 0"),
    ({"gwh": float("nan"), "scenarios": ("x",)}, "gwh must be a finite number"),
    ({"kind": "frontier"}, "needs budget amounts"),
    ({"kind": "frontier", "amounts": (float("inf"),)}, "amounts must be finite"),
    ({"scenarios": ("x",), "workers": 2, "scheduler": "tcp://h:1"}, "not both"),
    ({"scenarios": ("x",), "partitions": 0}, "partitions must be"),
])
def test_bad_options_are_named(fields, message):
    with pytest.raises(SweepError, match=message):
        SweepOptions(**fields).check()


def test_a_commodity_no_scenario_touches_is_an_error(shipped):
    with pytest.raises(SweepError, match="none of the scenarios can affect"):
        plan_sweep(SweepOptions(scenarios=(str(SCENARIOS / "china_graphite_export_controls.toml"),),
                                commodities=("zinc",)), shipped)


def test_cli_sweep_runs_and_writes_every_task(monkeypatch, capsys, tmp_path):
    out = tmp_path / "sweep.csv"
    code, stdout, err = run_cli(monkeypatch, capsys, "sweep", "montecarlo", MALACCA,
                                "--commodity", "cobalt", "--importer", "日本,KOR",
                                "--year", "2023", "--runs", "200", "--out", str(out))
    assert code == 0, err
    assert "malacca_closure" in stdout and "KOR" in stdout
    table = pd.read_csv(out)
    assert sorted(table["importer"].unique()) == ["JPN", "KOR"]
    assert set(table["task"]) == {0, 1}


@pytest.mark.parametrize("args, message", [
    (["frontier", "--amounts", "0,nan"], "must be a finite number"),
    (["frontier", "--amounts", "5:1:1"], "stop >= start"),
    (["montecarlo", MALACCA, "--commodity", "unobtainium"], "unobtainium"),
    (["montecarlo", MALACCA, "--workers", "0"], "--workers"),
    (["montecarlo", MALACCA, "--seed", "-3"], "--seed"),
])
def test_cli_sweep_mistakes_exit_cleanly(monkeypatch, capsys, tmp_path, args, message):
    out = tmp_path / "x.csv"
    code, stdout, err = run_cli(monkeypatch, capsys, "sweep", *args, "--out", str(out))
    assert code != 0
    assert message in err + stdout
    assert "Traceback" not in err
    assert not out.exists()
