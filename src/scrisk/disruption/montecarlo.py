"""Monte Carlo over a scenario's shocks: which happen is drawn from their probabilities.

Each run draws, for every shock ``j``, whether it happens (probability
``p_j``, independently) with ``numpy.random.Generator(PCG64(seed))``. Two
samplers give the same distribution:

* ``uniform`` (the default): one uniform number per shock and run, run
  after run; shock ``j`` happens when its number is below ``p_j``. The
  numbers of earlier releases for a seed are reproduced exactly.
* ``sparse``: for each shock in turn, the runs in which it happens are
  drawn directly: the gaps between them are geometric with parameter
  ``p_j`` (the waiting time of independent Bernoulli trials), so the draws
  cost one number per shock that happens, not one per shock and run.

The runs form a sparse activity matrix (runs x shocks) that the engine
evaluates chunk by chunk and commodity by commodity (one commodity's model
held at a time); runs with the same shocks are evaluated once. The same
seed gives the same numbers, whatever the chunk size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
import scipy.sparse

from scrisk.data.load import Dataset
from scrisk.data.schemas import STAGES
from scrisk.disruption.scenarios import (
    _SUPPLY_MODELS,
    DEFAULT_BATTERY_SCENARIO,
    DEFAULT_GWH,
    Runner,
    Scenario,
    ScenarioResult,
    run_with,
    unique_activity,
)

PERCENTILES = (50, 95, 99)
DEFAULT_CHUNK = 2_048
SAMPLERS = ("uniform", "sparse")
STREAM_ABOVE = 8  # more commodities than this are evaluated one at a time (memory bound)
_UNIFORM_BLOCK = 1_000_000  # uniform numbers drawn at once (memory, not results)
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


def sample_active_uniform(rng: np.random.Generator, runs: int,
                          probabilities: np.ndarray) -> scipy.sparse.csr_array:
    """:func:`sample_active` as a sparse matrix, drawn in blocks of rows.

    The same numbers as :func:`sample_active` (the generator's stream is
    read row after row either way), without holding ``runs x J`` floats.

    Examples
    --------
    >>> rng = np.random.Generator(np.random.PCG64(7))
    >>> sample_active_uniform(rng, 4, np.array([1.0, 0.0, 0.5])).toarray().tolist()
    [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 1.0]]
    """
    J = probabilities.size
    step = max(1, _UNIFORM_BLOCK // max(J, 1))
    rows, cols = [], []
    for start in range(0, runs, step):
        size = min(step, runs - start)
        r, c = np.nonzero(rng.random((size, J)) < probabilities[None, :])
        rows.append(r + start)
        cols.append(c)
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    return scipy.sparse.csr_array((np.ones(r.size), (r, c)), shape=(runs, J))


def sample_active_sparse(rng: np.random.Generator, runs: int,
                         probabilities: np.ndarray) -> scipy.sparse.csr_array:
    """``(runs, J)`` sparse 0/1 activity, drawn only where shocks happen.

    For each shock ``j`` in turn, the runs in which it happens are
    ``g_1 - 1, g_1 + g_2 - 1, ...`` with ``g_k`` independent geometric
    variables of parameter ``p_j`` (``numpy.random.Generator.geometric``),
    until past the last run: exactly the distribution of independent
    Bernoulli(``p_j``) draws per run, at a cost of about ``runs x p_j``
    numbers instead of ``runs``. Deterministic for a generator state.

    Examples
    --------
    >>> rng = np.random.Generator(np.random.PCG64(7))
    >>> active = sample_active_sparse(rng, 5, np.array([1.0, 0.0, 0.5]))
    >>> active.toarray()[:, :2].tolist()
    [[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]
    """
    rows, cols = [], []
    for j, p in enumerate(np.asarray(probabilities, dtype=float)):
        if p <= 0 or runs == 0:
            continue
        if p >= 1:
            hits = np.arange(runs)
        else:
            parts, last = [], -1
            expected = runs * p
            while last < runs - 1:
                size = int(expected + 6 * np.sqrt(expected + 1) + 8)
                steps = rng.geometric(p, size=size)
                pos = last + np.cumsum(steps)
                parts.append(pos[pos < runs])
                last = int(pos[-1])
            hits = np.concatenate(parts)
        rows.append(hits)
        cols.append(np.full(hits.size, j))
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    return scipy.sparse.csr_array((np.ones(r.size), (r, c)),
                                  shape=(runs, len(probabilities)))


def monte_carlo(dataset: Dataset, scenario: Scenario, runs: int = 10_000, seed: int = 0, *,
                year: int | None = None, substitution: float = 0.0, gwh: float = DEFAULT_GWH,
                battery_scenario: str = DEFAULT_BATTERY_SCENARIO,
                coverage_threshold: float = DEFAULT_COVERAGE_THRESHOLD,
                chunk: int = DEFAULT_CHUNK,
                progress: Callable[[int, int], None] | None = None,
                sampler: str = "uniform") -> MonteCarloResult:
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
        Called as ``progress(done, runs)`` after each chunk (above
        ``STREAM_ABOVE`` commodities, which are evaluated one after another,
        ``done`` is the share of runs x commodities evaluated, scaled to ``runs``).
    sampler : {"uniform", "sparse"}
        How shocks are drawn (same distribution, see the module): ``uniform``
        reproduces earlier releases for a seed; ``sparse`` draws only the
        shocks that happen (faster with many rare shocks).

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
    _check(runs, chunk, coverage_threshold, substitution, sampler)
    runner = Runner(dataset, scenario, year, gwh, battery_scenario, stream=True)
    active = _draw(scenario, runs, seed, chunk, sampler)
    return _sample(runner, active, seed, substitution, coverage_threshold, chunk, progress)


def run_and_monte_carlo(dataset: Dataset, scenario: Scenario, runs: int = 10_000, seed: int = 0,
                        *, year: int | None = None, substitution: float = 0.0,
                        gwh: float = DEFAULT_GWH,
                        battery_scenario: str = DEFAULT_BATTERY_SCENARIO,
                        coverage_threshold: float = DEFAULT_COVERAGE_THRESHOLD,
                        chunk: int = DEFAULT_CHUNK, sampler: str = "uniform"
                        ) -> tuple[ScenarioResult, MonteCarloResult]:
    """The deterministic run and the Monte Carlo of one scenario, sharing their work.

    The same results as :func:`scrisk.disruption.run_scenario` and
    :func:`monte_carlo` called with these arguments (to rounding: a set of
    shocks evaluated in another batch may differ in the last bits), at the
    cost of about one of them: each commodity's model is built once, and
    each distinct set of shocks (all of them, each one alone, none, each
    pattern sampled) is evaluated once.

    Parameters
    ----------
    dataset, scenario, runs, seed, year, substitution, gwh, battery_scenario,
    coverage_threshold, chunk, sampler
        As for :func:`monte_carlo` (and :func:`scrisk.disruption.run_scenario`).

    Returns
    -------
    tuple of (ScenarioResult, MonteCarloResult)

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> from scrisk.disruption.scenarios import Scenario, Shock
    >>> closure = Scenario("Taiwan Strait", (Shock("t", "sea_lane_closure", 1.0, probability=0.25,
    ...                    chokepoint="taiwan_strait", commodities=("graphite",)),), year=2023)
    >>> det, mc = run_and_monte_carlo(load_dataset(), closure, runs=2_000, seed=1)
    >>> bool(det.summary()["loss_share"].iloc[0] == mc.summary()["p99_loss_share"].iloc[0])
    True
    """
    _check(runs, chunk, coverage_threshold, substitution, sampler)
    runner = Runner(dataset, scenario, year, gwh, battery_scenario)
    active = _draw(scenario, runs, seed, chunk, sampler)
    runner.remember()
    J = len(scenario.shocks)
    # every set of shocks the two need, evaluated once per commodity in one batch
    wanted = [scipy.sparse.csr_array(np.ones((1, J))), scipy.sparse.csr_array(np.eye(J)),
              scipy.sparse.csr_array((1, J))]
    if runs <= _PRIME_RUNS:
        wanted.append(active)
    runner.evaluate(scipy.sparse.vstack(wanted, format="csr"), substitution)
    det = run_with(runner, substitution)
    if runs > _PRIME_RUNS:
        runner.forget()  # many runs: each chunk evaluates its own, nothing more is kept
    return det, _sample(runner, active, seed, substitution, coverage_threshold, chunk, None)


_PRIME_RUNS = 100_000
"""Most runs whose sets of shocks :func:`run_and_monte_carlo` evaluates in its first batch
and keeps (beyond, each chunk of runs evaluates its own, as in :func:`monte_carlo`, so that
memory does not grow with the distinct sets of millions of runs)."""


def _check(runs: int, chunk: int, coverage_threshold: float, substitution: float,
           sampler: str) -> None:
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    if not 0.0 <= coverage_threshold:
        raise ValueError(f"coverage_threshold must be >= 0, got {coverage_threshold}")
    if not 0.0 <= substitution <= 1.0:
        raise ValueError(f"substitution must be in [0, 1], got {substitution}")
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")


def _draw(scenario: Scenario, runs: int, seed: int, chunk: int,
          sampler: str) -> scipy.sparse.csr_array:
    """The activity matrix (runs x shocks) of a seed: which shocks happen in each run."""
    probabilities = np.array([s.probability for s in scenario.shocks], dtype=float)
    rng = np.random.Generator(np.random.PCG64(seed))
    draw = sample_active_uniform if sampler == "uniform" else sample_active_sparse
    if sampler == "uniform":
        # the stream of earlier releases: blocks of `chunk` runs, drawn one after another
        parts = []
        for start in range(0, runs, chunk):
            parts.append(draw(rng, min(chunk, runs - start), probabilities))
        active = scipy.sparse.vstack(parts, format="csr") if parts else \
            scipy.sparse.csr_array((0, probabilities.size))
    else:
        active = draw(rng, runs, probabilities)
    return scipy.sparse.csr_array(active)


def _sample(runner: Runner, active: scipy.sparse.csr_array, seed: int, substitution: float,
            coverage_threshold: float, chunk: int,
            progress: Callable[[int, int], None] | None) -> MonteCarloResult:
    """Evaluate the sampled runs with a runner (streamed, or with every commodity compiled)."""
    dataset, scenario = runner.dataset, runner.scenario
    runs = active.shape[0]
    happened = np.asarray(active.sum(axis=0)).reshape(-1)
    losses: dict = {}
    models: dict = {}
    materials = [(c, m) for c, m in sorted(runner.material_of.items(), key=lambda kv: kv[1])
                 if runner.battery_need.get(c, 0.0) > 0]
    coverage = {c: np.empty(runs) for c, _ in materials}
    covered = set()
    chunks = [slice(start, min(runs, start + chunk)) for start in range(0, runs, chunk)]
    # the notes in the order a streamed run meets them (compiled, then battery stage)
    notes: list[str] = []
    staged: set[str] = set()

    def battery_stage(commodity: str) -> None:
        if commodity not in staged:
            staged.add(commodity)
            runner.battery_stage(commodity)
            if commodity in runner.battery_notes:
                notes.append(runner.battery_notes[commodity])

    def evaluate(commodity: str, compiled, part: slice, found: tuple | None = None) -> None:
        model = compiled.model
        unique, inverse = found if found is not None else unique_activity(active[part])
        res = runner.evaluate_known(compiled, unique, inverse, substitution)
        for stage in model.stages:
            losses[(commodity, stage)][part] = model.supply[stage] - res["after"][stage]
        if commodity in coverage:
            battery_stage(commodity)
            supply = runner.battery_supply(commodity, {commodity: res}, part.stop - part.start)
            coverage[commodity][part] = supply / (runner.battery_need[commodity] * res["demand"])
            covered.add(commodity)

    def start(commodity: str):
        compiled = runner.compiled.get(commodity)
        if compiled is None:
            compiled = runner.compile(commodity)
        notes.extend(compiled.notes)
        models[commodity] = _ModelSummary.of(compiled.model)
        for stage in compiled.model.stages:
            losses[(commodity, stage)] = np.empty(runs)
        return compiled

    if len(runner.commodities) <= STREAM_ABOVE or len(runner.compiled) == len(
            runner.commodities):
        compiled_all = {c: start(c) for c in runner.commodities}
        if len(runner.commodities) > STREAM_ABOVE:  # notes in the order of a streamed run
            notes.clear()
            for c in runner.commodities:
                notes.extend(compiled_all[c].notes)
                if c in coverage:
                    battery_stage(c)
        for part in chunks:
            found = unique_activity(active[part])  # the chunk's distinct sets of shocks, once
            for commodity, compiled in compiled_all.items():
                evaluate(commodity, compiled, part, found)
            if progress is not None:
                progress(part.stop, runs)
    else:
        # many commodities: one commodity's shock matrices, solver state and model at a time
        total, work = len(runner.commodities) * runs, 0
        cache = dataset.__dict__.setdefault(_FLOW_MODELS, {})
        supply_models = dataset.__dict__.setdefault(_SUPPLY_MODELS, {})
        for commodity in runner.commodities:
            held, held_models = set(cache), set(supply_models)
            compiled = start(commodity)
            for part in chunks:
                evaluate(commodity, compiled, part)
                work += part.stop - part.start
                if progress is not None:
                    progress(int(work * runs // total), runs)
            compiled.model.flow.release()
            del compiled
            for key in set(cache) - held:  # models built for this run only: not kept
                del cache[key]
            for key in set(supply_models) - held_models:
                del supply_models[key]
    for commodity, _ in materials:
        if commodity not in covered:
            battery_stage(commodity)
            coverage[commodity][:] = runner.battery_supply(commodity, None, runs) / \
                runner.battery_need[commodity]
    order = {c: k for k, c in enumerate(runner.commodities)}
    losses = dict(sorted(losses.items(), key=lambda kv: order[kv[0][0]]))
    for values in losses.values():
        values[np.abs(values) < 1e-9 * max(1.0, float(np.abs(values).max(initial=0.0)))] = 0.0
    table = _loss_table(models, losses)
    cover = _coverage_table(runner, materials, coverage, coverage_threshold)
    shocks = scenario.to_frame()[["id", "kind", "target", "probability"]]
    shocks["sampled_share"] = happened / runs
    samples = {f"{c}:{s}": v for (c, s), v in losses.items()}
    samples.update({f"coverage:{m}": coverage[c] for c, m in materials})
    return MonteCarloResult(scenario, runner.year, runs, seed, substitution, coverage_threshold,
                            table, cover, shocks, MappingProxyType(samples), tuple(notes))


_FLOW_MODELS = "_flow_models"
"""The dataset's cache of flow models (:func:`scrisk.origins.flow_model`): a streamed run
drops the models it built, so that thousands of commodities do not stay in memory."""


@dataclass(frozen=True)
class _ModelSummary:
    """What the loss table needs of a commodity's model (the model itself is dropped)."""

    supply: Mapping[str, float]
    units: Mapping[str, str]
    headline_stage: str | None

    @classmethod
    def of(cls, model) -> _ModelSummary:
        return cls(dict(model.supply), dict(model.units), model.headline_stage)


def _loss_table(models: dict, losses: dict) -> pd.DataFrame:
    rows = []
    for (commodity, stage), values in losses.items():
        model = models[commodity]
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
