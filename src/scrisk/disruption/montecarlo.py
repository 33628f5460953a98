"""Monte Carlo over a scenario's shocks: which happen is drawn from their probabilities.

Each run draws, for every shock ``j``, whether it happens (probability
``p_j``, independently) with ``numpy.random.Generator(PCG64(seed))``; the
runs form an activity matrix (runs x shocks) that the vectorised engine
evaluates in chunks, a few thousand runs per matrix product. The same seed
gives the same numbers, whatever the chunk size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.data.schemas import STAGES
from scrisk.disruption.scenarios import (
    DEFAULT_BATTERY_SCENARIO,
    DEFAULT_GWH,
    Runner,
    Scenario,
)

PERCENTILES = (50, 95, 99)
DEFAULT_CHUNK = 2_048
DEFAULT_COVERAGE_THRESHOLD = 0.5
ANY_MATERIAL = "any (covered at baseline)"


@dataclass(frozen=True)
class MonteCarloResult:
    """Distribution of supply losses and battery coverage over sampled runs.

    Attributes
    ----------
    scenario : Scenario
    year : int
    runs : int
    seed : int
    substitution : float
    coverage_threshold : float
    losses : pandas.DataFrame
        One row per commodity and stage with supply: ``commodity, stage,
        unit, supply_t, mean_loss_t, p50_loss_t, p95_loss_t, p99_loss_t``,
        the same as shares of supply (``mean_loss_share`` ...),
        ``prob_loss`` (share of runs with any loss) and ``headline``.
    coverage : pandas.DataFrame
        Per battery material: ``material, commodity, need_t, coverage``
        (no shock), ``mean_coverage, p05_coverage, prob_below`` (share of
        runs with coverage below the threshold); plus a row for the
        probability that any material covered at baseline falls below it.
    shocks : pandas.DataFrame
        ``id, kind, target, probability, sampled_share`` (share of runs in
        which the shock happened).
    samples : Mapping[str, numpy.ndarray]
        ``"<commodity>:<stage>"`` -> loss in tonnes per run;
        ``"coverage:<material>"`` -> coverage per run.
    notes : tuple of str
    """

    scenario: Scenario
    year: int
    runs: int
    seed: int
    substitution: float
    coverage_threshold: float
    losses: pd.DataFrame
    coverage: pd.DataFrame
    shocks: pd.DataFrame
    samples: Mapping[str, np.ndarray]
    notes: tuple[str, ...]

    def summary(self) -> pd.DataFrame:
        """Headline stage of each commodity: mean, P50, P95 and P99 loss."""
        head = self.losses.loc[self.losses["headline"]]
        return head.drop(columns=["headline"]).reset_index(drop=True)


def sample_active(rng: np.random.Generator, runs: int, probabilities: np.ndarray) -> np.ndarray:
    """``(runs, J)`` matrix of 0/1: whether each shock happens in each run.

    Examples
    --------
    >>> rng = np.random.Generator(np.random.PCG64(7))
    >>> sample_active(rng, 4, np.array([1.0, 0.0, 0.5])).tolist()
    [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 1.0]]
    """
    draws = rng.random((runs, probabilities.size))
    return (draws < probabilities[None, :]).astype(float)


def monte_carlo(dataset: Dataset, scenario: Scenario, runs: int = 10_000, seed: int = 0, *,
                year: int | None = None, substitution: float = 0.0, gwh: float = DEFAULT_GWH,
                battery_scenario: str = DEFAULT_BATTERY_SCENARIO,
                coverage_threshold: float = DEFAULT_COVERAGE_THRESHOLD,
                chunk: int = DEFAULT_CHUNK,
                progress: Callable[[int, int], None] | None = None) -> MonteCarloResult:
    """Sample which shocks happen, run after run, and summarise the losses.

    Parameters
    ----------
    dataset : Dataset
    scenario : Scenario
        Shocks with their ``probability`` (1 when not given: always happens).
    runs : int
        Number of sampled years (>= 1).
    seed : int
        Seed of ``numpy.random.PCG64``; the same seed gives the same numbers.
    year, substitution, gwh, battery_scenario
        As for :func:`scrisk.disruption.run_scenario`.
    coverage_threshold : float
        Battery coverage (the importer's supply at the battery stage / needs) below
        which a run counts
        in ``prob_below`` (default 0.5).
    chunk : int
        Runs evaluated per matrix product (memory vs speed; no effect on results).
    progress : callable, optional
        Called as ``progress(done, runs)`` after each chunk.

    Returns
    -------
    MonteCarloResult

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> from scrisk.disruption.scenarios import Scenario, Shock
    >>> closure = Scenario("Taiwan Strait", (Shock("t", "sea_lane_closure", 1.0, probability=0.25,
    ...                    chokepoint="taiwan_strait", commodities=("graphite",)),), year=2023)
    >>> result = monte_carlo(load_dataset(), closure, runs=2_000, seed=1)
    >>> row = result.summary().iloc[0]
    >>> bool(row["p50_loss_t"] == 0 and row["p99_loss_t"] > 0), round(float(row["prob_loss"]), 2)
    (True, 0.25)
    """
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    if not 0.0 <= coverage_threshold:
        raise ValueError(f"coverage_threshold must be >= 0, got {coverage_threshold}")
    if not 0.0 <= substitution <= 1.0:
        raise ValueError(f"substitution must be in [0, 1], got {substitution}")
    runner = Runner(dataset, scenario, year, gwh, battery_scenario)
    probabilities = np.array([s.probability for s in scenario.shocks], dtype=float)
    rng = np.random.Generator(np.random.PCG64(seed))
    stages = [(c, s) for c, comp in runner.compiled.items() for s in comp.model.stages]
    losses = {key: np.empty(runs) for key in stages}
    materials = [(c, m) for c, m in sorted(runner.material_of.items(), key=lambda kv: kv[1])
                 if runner.battery_need.get(c, 0.0) > 0]
    coverage = {c: np.empty(runs) for c, _ in materials}
    happened = np.zeros(len(probabilities))
    done = 0
    while done < runs:
        size = min(chunk, runs - done)
        active = sample_active(rng, size, probabilities)
        happened += active.sum(axis=0)
        batch = runner.evaluate(active, substitution)
        part = slice(done, done + size)
        for commodity, stage in stages:
            supply = runner.compiled[commodity].model.supply[stage]
            losses[(commodity, stage)][part] = supply - batch[commodity]["after"][stage]
        for commodity, _ in materials:
            demand = batch[commodity]["demand"] if commodity in batch else np.ones(size)
            supply = runner.battery_supply(commodity, batch, size)
            coverage[commodity][part] = supply / (runner.battery_need[commodity] * demand)
        done += size
        if progress is not None:
            progress(done, runs)
    for values in losses.values():
        values[np.abs(values) < 1e-9 * max(1.0, float(np.abs(values).max(initial=0.0)))] = 0.0
    table = _loss_table(runner, losses)
    cover = _coverage_table(runner, materials, coverage, coverage_threshold)
    shocks = scenario.to_frame()[["id", "kind", "target", "probability"]]
    shocks["sampled_share"] = happened / runs
    samples = {f"{c}:{s}": v for (c, s), v in losses.items()}
    samples.update({f"coverage:{m}": coverage[c] for c, m in materials})
    return MonteCarloResult(scenario, runner.year, runs, seed, substitution, coverage_threshold,
                            table, cover, shocks, MappingProxyType(samples),
                            tuple(runner.notes))


def _loss_table(runner: Runner, losses: dict) -> pd.DataFrame:
    rows = []
    for (commodity, stage), values in losses.items():
        model = runner.compiled[commodity].model
        supply = model.supply[stage]
        q = np.percentile(values, PERCENTILES)
        row = {"commodity": commodity, "stage": stage, "unit": model.units.get(stage, "t"),
               "supply_t": supply, "mean_loss_t": float(values.mean())}
        row.update({f"p{p}_loss_t": float(v) for p, v in zip(PERCENTILES, q, strict=True)})
        row["mean_loss_share"] = row["mean_loss_t"] / supply
        row.update({f"p{p}_loss_share": float(v) / supply
                    for p, v in zip(PERCENTILES, q, strict=True)})
        row["prob_loss"] = float((values > 0).mean())
        row["headline"] = stage == model.headline_stage
        rows.append(row)
    columns = ["commodity", "stage", "unit", "supply_t", "mean_loss_t",
               *[f"p{p}_loss_t" for p in PERCENTILES], "mean_loss_share",
               *[f"p{p}_loss_share" for p in PERCENTILES], "prob_loss", "headline"]
    frame = pd.DataFrame(rows, columns=columns)
    order = {s: i for i, s in enumerate(STAGES)}
    return frame.sort_values(["commodity", "stage"], key=lambda c: c.map(order) if
                             c.name == "stage" else c, ignore_index=True)


def _coverage_table(runner: Runner, materials: list, coverage: dict,
                    threshold: float) -> pd.DataFrame:
    rows = []
    covered_runs = []
    for commodity, material in materials:
        need = runner.battery_need[commodity]
        base = float(runner.battery_supply(commodity, None, 1)[0]) / need
        values = coverage[commodity]
        below = values < threshold
        rows.append({"material": material, "commodity": commodity, "need_t": need,
                     "coverage": base, "mean_coverage": float(values.mean()),
                     "p05_coverage": float(np.percentile(values, 5)),
                     "prob_below": float(below.mean())})
        if base >= threshold:
            covered_runs.append(below)
    any_below = np.logical_or.reduce(covered_runs) if covered_runs else None
    rows.append({"material": ANY_MATERIAL, "commodity": "", "need_t": np.nan,
                 "coverage": np.nan, "mean_coverage": np.nan, "p05_coverage": np.nan,
                 "prob_below": float(any_below.mean()) if any_below is not None else np.nan})
    frame = pd.DataFrame(rows)
    frame["threshold"] = threshold
    return frame
