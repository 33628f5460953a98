"""Sweeps: many Monte Carlo, scenario and portfolio runs over a grid, on one machine or a cluster.

A sweep is a list of independent tasks (importer x commodity x year x
scenario file for the disruption kinds; budget amounts or scenario draws for
the portfolio kinds). Each task's random seed is derived from the sweep's
seed and the task's own key, never from its position or from the worker
that runs it, so the same sweep gives the same numbers serially, on one Dask
worker or on many, whatever the partitioning.

Without ``workers`` or ``scheduler`` the tasks run in this process and Dask
is not imported; with them the tasks are fanned out with
``dask.distributed`` (the ``scrisk[dask]`` extra).
"""

from __future__ import annotations

import logging
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from scrisk.exceptions import ScriskError

KINDS = ("montecarlo", "scenario", "frontier", "robust")
MAX_TASKS = 100_000
DEFAULT_SCENARIOS_PER_DRAW = 20


class SweepError(ScriskError):
    """A sweep that cannot be planned or run (bad option, missing Dask, worker failure)."""


@dataclass(frozen=True)
class SweepOptions:
    """Everything a sweep needs; shared by :func:`run_sweep` and ``scrisk sweep``.

    Attributes
    ----------
    kind : {"montecarlo", "scenario", "frontier", "robust"}
        ``montecarlo``: sampled runs of each scenario; ``scenario``: one
        deterministic run of each; ``frontier``: one portfolio solve per
        budget amount; ``robust``: one CVaR portfolio solve per draw of
        scenario outcomes.
    scenarios : tuple of path
        Scenario files (disruption kinds; the robust kind draws from them,
        default the shipped ``scenarios/`` folder).
    importers : tuple of str
        ISO3 codes (default: each scenario's own importer).
    commodities : tuple of str
        Commodities (default: every commodity each scenario can affect, run
        together).
    years : tuple of int
        Data years (default: each scenario's year, else the default year).
    runs : int
        Monte Carlo runs per task.
    seed : int
        Sweep seed (>= 0); each task's seed derives from it and the task key.
    amounts : tuple of float
        Frontier: budget amounts of the varied envelope, oku-yen.
    envelope : str, optional
        Frontier: the envelope varied (default the first of the run).
    draws : int
        Robust: number of draws.
    scenarios_per_draw : int
        Robust: outcomes sampled per draw.
    target_year : int
        Portfolio kinds: targets are met by this year.
    substitution, gwh, battery_scenario, coverage_threshold
        As for :func:`scrisk.disruption.run_scenario` / ``monte_carlo``.
    time_limit_s : float
        Portfolio kinds: bound on each solve, seconds.
    data : path, optional
        The user's data folder (overlay); it must be readable at the same
        path on every worker.
    workers : int, optional
        Start a local Dask cluster with this many worker processes.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``).
    partitions : int, optional
        Number of task groups sent to workers (default: one per task, at
        most 4 per worker); no effect on the numbers.
    """

    kind: str = "montecarlo"
    scenarios: tuple[str, ...] = ()
    importers: tuple[str, ...] = ()
    commodities: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    runs: int = 10_000
    seed: int = 0
    amounts: tuple[float, ...] = ()
    envelope: str | None = None
    draws: int = 100
    scenarios_per_draw: int = DEFAULT_SCENARIOS_PER_DRAW
    target_year: int = 2030
    substitution: float = 0.0
    gwh: float = 150.0
    battery_scenario: str = "balanced"
    coverage_threshold: float = 0.5
    time_limit_s: float = 30.0
    data: str | None = None
    workers: int | None = None
    scheduler: str | None = None
    partitions: int | None = None

    def check(self) -> SweepOptions:
        """Return the options if they are usable; raise :class:`SweepError` listing every problem.

        Examples
        --------
        >>> SweepOptions(kind="frontier", amounts=(0, 500)).check().kind
        'frontier'
        """
        problems = []
        if self.kind not in KINDS:
            problems.append(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        for name in ("runs", "draws", "scenarios_per_draw"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 1:
                problems.append(f"{name} must be a whole number >= 1, got {value!r}")
        if not isinstance(self.seed, int | np.integer) or self.seed < 0:
            problems.append(f"seed must be a whole number >= 0, got {self.seed!r}")
        for name in ("substitution", "gwh", "coverage_threshold", "time_limit_s"):
            value = getattr(self, name)
            if not _finite(value) or value < 0:
                problems.append(f"{name} must be a finite number >= 0, got {value!r}")
        if _finite(self.substitution) and self.substitution > 1:
            problems.append(f"substitution must be in [0, 1], got {self.substitution!r}")
        bad = [a for a in self.amounts if not _finite(a) or a < 0]
        if bad:
            problems.append(f"amounts must be finite numbers >= 0, got {bad[0]!r}")
        if self.kind == "frontier" and not self.amounts:
            problems.append("a frontier sweep needs budget amounts (--amounts 0,500,1000)")
        if self.kind in ("montecarlo", "scenario") and not self.scenarios:
            problems.append(f"a {self.kind} sweep needs at least one scenario file")
        if self.workers is not None and (not isinstance(self.workers, int | np.integer)
                                         or self.workers < 1):
            problems.append(f"workers must be a whole number >= 1, got {self.workers!r}")
        if self.workers is not None and self.scheduler:
            problems.append("give either workers (a local cluster) or scheduler (an existing "
                            "one), not both")
        if self.partitions is not None and (not isinstance(self.partitions, int | np.integer)
                                            or self.partitions < 1):
            problems.append(f"partitions must be a whole number >= 1, got {self.partitions!r}")
        if problems:
            raise SweepError("; ".join(problems))
        return self


@dataclass(frozen=True)
class SweepTask:
    """One independent unit of a sweep; its ``key`` alone decides its seed."""

    index: int
    kind: str
    scenario: str = ""
    importer: str = ""
    commodity: str = ""
    year: int | None = None
    budget_oku_yen: float | None = None
    draw: int | None = None
    seed: int = 0

    @property
    def key(self) -> str:
        """Stable text naming the task: kind, scenario, importer, commodity, year, budget, draw."""
        year = "" if self.year is None else str(self.year)
        budget = "" if self.budget_oku_yen is None else repr(float(self.budget_oku_yen))
        draw = "" if self.draw is None else str(self.draw)
        return "|".join((self.kind, self.scenario, self.importer, self.commodity, year,
                         budget, draw))


@dataclass(frozen=True)
class SweepResult:
    """Numbers of every task, in task order.

    Attributes
    ----------
    table : pandas.DataFrame
        One block of rows per task, led by the task columns ``task, kind,
        scenario, importer, commodity, year, budget_oku_yen, draw, seed``.
    tasks : pandas.DataFrame
        The planned tasks.
    summary_table : pandas.DataFrame
        Robust kind: how often each candidate project is chosen over the
        draws; other kinds: the headline rows of ``table``.
    options : SweepOptions
    workers : int
        Worker processes used (0: in this process).
    notes : tuple of str
    """

    table: pd.DataFrame
    tasks: pd.DataFrame
    summary_table: pd.DataFrame
    options: SweepOptions
    workers: int
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> pd.DataFrame:
        """The headline rows (or, for the robust kind, the selection frequencies)."""
        return self.summary_table


def task_seed(seed: int, key: str) -> int:
    """Seed of one task from the sweep seed and the task's key (not its position).

    Examples
    --------
    >>> key = "montecarlo|a.toml|JPN||2023||"
    >>> task_seed(0, key) == task_seed(0, key)
    True
    >>> task_seed(0, "a") != task_seed(1, "a")
    True
    """
    sequence = np.random.SeedSequence([int(seed), zlib.crc32(key.encode("utf-8"))])
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def plan_sweep(options: SweepOptions, dataset=None) -> tuple[list[SweepTask], dict]:
    """Tasks of a sweep and the validated scenario mappings they need.

    Scenario files are read and validated here, once, so that a bad file
    stops the sweep before any work is sent out; workers receive the
    parsed mappings, not paths.

    Returns
    -------
    tasks : list of SweepTask
    payload : dict
        ``{"scenarios": {label: mapping}}`` for the workers.
    """
    from scrisk.disruption.scenarios import parse_scenario, read_scenario_file

    options.check()
    if dataset is None:
        dataset = _dataset(options.data)
    importers = tuple(_iso3(dataset, code) for code in options.importers)
    commodities = tuple(_commodity(dataset, name) for name in options.commodities)
    years = tuple(int(y) for y in options.years)
    scenario_maps: dict[str, dict] = {}
    parsed = {}
    for path in options.scenarios:
        label = str(path)
        raw = read_scenario_file(path)
        parsed[label] = parse_scenario(raw, dataset, file=label)
        scenario_maps[label] = raw
    tasks: list[SweepTask] = []
    if options.kind in ("montecarlo", "scenario"):
        for label, scenario in parsed.items():
            for importer in importers or (scenario.importer,):
                for commodity in commodities or ("",):
                    if commodity and commodity not in scenario.commodities(dataset):
                        continue
                    for year in years or (scenario.year,):
                        tasks.append(SweepTask(len(tasks), options.kind, label, importer,
                                               commodity, year))
        if not tasks:
            raise SweepError("no task: none of the scenarios can affect the commodities "
                             f"asked for ({', '.join(commodities)})")
    elif options.kind == "frontier":
        for importer in importers or ("JPN",):
            for amount in options.amounts:
                tasks.append(SweepTask(len(tasks), "frontier", "", importer, "",
                                       options.target_year, budget_oku_yen=float(amount)))
    else:
        for importer in importers or ("JPN",):
            for draw in range(options.draws):
                tasks.append(SweepTask(len(tasks), "robust", "", importer, "",
                                       options.target_year, draw=draw))
    if len(tasks) > MAX_TASKS:
        raise SweepError(f"the sweep has {len(tasks):,} tasks, more than the limit of "
                         f"{MAX_TASKS:,}; narrow the grid")
    tasks = [replace(t, seed=task_seed(options.seed, t.key)) for t in tasks]
    return tasks, {"scenarios": scenario_maps}


def run_sweep(options: SweepOptions | None = None, dataset=None, *,
              progress: Callable[[int, int], None] | None = None, **fields) -> SweepResult:
    """Run every task of a sweep, serially or on Dask workers; the numbers do not depend on which.

    Parameters
    ----------
    options : SweepOptions, optional
    dataset : Dataset, optional
        Used for planning and for the serial path (default: loaded from
        ``options.data``); Dask workers load their own from ``options.data``.
    progress : callable, optional
        Called as ``progress(done, total)`` after each finished partition.
    **fields
        Fields of :class:`SweepOptions`.

    Returns
    -------
    SweepResult

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> from scrisk.data.load import shipped_data_path
    >>> file = str(shipped_data_path().parent / "scenarios" / "malacca_closure.toml")
    >>> r = run_sweep(kind="montecarlo", scenarios=(file,), commodities=("cobalt", "nickel"),
    ...               runs=500, dataset=load_dataset())
    >>> sorted(r.summary()["commodity"].unique())
    ['cobalt', 'nickel']
    """
    options = replace(options or SweepOptions(), **_tuples(fields)).check()
    if dataset is None:
        dataset = _dataset(options.data)
    tasks, payload = plan_sweep(options, dataset)
    settings = _settings(options)
    notes: list[str] = []
    if options.workers is None and not options.scheduler:
        frames = []
        for done, task in enumerate(tasks, start=1):
            frames.append(_run_task(task, dataset, payload, settings))
            if progress is not None:
                progress(done, len(tasks))
        used = 0
    else:
        frames, used = _run_on_dask(tasks, payload, settings, options, progress)
        notes.append(f"ran on {used} Dask worker(s) in {_partition_count(options, len(tasks), used)}"
                     " partition(s)")
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    task_frame = pd.DataFrame([asdict(t) for t in tasks]).rename(columns={"index": "task"})
    notes.extend(_collect_notes(frames))
    summary = _summary(options.kind, table)
    table.attrs = {}
    return SweepResult(table, task_frame, summary, options, used, _counted(notes, len(tasks)))


# ----------------------------------------------------------------------------- tasks


def _settings(options: SweepOptions) -> dict:
    keep = ("runs", "substitution", "gwh", "battery_scenario", "coverage_threshold",
            "time_limit_s", "envelope", "scenarios_per_draw", "data")
    return {k: getattr(options, k) for k in keep}


def _run_partition(tasks: Sequence[SweepTask], payload: dict, settings: dict) -> pd.DataFrame:
    """Run a group of tasks in a worker process (the dataset is loaded once per process)."""
    dataset = _dataset(settings["data"])
    frames = [_run_task(task, dataset, payload, settings) for task in tasks]
    out = pd.concat(frames, ignore_index=True)
    out.attrs = {"notes": _collect_notes(frames)}
    return out


def _run_task(task: SweepTask, dataset, payload: dict, settings: dict) -> pd.DataFrame:
    runner = {"montecarlo": _montecarlo_task, "scenario": _scenario_task,
              "frontier": _frontier_task, "robust": _robust_task}[task.kind]
    frame, notes = runner(task, dataset, payload, settings)
    head = pd.DataFrame({
        "task": task.index, "kind": task.kind, "scenario": task.scenario,
        "importer": task.importer, "task_commodity": task.commodity,
        "year": task.year if task.year is not None else -1,
        "budget_oku_yen": np.nan if task.budget_oku_yen is None else task.budget_oku_yen,
        "draw": -1 if task.draw is None else task.draw, "seed": task.seed,
    }, index=range(len(frame)))
    out = pd.concat([head, frame.reset_index(drop=True)], axis=1)
    out.attrs = {"notes": list(notes)}
    return out


def _scenario_for(task: SweepTask, dataset, payload: dict):
    from scrisk.disruption.scenarios import parse_scenario

    scenario = parse_scenario(payload["scenarios"][task.scenario], dataset, file=task.scenario)
    if task.importer and task.importer != scenario.importer:
        scenario = replace(scenario, importer=task.importer)
    if task.commodity:
        shocks = []
        for shock in scenario.shocks:
            if not shock.applies_to(task.commodity):
                continue
            if shock.kind == "sea_lane_closure":
                shock = replace(shock, commodities=(task.commodity,))
            shocks.append(shock)
        scenario = replace(scenario, shocks=tuple(shocks))
    return scenario


def _montecarlo_task(task, dataset, payload, settings):
    from scrisk.disruption.montecarlo import monte_carlo

    scenario = _scenario_for(task, dataset, payload)
    result = monte_carlo(dataset, scenario, settings["runs"], task.seed, year=task.year,
                         substitution=settings["substitution"], gwh=settings["gwh"],
                         battery_scenario=settings["battery_scenario"],
                         coverage_threshold=settings["coverage_threshold"])
    losses = result.losses.assign(data_year=result.year)
    return losses, list(result.notes)


def _scenario_task(task, dataset, payload, settings):
    from scrisk.disruption.scenarios import run_scenario

    scenario = _scenario_for(task, dataset, payload)
    result = run_scenario(dataset, scenario, year=task.year,
                          substitution=settings["substitution"], gwh=settings["gwh"],
                          battery_scenario=settings["battery_scenario"])
    return result.supply.assign(data_year=result.year), list(result.notes)


def _portfolio_fields(task: SweepTask, settings: dict) -> dict:
    # one solver thread and a fixed solver seed: the same task gives the same portfolio
    return {"time_limit_s": settings["time_limit_s"], "workers": 1, "seed": 0}


def _frontier_task(task, dataset, payload, settings):
    from scrisk.optimize.portfolio import portfolio_frontier

    frontier = portfolio_frontier(dataset, [task.budget_oku_yen], task.year,
                                  envelope=settings["envelope"], iso3=task.importer,
                                  **_portfolio_fields(task, settings))
    table = frontier.table.drop(columns=["budget_oku_yen"])
    result = frontier.results[0]
    table["projects"] = ", ".join(result.selected["project_id"].astype(str))
    return table, [f"{result.status} (gap {result.gap:.3g})"] if result.status != "optimal" \
        else []


def _robust_task(task, dataset, payload, settings):
    """One draw: sample outcomes of the scenario set, solve the CVaR portfolio on them."""
    from scrisk.optimize.portfolio import optimize_portfolio

    outcomes = _scenario_distribution(dataset, settings["data"])
    names, losses, probs = outcomes
    rng = np.random.Generator(np.random.PCG64(task.seed))
    size = settings["scenarios_per_draw"]
    picks = rng.choice(len(names) + 1, size=size, p=np.append(probs, 1.0 - probs.sum()))
    counts = np.bincount(picks, minlength=len(names) + 1)[:len(names)]
    drawn = {names[i]: losses[names[i]] for i in np.flatnonzero(counts)}
    notes = []
    if drawn:
        probabilities = {names[i]: counts[i] / size for i in np.flatnonzero(counts)}
        result = optimize_portfolio(dataset, target_year=task.year, iso3=task.importer,
                                    robust="cvar", scenarios=drawn,
                                    scenario_probabilities=probabilities,
                                    **_portfolio_fields(task, settings))
    else:
        notes.append("no loss outcome drawn: the nominal portfolio")
        result = optimize_portfolio(dataset, target_year=task.year, iso3=task.importer,
                                    **_portfolio_fields(task, settings))
    if result.status != "optimal":
        notes.append(f"{result.status} (gap {result.gap:.3g})")
    chosen = result.selected[["project_id", "name", "commodity", "iso3", "stake_fraction",
                              "cost_oku_yen"]].copy()
    chosen["outcomes_drawn"] = len(drawn)
    chosen["spend_oku_yen"] = result.spend_oku_yen
    chosen["status"] = result.status
    if chosen.empty:
        chosen = pd.DataFrame([{"project_id": "", "name": "", "commodity": "", "iso3": "",
                                "stake_fraction": 0.0, "cost_oku_yen": 0.0,
                                "outcomes_drawn": len(drawn), "spend_oku_yen": 0.0,
                                "status": result.status}])
    return chosen, notes


_OUTCOMES: dict = {}


def _scenario_distribution(dataset, data) -> tuple[list[str], dict, np.ndarray]:
    """The joint outcomes of the shipped (or overlay) scenario folder with their probabilities."""
    from scrisk.optimize.scenarios import scenario_set

    key = ("outcomes", None if data is None else str(data))
    if key not in _OUTCOMES:
        found = scenario_set(None, dataset=dataset, expand=True)
        names = sorted(found.losses)
        probs = np.array([found.probabilities[n] for n in names], dtype=float)
        _OUTCOMES[key] = (names, found.losses, probs)
    return _OUTCOMES[key]


# ----------------------------------------------------------------------------- Dask


def _partition_count(options: SweepOptions, tasks: int, workers: int) -> int:
    if options.partitions is not None:
        return max(1, min(options.partitions, tasks))
    return max(1, min(tasks, 4 * max(workers, 1)))


def _partitions(tasks: list[SweepTask], count: int) -> list[list[SweepTask]]:
    """Contiguous groups of near-equal size (task order is kept when they are joined)."""
    bounds = np.linspace(0, len(tasks), count + 1).round().astype(int)
    return [tasks[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


def _run_on_dask(tasks, payload, settings, options: SweepOptions, progress):
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as err:
        raise SweepError("running on workers needs Dask: pip install 'scrisk[dask]' "
                         "(or drop --workers/--scheduler to run in this process)") from err
    cluster = None
    try:
        if options.scheduler:
            try:
                client = Client(options.scheduler, timeout="10s")
            except OSError as err:
                raise SweepError(f"cannot reach the Dask scheduler at {options.scheduler}: "
                                 f"{err}") from err
        else:
            cluster = LocalCluster(n_workers=int(options.workers), threads_per_worker=1,
                                   processes=True, dashboard_address=None,
                                   silence_logs=logging.ERROR)
            client = Client(cluster)
        with client:
            used = len(client.scheduler_info().get("workers", {})) or int(options.workers or 1)
            groups = _partitions(tasks, _partition_count(options, len(tasks), used))
            futures = client.map(_run_partition, groups, payload=payload, settings=settings,
                                 pure=False)
            order = {f.key: i for i, f in enumerate(futures)}
            frames: list = [None] * len(futures)
            done = 0
            for future in as_completed(futures):
                try:
                    frames[order[future.key]] = future.result()
                except ScriskError:
                    raise
                except Exception as err:  # a worker died or raised: name the task group
                    group = groups[order[future.key]]
                    raise SweepError(f"tasks {group[0].index}-{group[-1].index} failed on a "
                                     f"worker: {type(err).__name__}: {err}") from err
                done += len(groups[order[future.key]])
                if progress is not None:
                    progress(done, len(tasks))
        return frames, used
    finally:
        if cluster is not None:
            cluster.close()


# ----------------------------------------------------------------------------- helpers


_DATASETS: dict = {}


def _dataset(data):
    """The dataset of this process for an overlay folder (loaded once per process)."""
    from scrisk.data.load import load_dataset

    key = None if data is None else str(Path(data).resolve())
    if key not in _DATASETS:
        _DATASETS[key] = load_dataset(overlay=data)
    return _DATASETS[key]


def _iso3(dataset, code: str) -> str:
    return dataset.check_country(code)


def _commodity(dataset, name: str) -> str:
    return dataset.resolve_commodity(name)


def _finite(value) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and math.isfinite(value)


def _tuples(fields: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}


def _collect_notes(frames) -> list[str]:
    out: list[str] = []
    for frame in frames:
        out.extend(frame.attrs.get("notes", []))
    return out


def _counted(notes: list[str], tasks: int) -> tuple[str, ...]:
    """Each distinct note once, with the number of tasks it came from when not all."""
    counts: dict[str, int] = {}
    for note in notes:
        counts[note] = counts.get(note, 0) + 1
    return tuple(note if n >= tasks or tasks == 1 else f"{note} ({n} of {tasks} tasks)"
                 for note, n in counts.items())


def _summary(kind: str, table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return table
    if kind == "montecarlo" or kind == "scenario":
        head = table.loc[table["headline"]].drop(columns=["headline"])
        return head.reset_index(drop=True)
    if kind == "frontier":
        return table.reset_index(drop=True)
    draws = table.groupby("importer")["draw"].nunique()
    chosen = table.loc[table["project_id"] != ""]
    freq = (chosen.groupby(["importer", "project_id", "name", "commodity", "iso3"])
            .agg(chosen_draws=("draw", "nunique"), mean_stake=("stake_fraction", "mean"))
            .reset_index())
    freq["draws"] = freq["importer"].map(draws)
    freq["chosen_share"] = freq["chosen_draws"] / freq["draws"]
    return freq.sort_values(["importer", "chosen_share", "project_id"],
                            ascending=[True, False, True]).reset_index(drop=True)
