"""Self-sufficiency trajectory: existing stakes plus a ramped, probability-weighted portfolio."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import tiny

from scrisk.data.load import load_dataset
from scrisk.metrics.self_sufficiency import BASE_METALS_ROW
from scrisk.metrics.trajectory import (
    plot_trajectory,
    project_tonnes,
    ramp_fraction,
    trajectory,
    trajectory_payload,
)


@pytest.fixture(scope="module")
def tiny_traj(tmp_path_factory):
    return load_dataset(tiny.write(tmp_path_factory.mktemp("traj")))


def by_year(table: pd.DataFrame, commodity: str = "copper") -> pd.DataFrame:
    return table.loc[table["commodity"] == commodity].set_index("year")


def test_ramp_and_expected_tonnes():
    assert [ramp_fraction(y, 2028, 4) for y in (2027, 2028, 2031, 2035)] == [0, 0.25, 1, 1]
    p = pd.DataFrame({"annual_output_t": [200.0], "stake_offered": [0.5],
                      "success_probability": [0.5], "online_year": [2028],
                      "ramp_up_years": [2.0]})
    assert project_tonnes(p, 2028).tolist() == [25.0]


def test_tiny_trajectory_by_hand(tiny_traj):
    # candidate P1: copper, 200 t/yr, stake 0.5, probability 0.5, online 2028, 3-year ramp
    table = trajectory(tiny_traj, ["P1"], years=range(2022, 2032), basis="entitlement")
    copper = by_year(table)
    assert copper.loc[2022, "demand_source"] == "statistic"
    assert copper.loc[2025, "demand_source"] == "held_flat_from_2022"
    assert copper.loc[2025, "demand_t"] == pytest.approx(1000)
    assert copper.loc[2027, "portfolio_t"] == 0
    assert copper.loc[2028, "portfolio_t"] == pytest.approx(50 / 3)
    assert copper.loc[2030, "portfolio_t"] == pytest.approx(50)
    # 2030: (130 existing + 50 new + 200 recycling) / 1000
    assert copper.loc[2030, "ratio"] == pytest.approx(0.38)
    assert copper.loc[2030, "ratio_existing"] == pytest.approx(0.33)
    assert copper.loc[2030, "gap_to_target_pp"] == pytest.approx(42)
    total = by_year(table, BASE_METALS_ROW)
    assert total.loc[2030, "ratio"] == pytest.approx(0.38)
    assert total.loc[2022, "published"] == pytest.approx(0.3)


def test_procured_basis_counts_existing_by_trade_share(tiny_traj):
    copper = by_year(trajectory(tiny_traj, years=[2030]))
    assert copper.loc[2030, "existing_t"] == pytest.approx(110)
    assert copper.loc[2030, "basis"] == "procured"


def test_growth_rate_applies_after_the_last_statistic(tiny_traj):
    copper = by_year(trajectory(tiny_traj, years=[2024], demand_growth=0.1))
    assert copper.loc[2024, "demand_t"] == pytest.approx(1000 * 1.1 ** 2)
    assert copper.loc[2024, "demand_source"] == "grown_from_2022_at_0.1"


def test_portfolio_table_and_bad_ids(tiny_traj):
    from scrisk.exceptions import UnknownChoiceError

    own = pd.DataFrame({"project_id": ["X"], "commodity": ["copper"], "annual_output_t": [100.0],
                        "stake_offered": [1.0], "online_year": [2025],
                        "success_probability": [1.0], "ramp_up_years": [1]})
    copper = by_year(trajectory(tiny_traj, own, years=[2025], basis="entitlement"))
    assert copper.loc[2025, "portfolio_t"] == pytest.approx(100)
    with pytest.raises(UnknownChoiceError, match="candidate project"):
        trajectory(tiny_traj, ["NOPE"], years=[2025])


def test_shipped_trajectory_to_2035(shipped):
    table = trajectory(shipped)
    total = by_year(table, BASE_METALS_ROW)
    assert list(total.index) == list(range(2023, 2036))
    assert total.loc[2023, "published"] == pytest.approx(0.34)
    assert (total["target"] == 0.8).all()
    # no new stakes: after the last output year the ratio stays put
    assert total.loc[2035, "ratio"] == pytest.approx(total.loc[2025, "ratio"])
    payload = trajectory_payload(table)
    assert payload["target_year"] == 2030
    json.dumps(payload)


def test_plot_returns_axes(tiny_traj):
    import matplotlib

    matplotlib.use("Agg")
    ax = plot_trajectory(trajectory(tiny_traj, ["P1"], years=range(2022, 2032)))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(label.startswith("target 80%") for label in labels)
    assert "base metals, with portfolio" in labels


def test_cli_trajectory_json(cli):
    out = cli("metrics", "trajectory", "--projects", "CAND-CU-PER-ZAFRANAL", "--format", "json")
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    copper = payload["series"]["copper"]
    assert copper[-1]["portfolio_t"] > 0 and copper[0]["year"] == 2023
