"""The numbers of the report, computed once and shared by every language and format.

:func:`report_data` calls the public metric, disruption and optimisation
functions and keeps their results as language-neutral tables (ISO3 codes,
commodity slugs, fractions, tonnes). The renderer (:mod:`scrisk.report.render`)
turns them into localised tables, charts and maps; the Excel workbook holds
the same tables. Nothing here formats text.

Sections whose data are missing (or whose computation raises a
``ScriskError``) carry a :class:`SectionStatus` saying what is missing
instead of failing the whole report. Every number comes from a public
scrisk function (``scrisk.metrics.*``, ``scrisk.disruption.*``,
``scrisk.optimize.*``); this module only collects them.

Examples
--------
>>> from scrisk import load_dataset
>>> ds = load_dataset()  # doctest: +SKIP
>>> data = report_data(ds, "JPN", commodities=["cobalt"], sections=("summary",))  # doctest: +SKIP
>>> data.headline["commodity"].tolist()  # doctest: +SKIP
['cobalt']
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.exceptions import ScriskError, UnknownChoiceError
from scrisk.threads import single_blas_thread

DETAIL_GROUPS = ("base_metal", "battery")
SECTIONS = ("summary", "commodities", "self_sufficiency", "battery", "restrictions", "scenarios",
            "portfolio", "provenance")
UNATTRIBUTED = "unattributed"
DEFAULT_GWH = 150.0
DEFAULT_BUDGET_OKU_YEN = 1597.0
FRONTIER_FRACTIONS = (0.0, 0.25, 0.5, 1.0, 2.0)


class ReportError(ScriskError):
    """A report cannot be made as asked (bad option, output folder, missing browser)."""

    exit_code = 2


@dataclass(frozen=True)
class SectionStatus:
    """Whether a section could be computed, and if not, what is missing.

    Attributes
    ----------
    available : bool
    reason : str
        Machine key of the reason: ``module`` (an API is missing in this
        build), ``data`` (no data for the importer) or ``error``.
    detail : str
        The call expected or the error met (shown in the report).
    """

    available: bool
    reason: str = ""
    detail: str = ""


OK = SectionStatus(True)


@dataclass(frozen=True)
class CommodityData:
    """Everything the report shows for one commodity.

    Attributes
    ----------
    commodity : str
    concentration : pandas.DataFrame
        One row per stage (``concentration()`` columns).
    shares : pandas.DataFrame
        ``stage, iso3, share`` of world production per stage.
    imports : Mapping[str, pandas.DataFrame]
        Stage -> ``lookthrough_exposure()`` table of the importer.
    main_stage : str or None
        The stage with the larger import value (used for the flow diagram and map).
    flows : pandas.DataFrame
        ``origin, via, share``: the importer's supply of ``main_stage`` by
        mining country (origin) and supplying/refining country (via).
    exposure : pandas.Series
        ISO3 -> share of the importer's supply mined there (look-through).
    trend : pandas.DataFrame
        ``year, hhi, import_risk, score`` (empty without GeoPolRisk HS codes).
    chokepoints : pandas.DataFrame or None
        ``chokepoint_id, share`` of the importer's supply passing each one.
    units : Mapping[str, str]
        Stage -> unit of production.
    """

    commodity: str
    concentration: pd.DataFrame
    shares: pd.DataFrame
    imports: Mapping[str, pd.DataFrame]
    main_stage: str | None
    flows: pd.DataFrame
    exposure: pd.Series
    trend: pd.DataFrame
    chokepoints: pd.DataFrame | None
    chokepoint_status: SectionStatus
    units: Mapping[str, str]


@dataclass(frozen=True)
class ReportData:
    """The language-neutral content of one report.

    Attributes
    ----------
    importer : str
    year : int
        Data year of the snapshot sections (production and trade).
    years : tuple of int
        Years of the trend charts.
    commodities : tuple of str
        Commodities with a detailed section.
    overview : tuple of str
        Commodities in the headline table and the criticality matrix.
    headline : pandas.DataFrame
        One row per overview commodity (see :func:`headline_table`).
    criticality : pandas.DataFrame
        :func:`criticality_table` (supply risk, economic importance, GeoPolRisk).
    details : Mapping[str, CommodityData]
    self_sufficiency : pandas.DataFrame
    secured : pandas.DataFrame
        Facilities held by the importer's companies (:func:`secured_facilities`).
    ssr_target : float
    ssr_target_year : int or None
    ssr_reported : pandas.DataFrame
        ``year, ratio, source`` of officially reported ratios.
    battery : pandas.DataFrame
        ``scenario, material, need_t, secured_t, coverage, published_need_t``.
    gwh : float
    scenarios : tuple of ScenarioData
        Results of the disruption scenarios (empty when unavailable).
    candidates : pandas.DataFrame or None
    portfolio : PortfolioTables or None
        The recommended portfolio.
    frontier : pandas.DataFrame or None
        One row per budget: ``budget_oku_yen, spend_oku_yen``, ``achieved:<target>``
        (%) and ``progress:<target>`` (achieved / required, capped at 1).
    provenance : pandas.DataFrame
    citations : pandas.DataFrame
    status : Mapping[str, SectionStatus]
        Per section (and ``scenarios``/``portfolio`` parts) whether it is available.
    fingerprint : str
        SHA-256 (first 12 hex digits) of the data files used.
    files : tuple of str
        Data files used (relative names).
    params : Mapping[str, object]
    appendix : tuple of str
        Overview commodities outside the policy priority (shown in the appendix).
    findings : pandas.DataFrame
        :func:`scrisk.metrics.summary.key_findings` (the five findings).
    trend : pandas.DataFrame
        :func:`scrisk.metrics.summary.concentration_trend` of the priority commodities.
    import_value : pandas.DataFrame
        :func:`scrisk.metrics.summary.import_values` of the importer (every year).
    disruptions : pandas.DataFrame
        :func:`scrisk.metrics.summary.rank_disruptions` over every scenario.
    ssr_path : pandas.DataFrame
        :func:`scrisk.metrics.summary.target_path` from the last reported ratio.
    trajectory : pandas.DataFrame
        :func:`scrisk.metrics.trajectory.trajectory` of the base metals together
        (``year, ratio_existing, ratio``: existing stakes, and with the portfolio).
    midstream : dict or None
        :func:`midstream_tables`: the domestic cell goal, its materials and their mines.
    demand : pandas.DataFrame
        :func:`scrisk.metrics.summary.demand_outlook` of the shipped policy demand
        path in the target year (empty when unavailable).
    company : CompanyRisk or None
        :func:`scrisk.metrics.company.company_risk` of the ``--company`` file.
    restrictions : RestrictionShares or None
        :func:`restriction_data` (export-restriction shares of the importer's supply).
    mine_shares : pandas.DataFrame
        :func:`mine_share_years` of the detailed commodities (the map's year menu).
    """

    importer: str
    year: int
    years: tuple[int, ...]
    commodities: tuple[str, ...]
    overview: tuple[str, ...]
    headline: pd.DataFrame
    criticality: pd.DataFrame
    details: Mapping[str, CommodityData]
    self_sufficiency: pd.DataFrame
    secured: pd.DataFrame
    ssr_target: float
    ssr_target_year: int | None
    ssr_reported: pd.DataFrame
    battery: pd.DataFrame
    gwh: float
    scenarios: tuple[ScenarioData, ...]
    candidates: pd.DataFrame | None
    portfolio: PortfolioTables | None
    frontier: pd.DataFrame | None
    provenance: pd.DataFrame
    citations: pd.DataFrame
    status: Mapping[str, SectionStatus]
    fingerprint: str
    files: tuple[str, ...]
    params: Mapping[str, object] = field(default_factory=dict)
    appendix: tuple[str, ...] = ()
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)
    trend: pd.DataFrame = field(default_factory=pd.DataFrame)
    import_value: pd.DataFrame = field(default_factory=pd.DataFrame)
    disruptions: pd.DataFrame = field(default_factory=pd.DataFrame)
    ssr_path: pd.DataFrame = field(default_factory=pd.DataFrame)
    trajectory: pd.DataFrame = field(default_factory=pd.DataFrame)
    midstream: dict | None = None
    demand: pd.DataFrame = field(default_factory=pd.DataFrame)
    company: object = None
    restrictions: object = None  # scrisk.metrics.restrictions.RestrictionShares
    mine_shares: pd.DataFrame = field(default_factory=pd.DataFrame)


# --------------------------------------------------------------------------- options


_BACKGROUND_JOBS: dict[str, tuple[Callable, tuple]] = {}


class Background:
    """Run independent parts of the report in forked worker processes.

    The jobs are registered first and handed to the workers by name: a forked
    worker inherits them, so the dataset is never pickled. Where ``fork`` is
    unavailable (Windows, macOS default) or only one CPU is present, each part
    runs when its result is asked for. Exceptions cross the process boundary
    as text (scrisk's exceptions do not pickle) and come back as
    :class:`ReportError` with the same message.
    """

    def __init__(self) -> None:
        import multiprocessing
        import os

        self._parallel = ((os.cpu_count() or 1) > 1
                          and "fork" in multiprocessing.get_all_start_methods())
        self._pool = None
        self._jobs: dict[str, object] = {}

    def submit(self, key: str, fn: Callable, *args) -> None:
        self._jobs[key] = (fn, args)

    def start(self) -> None:
        """Fork the workers (they see every job submitted so far) and start the jobs."""
        if not self._parallel or not self._jobs:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        _BACKGROUND_JOBS.clear()
        _BACKGROUND_JOBS.update(self._jobs)
        self._pool = ProcessPoolExecutor(max_workers=len(self._jobs),
                                         mp_context=multiprocessing.get_context("fork"))
        self._jobs = {key: self._pool.submit(_run_job, key) for key in self._jobs}

    def result(self, key: str):
        job = self._jobs.pop(key)
        if isinstance(job, tuple):
            fn, args = job
            return fn(*args)
        outcome, value = job.result()
        if outcome == "error":
            raise ReportError(value)
        return value

    def close(self) -> None:
        _BACKGROUND_JOBS.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _run_job(key: str):
    fn, args = _BACKGROUND_JOBS[key]
    try:
        return "ok", _plain(fn(*args))
    except Exception as err:  # noqa: BLE001 - sent back as text and raised in the parent
        return "error", str(err) or type(err).__name__


def _plain(value, depth: int = 0):
    """``value`` with the ``attrs`` of its tables emptied (they may hold unpicklable views)."""
    import dataclasses

    if depth > 4:
        return value
    if isinstance(value, pd.DataFrame | pd.Series):
        value.attrs = {}
    elif isinstance(value, tuple | list):
        for item in value:
            _plain(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            _plain(item, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _plain(getattr(value, f.name), depth + 1)
    return value


def default_year(dataset: Dataset) -> int:
    """The one default year of scrisk (:func:`scrisk.network.default_year`).

    The report needs production and trade of the same year, so a dataset without one
    is a readable error here rather than a fallback.
    """
    from scrisk.network import default_year as shared_default_year

    if not set(dataset.years("production")) & set(dataset.years("trade")):
        raise ReportError("the production and trade data share no year; check the data folder")
    return shared_default_year(dataset)


def resolve_commodities(dataset: Dataset, commodities: Iterable[str] | None
                        ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Detail and overview commodities.

    Without a list: details for the policy-priority commodities
    (:data:`scrisk.metrics.summary.POLICY_PRIORITY`: battery and base metals,
    in that order), overview of every commodity (priority ones first, the rest
    alphabetically, for the appendix). With a list: both are that list in the
    same order (each name checked, with the valid choices on error).
    """
    from scrisk.metrics.summary import policy_order

    if commodities:
        chosen: list[str] = []
        for item in commodities:
            for name in str(item).replace(",", " ").split():
                slug = name.strip().lower().replace("-", "_")
                if slug not in chosen:
                    chosen.append(dataset.check_commodity(slug))
        if not chosen:
            raise ReportError("--commodities was given without any commodity name")
        first, rest = policy_order(chosen)
        return first + rest, first + rest
    first, rest = policy_order(dataset.commodities["commodity"])
    return first, first + rest


def policy_value(dataset: Dataset, iso3: str, metric: str) -> tuple[float, int | None]:
    """Value and year of a policy target of ``policy_targets.csv`` (NaN, None when absent)."""
    table = dataset.policy_targets
    rows = table.loc[(table["iso3"] == iso3) & (table["metric"] == metric)]
    if rows.empty:
        return float("nan"), None
    return float(rows["value"].iloc[0]), int(rows["year"].iloc[0])


# --------------------------------------------------------------------------- per commodity


def stage_share_table(dataset: Dataset, commodity: str, year: int) -> pd.DataFrame:
    """``stage, iso3, share`` of world production of each stage (published shares for refining)."""
    from scrisk.metrics.concentration import stage_shares

    parts = []
    for stage in ("mining", "refining"):
        shares = stage_shares(dataset, commodity, stage, year)
        if len(shares) and float(shares.sum()) > 0:
            parts.append(pd.DataFrame({"stage": stage, "iso3": shares.index.astype(str),
                                       "share": shares.to_numpy(dtype=float)}))
    if not parts:
        return pd.DataFrame({"stage": pd.Series(dtype=object), "iso3": pd.Series(dtype=object),
                             "share": pd.Series(dtype=float)})
    return pd.concat(parts, ignore_index=True).sort_values(
        ["stage", "share"], ascending=[True, False], ignore_index=True, kind="stable")


def commodity_details(dataset: Dataset, importer: str, commodities: Sequence[str], year: int,
                      trend: pd.DataFrame, concentration_table: pd.DataFrame
                      ) -> dict[str, CommodityData]:
    """:func:`commodity_data` of each commodity, in order."""
    return {c: commodity_data(dataset, importer, c, year, trend, concentration_table)
            for c in commodities}


def commodity_data(dataset: Dataset, importer: str, commodity: str, year: int,
                   trend: pd.DataFrame, concentration_table: pd.DataFrame) -> CommodityData:
    """Concentration, import sources, flows, exposure and trend of one commodity."""
    from scrisk.origins import flow_model
    from scrisk.report import exposure as ex

    network = flow_model(dataset, commodity, year).network  # the shared model's network
    imports: dict[str, pd.DataFrame] = {}
    main = None
    if network.has_country(importer):
        headline = ex.exposure(dataset, importer, commodity, year)
        main = headline.attrs.get("stage") if len(headline) else None
        if main == "none":
            main = None
        if main is not None and main != "mining":
            mining = ex.exposure(dataset, importer, commodity, year, "mining") \
                if "mining" in network.stages else headline.iloc[0:0]
            if len(mining) and float(mining["direct_share"].sum()) > 0:
                imports["mining"] = mining
        if main is not None:
            imports[main] = ex.with_bounds(headline, dataset, importer, commodity, year)
    flows = (ex.flows(dataset, importer, commodity, year, main) if main
             else ex.flows(dataset, importer, commodity, year, "mining").iloc[0:0])
    exposure = ex.mined_origins(imports[main]) if main else pd.Series(dtype=float)
    conc = concentration_table.loc[concentration_table["commodity"] == commodity]
    chokepoints, status = chokepoint_exposure(dataset, importer, commodity, year)
    return CommodityData(
        commodity=commodity,
        concentration=conc.reset_index(drop=True),
        shares=stage_share_table(dataset, commodity, year),
        imports=imports,
        main_stage=main,
        flows=flows,
        exposure=exposure.astype(float),
        trend=trend.loc[trend["commodity"] == commodity, ["year", "hhi", "import_risk", "score"]
                        ].reset_index(drop=True),
        chokepoints=chokepoints,
        chokepoint_status=status,
        units=dict(network.units),
    )


# --------------------------------------------------------------------------- optional modules


# A section whose computation fails is reported with the error instead of failing the
# whole report (the other sections still help); programming errors are named by type.
COMPUTE_ERRORS = (ScriskError, ValueError, KeyError, ImportError, AttributeError, TypeError)


def _describe(err: Exception, call: str) -> str:
    text = str(err) if isinstance(err, ScriskError | ValueError) else \
        f"{type(err).__name__}: {err}"
    return f"{text} (call: {call})"


CHOKEPOINT_CALL = ("scrisk.disruption.chokepoints(dataset, importer, commodity, year, "
                   "structure=False) -> ChokepointResult with .sea_lanes")
SCENARIO_CALL = ("scrisk.disruption.load_scenario(path, dataset) and "
                 "run_and_monte_carlo(dataset, scenario, runs, seed, year=...)")
NO_CHOKEPOINT = "(no chokepoint)"
UNROUTED = "(unrouted)"


@dataclass(frozen=True)
class ScenarioData:
    """Results of one disruption scenario.

    Attributes
    ----------
    name, description, file : str
    shocks : pandas.DataFrame
        ``id, kind, target, size, probability`` (the scenario as written) and
        the target's parts ``country, commodity, stage, chokepoint, facility,
        commodities`` (for a translated description).
    table : pandas.DataFrame
        Per commodity (headline stage): ``commodity, stage, unit, supply_t,
        loss_share`` (all shocks at once), ``mean_loss_share, p95_loss_share,
        p99_loss_share, prob_loss`` (Monte Carlo).
    losses : pandas.DataFrame
        ``commodity, loss`` (share of supply lost), one row per draw and commodity.
    coverage : pandas.DataFrame
        Battery coverage under the Monte Carlo draws (disruption module columns).
    notes : tuple of str
    """

    name: str
    description: str
    file: str
    shocks: pd.DataFrame
    table: pd.DataFrame
    losses: pd.DataFrame
    coverage: pd.DataFrame
    notes: tuple[str, ...] = ()
    name_ja: str = ""
    description_ja: str = ""


@dataclass(frozen=True)
class PortfolioTables:
    """The parts of a ``PortfolioResult`` the report shows (plain tables, picklable).

    Attributes
    ----------
    status : str
    selected, targets, summary : pandas.DataFrame
        ``PortfolioResult.selected``, ``.targets`` and ``.summary()``.
    spend_oku_yen : float
    """

    status: str
    selected: pd.DataFrame
    targets: pd.DataFrame
    summary: pd.DataFrame
    spend_oku_yen: float


def chokepoint_exposure(dataset: Dataset, importer: str, commodity: str, year: int
                        ) -> tuple[pd.DataFrame | None, SectionStatus]:
    """The importer's imports through each sea-lane chokepoint (disruption module).

    Returns
    -------
    (table, status)
        ``stage, chokepoint, import_share, supply_share`` (share of imports
        through it, share of supply lost if it closed), largest first; the
        ``(no chokepoint)`` row holds the rest.
    """
    try:
        from scrisk.disruption import chokepoints

        result = chokepoints(dataset, importer, commodity, year, structure=False)
    except COMPUTE_ERRORS as err:
        return None, SectionStatus(False, "error", _describe(err, CHOKEPOINT_CALL))
    table = getattr(result, "sea_lanes", None)
    needed = {"chokepoint", "import_share", "stage"}
    if table is None or not needed <= set(table.columns):
        return None, SectionStatus(False, "module", CHOKEPOINT_CALL)
    table = table.loc[table["commodity"] == commodity] if "commodity" in table else table
    if table.empty and getattr(result, "notes", ()):
        return None, SectionStatus(False, "data", "; ".join(result.notes))
    cols = [c for c in ("stage", "chokepoint", "imports_t", "import_share", "supply_share")
            if c in table]
    return table[cols].reset_index(drop=True), OK


def scenario_files(paths: Iterable[str | Path] | None = None) -> tuple[Path, ...]:
    """Scenario files to run: the given ones, else every file of the shipped ``scenarios/``."""
    if paths:
        out = []
        for p in paths:
            path = Path(p)
            if path.is_dir():
                out.extend(sorted(q for q in path.iterdir()
                                  if q.suffix in (".toml", ".yaml", ".yml")))
            elif not path.is_file():
                raise ReportError(f"--scenario {path}: no such file; give a scenario TOML "
                                  "file (see docs/scenarios.md) or a folder of them")
            else:
                out.append(path)
        return tuple(out)
    from scrisk.data.load import shipped_data_path

    folder = shipped_data_path().parent / "scenarios"
    if not folder.is_dir():
        return ()
    return tuple(sorted(q for q in folder.iterdir() if q.suffix in (".toml", ".yaml", ".yml")))


def scenario_tables(dataset: Dataset, importer: str, year: int, seed: int, draws: int,
                    gwh: float, files: Sequence[Path]
                    ) -> tuple[tuple[ScenarioData, ...], SectionStatus]:
    """Deterministic and Monte Carlo results of each scenario file (disruption module)."""
    try:
        from scrisk.disruption import load_scenario as load
        from scrisk.disruption import run_and_monte_carlo as run_both
    except COMPUTE_ERRORS as err:  # the engine raised while importing: name the error
        return (), SectionStatus(False, "error", _describe(err, SCENARIO_CALL))
    if not files:
        return (), SectionStatus(False, "data", "no scenario files in scenarios/; pass "
                                 "--scenario FILE (see docs/scenarios.md)")
    out = []
    for path in files:
        scenario = load(path, dataset)  # ScenarioError (a ScriskError) names every problem
        if scenario.importer != importer:
            continue
        # the same year as `scrisk scenario run FILE`: the file's own year, else the default
        run_year = scenario.year if scenario.year is not None else year
        # the deterministic run and the Monte Carlo share models and evaluations
        det, mc = run_both(dataset, scenario, draws, seed, year=run_year, gwh=gwh)
        table = pd.DataFrame(det.summary())[["commodity", "stage", "unit", "supply_t",
                                              "loss_share"]]
        mc_sum = pd.DataFrame(mc.summary())
        keep = [c for c in ("commodity", "stage", "mean_loss_share", "p95_loss_share",
                            "p99_loss_share", "prob_loss") if c in mc_sum]
        table = table.merge(mc_sum[keep], on=["commodity", "stage"], how="left")
        table = table.sort_values(["loss_share", "commodity"], ascending=[False, True],
                                  ignore_index=True, kind="stable")
        frames = []
        for row in table.itertuples(index=False):
            values = mc.samples.get(f"{row.commodity}:{row.stage}")
            if values is not None and row.supply_t > 0:
                frames.append(pd.DataFrame({"commodity": row.commodity,
                                            "loss": np.asarray(values) / row.supply_t}))
        losses = (pd.concat(frames, ignore_index=True) if frames
                  else pd.DataFrame({"commodity": [], "loss": []}))
        shocks = pd.DataFrame(det.shocks)  # the scenario's shocks and whether each changes anything
        shocks["run_year"] = det.year
        for part in ("country", "commodity", "stage", "chokepoint", "facility"):
            shocks[part] = [getattr(s, part, None) for s in scenario.shocks]
        shocks["commodities"] = [";".join(s.commodities) if getattr(s, "commodities", None)
                                 else None for s in scenario.shocks]
        out.append(ScenarioData(scenario.name, scenario.description, Path(path).name, shocks,
                                table, losses, pd.DataFrame(mc.coverage),
                                ((f"run on the {det.year} data, the year the scenario file "
                                  f"names (as `scrisk scenario run`)",) if det.year != year
                                 else ()) + tuple(det.notes) + tuple(mc.notes),
                                getattr(scenario, "name_ja", ""),
                                getattr(scenario, "description_ja", "")))
    if not out:
        return (), SectionStatus(False, "data", f"no scenario file is for importer {importer}")
    return tuple(out), OK


def portfolio_parts(dataset: Dataset, importer: str, target_year: int, gwh: float,
                    budget: float, seed: int, workers: int, time_limit_s: float,
                    policy_budget: bool = False,
                    frontier_fractions: Sequence[float] = FRONTIER_FRACTIONS):
    """Candidate scores, the optimised portfolio and the budget frontier (optimize module)."""
    status: dict[str, SectionStatus] = {}
    if dataset.candidates.empty:
        reason = SectionStatus(False, "data", "suppliers/candidates.csv has no rows")
        return None, None, None, {"candidates": reason, "portfolio": reason, "frontier": reason}
    options: dict[str, object] = {"iso3": importer, "battery_gwh": gwh}
    cons = dataset.consumption
    if not ((cons["iso3"] == importer) & cons["demand_t"].notna()).any():
        options["self_sufficiency_mode"] = "none"  # no demand data: battery targets only
    # the three parts share one problem (candidates, targets, current supply): built once here,
    # its building counted against the portfolio's time limit as when optimize builds it
    built = time.monotonic()
    shared = _shared_problem(dataset, target_year, options)
    built = time.monotonic() - built
    scores = _optional_call(
        status, "candidates", "score_candidates",
        "scrisk.optimize.score_candidates(dataset, target_year, iso3=...) "
        "-> CandidateScores with .table",
        lambda score: pd.DataFrame(score(dataset, target_year, **options, **shared).table))
    solve = {"workers": workers, "seed": seed, "time_limit_s": time_limit_s}
    portfolio = _optional_call(
        status, "portfolio", "optimize_portfolio",
        "scrisk.optimize.optimize_portfolio(dataset, budget_oku_yen, "
        "target_year, iso3=..., workers=..., seed=...) -> PortfolioResult",
        lambda optimize: _portfolio_tables(
            optimize(dataset, "policy" if policy_budget else budget, target_year, **options,
                     **shared, **({"started": time.monotonic() - built} if shared else {}),
                     **solve)))
    budgets = sorted({round(budget * f, 6) for f in frontier_fractions})
    frontier = _optional_call(
        status, "frontier", "portfolio_frontier",
        "scrisk.optimize.portfolio_frontier(dataset, budgets, target_year, "
        "...) -> FrontierResult with .table, .headline, .target_value",
        lambda sweep: _frontier_table(
            sweep(shared["problem"], budgets, target_year, **solve) if shared else
            sweep(dataset, budgets, target_year, **options, **solve)))
    return scores, portfolio, frontier, status


def _shared_problem(dataset: Dataset, target_year: int, options: dict) -> dict:
    """``{"problem": build_problem(...)}`` for the portfolio parts, or ``{}``.

    Empty when the build fails or the function is missing: each part then
    builds (and reports the failure) itself, as it would alone.
    """
    try:
        from scrisk.optimize.problem import build_problem

        return {"problem": build_problem(dataset, target_year, **options)}
    except COMPUTE_ERRORS:
        return {}


def _optional_call(status: dict[str, SectionStatus], key: str, name: str, call: str,
                   compute: Callable[[Callable], object]):
    """``compute(scrisk.optimize.<name>)``, or ``None``; records the outcome in ``status[key]``.

    Parameters
    ----------
    status : dict
        Section statuses, updated in place: ``OK``, or why the part is missing
        (``module`` with the expected ``call`` when the function is absent in
        this build, ``error`` with the message of a ``ScriskError`` or
        ``ValueError`` raised by ``compute``).
    key : str
        Part of the report (``candidates``, ``portfolio`` or ``frontier``).
    name : str
        Function of :mod:`scrisk.optimize` passed to ``compute``.
    call : str
        The call expected, shown in the report when the function is missing.
    compute : callable
        Takes the function and returns the part's table(s).
    """
    try:
        import scrisk.optimize as optimize

        value = compute(getattr(optimize, name))
    except COMPUTE_ERRORS as err:
        status[key] = SectionStatus(False, "error", _describe(err, call))
        return None
    status[key] = OK
    return value


def _portfolio_tables(result) -> PortfolioTables:
    """The report's tables of a ``PortfolioResult`` (without run-dependent timings)."""
    summary = pd.DataFrame(result.summary())
    if "measure" in summary:  # wall-clock time would make the report differ run to run
        summary = summary.loc[~summary["measure"].astype(str).str.contains(
            "time", case=False)].reset_index(drop=True)
    return PortfolioTables(str(result.status), pd.DataFrame(result.selected),
                           pd.DataFrame(result.targets), summary, float(result.spend_oku_yen))


def _frontier_table(result) -> pd.DataFrame:
    """``FrontierResult.table`` with ``achieved`` (headline) and ``progress:<target>`` columns."""
    table = pd.DataFrame(result.table)
    column = f"achieved:{result.headline}"
    table["achieved"] = table[column] if column in table else np.nan
    runs = getattr(result, "results", ())
    required = (pd.DataFrame(runs[0].targets).set_index("name")["target"]
                if runs else pd.Series(dtype=float))
    for name, value in required.items():
        if f"achieved:{name}" in table and value > 0:
            table[f"progress:{name}"] = (table[f"achieved:{name}"] / value).clip(upper=1.0)
    return table


# --------------------------------------------------------------------------- overview


def headline_table(dataset: Dataset, importer: str, year: int, commodities: Sequence[str],
                   concentration_table: pd.DataFrame, gpr: pd.DataFrame,
                   details: Mapping[str, CommodityData]) -> pd.DataFrame:
    """One row per commodity: concentration by stage, GeoPolRisk and top import sources.

    Returns
    -------
    pandas.DataFrame
        ``commodity, group, mining_hhi, mining_top_iso3, mining_top_share,
        refining_hhi, refining_top_iso3, refining_top_share, score,
        score_change, score_fallback (partners weighted with the missing
        governance weight, ``;``-separated), score_fallback_share, import_stage, direct_top_iso3, direct_top_share,
        origin_top_iso3, origin_top_share``, highest GeoPolRisk score first.
    """
    from scrisk.report import exposure as ex

    com = dataset.commodities.set_index("commodity")
    # each table read once into plain lookups (first row per key, as the masks took it)
    stage_rows: dict[tuple[str, str], tuple] = {}
    for key in zip(concentration_table["commodity"], concentration_table["stage"],
                   concentration_table["hhi"], concentration_table["top1_iso3"],
                   concentration_table["top1_share"], strict=True):
        stage_rows.setdefault((key[0], key[1]), key[2:])
    gpr_years = gpr["year"].to_numpy()
    gpr_scores = gpr["score"].to_numpy(dtype=float)
    missing = np.full(len(gpr), np.nan, dtype=object)
    gpr_fallback = (gpr["governance_fallback"].to_numpy(dtype=object)
                    if "governance_fallback" in gpr else missing)
    gpr_fallback_share = (gpr["governance_fallback_share"].to_numpy(dtype=object)
                          if "governance_fallback_share" in gpr else missing)
    gpr_rows: dict[str, list[int]] = {}  # row positions of each commodity, in order
    for position, name in enumerate(gpr["commodity"].tolist()):
        gpr_rows.setdefault(name, []).append(position)
    rows = []
    for commodity in commodities:
        row: dict[str, object] = {"commodity": commodity, "group": com.at[commodity, "group"]}
        for stage in ("mining", "refining"):
            found = stage_rows.get((commodity, stage))
            row[f"{stage}_hhi"] = float(found[0]) if found else np.nan
            row[f"{stage}_top_iso3"] = found[1] if found else None
            row[f"{stage}_top_share"] = float(found[2]) if found else np.nan
        # the commodity's rows by year (one row per year)
        at = np.asarray(gpr_rows.get(commodity, []), dtype=int)
        at = at[np.argsort(gpr_years[at], kind="stable")]
        now = at[gpr_years[at] == year]
        row["score"] = float(gpr_scores[now[0]]) if len(now) else np.nan
        # partners weighted with the missing-value weight (geopolrisk_table says which)
        fallback = gpr_fallback[now[0]] if len(now) else None
        row["score_fallback"] = str(fallback) if isinstance(fallback, str) else ""
        row["score_fallback_share"] = float(gpr_fallback_share[now[0]]) if len(now) else np.nan
        row["score_change"] = (float(gpr_scores[now[0]]) - float(gpr_scores[at[0]])
                               if len(now) else np.nan)
        if commodity in details:
            data = details[commodity]
            stage = data.main_stage
            table = data.imports.get(stage) if stage else None
        else:
            table = ex.exposure(dataset, importer, commodity, year)
            stage = table.attrs.get("stage") if len(table) else None
        row["import_stage"] = stage
        if table is not None and len(table) and stage not in (None, "none"):
            # the first of the largest (as a stable descending sort, missing values last)
            direct_share = table["direct_share"].to_numpy(dtype=float)
            direct = int(np.argsort(-direct_share, kind="stable")[0])
            mined = np.flatnonzero((table["kind"] == ex.MINED).to_numpy(dtype=bool))
            share = table["share"].to_numpy(dtype=float)
            origin = (int(mined[np.argsort(-share[mined], kind="stable")[0]]) if len(mined)
                      else None)
            row["direct_top_iso3"] = table["origin"].iloc[direct]
            row["direct_top_share"] = float(direct_share[direct])
            row["origin_top_iso3"] = table["origin"].iloc[origin] if origin is not None else None
            row["origin_top_share"] = float(share[origin]) if origin is not None else np.nan
            row["origin_gap_share"] = ex.gap_share(table)
        else:
            row.update({"direct_top_iso3": None, "direct_top_share": np.nan,
                        "origin_top_iso3": None, "origin_top_share": np.nan,
                        "origin_gap_share": np.nan})
        rows.append(row)
    table = pd.DataFrame(rows)
    return table.sort_values(["score", "commodity"], ascending=[False, True], ignore_index=True,
                             na_position="last", kind="stable")


def criticality_table(dataset: Dataset, importer: str, year: int, commodities: Sequence[str],
                      gpr: pd.DataFrame) -> pd.DataFrame:
    """Criticality matrix data: EU-method supply risk and economic importance, plus GeoPolRisk.

    Returns
    -------
    pandas.DataFrame
        :func:`scrisk.metrics.criticality.criticality` columns (``commodity,
        supply_risk, economic_importance, ghhi_world, ghhi_sourcing,
        import_reliance, eol_rir, import_value_kusd``) with ``group`` and the
        GeoPolRisk ``score`` of the year.
    """
    from scrisk.metrics.criticality import criticality

    table = criticality(dataset, importer, year, list(commodities))
    com = dataset.commodities.set_index("commodity")
    now = gpr.loc[gpr["year"] == year].set_index("commodity")["score"]
    table.insert(1, "group", table["commodity"].map(com["group"]))
    table["score"] = table["commodity"].map(now).astype(float)
    return table.reset_index(drop=True)


# --------------------------------------------------------------------------- self-sufficiency


def self_sufficiency_data(dataset: Dataset, importer: str):
    """Self-sufficiency table, the target (value, year) and officially reported ratios."""
    from scrisk.metrics.self_sufficiency import self_sufficiency

    # The headline ratio is the procurement proxy (``ratio_procured``), the measure closest
    # to the official one; the entitlement ratio (``ratio``) stays beside it.
    table = self_sufficiency(dataset, importer)
    target, target_year = policy_value(dataset, importer, "base_metal_self_sufficiency")
    targets = dataset.policy_targets
    actual = targets.loc[(targets["iso3"] == importer)
                         & (targets["metric"] == "base_metal_self_sufficiency_actual")]
    reported = pd.DataFrame({"year": actual["year"].astype(int), "ratio": actual["value"],
                             "source": actual["source"]})
    base = table.loc[(table["commodity"] == "base_metals") & table["reported_ratio"].notna()]
    if len(base):
        extra = pd.DataFrame({"year": base["year"].astype(int), "ratio": base["reported_ratio"],
                              "source": "minerals/consumption.csv"})
        reported = pd.concat([extra, reported], ignore_index=True).drop_duplicates(
            "year", keep="last")
    return table, target, target_year, reported.sort_values("year", ignore_index=True)


def secured_facilities(dataset: Dataset, importer: str) -> pd.DataFrame:
    """Facilities in which the importer's companies hold equity or offtake, with their names.

    Returns
    -------
    pandas.DataFrame
        ``facility_id, name, commodity, stage, iso3, status, output_t, unit,
        secured_share, secured_t``.
    """
    from scrisk.metrics.self_sufficiency import secured_shares

    held = secured_shares(dataset, importer)
    names = dataset.facilities.set_index("facility_id")["name"]
    held.insert(1, "name", held["facility_id"].map(names))
    own = dataset.ownership
    own = own.loc[own["owner_iso3"] == importer]
    if "valid_to" in own:  # current holders only (an open end means still held)
        own = own.loc[own["valid_to"].isna()]
    owners: dict[str, list[str]] = {}
    for facility, owner in zip(own["facility_id"], own["owner"].astype(str), strict=True):
        names_of = owners.setdefault(facility, [])
        if owner not in names_of:
            names_of.append(owner)
    held.insert(2, "owners", held["facility_id"].map({k: ";".join(v)
                                                      for k, v in owners.items()}))
    return held


def battery_table(dataset: Dataset, importer: str, gwh: float) -> pd.DataFrame:
    """Needs and coverage of every chemistry-mix scenario, with published need estimates."""
    from scrisk.metrics.battery import battery_coverage

    parts = []
    for scenario in dict.fromkeys(dataset.battery_scenarios["scenario"]):
        part = battery_coverage(dataset, gwh, scenario, importer)
        part.insert(0, "scenario", scenario)
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["scenario", "material", "need_t", "secured_t", "coverage"])
    table = pd.concat(parts, ignore_index=True)
    targets = dataset.policy_targets
    published = targets.loc[(targets["iso3"] == importer)
                            & (targets["metric"] == "battery_material_need")]
    by_material = {str(t).rsplit("_", 1)[-1]: float(v)
                   for t, v in zip(published["target_id"], published["value"], strict=True)}
    material_key = table["material"].str.replace("_lce", "", regex=False)
    basis_gwh, _ = policy_value(dataset, importer,
                                "battery_manufacturing_capacity_japanese_firms_global")
    if by_material and np.isfinite(basis_gwh) and basis_gwh > 0:
        # METI's estimates are for the 600 GWh/yr of Japanese firms worldwide: scale linearly
        table["published_need_t"] = material_key.map(by_material).astype(float) * (
            gwh / basis_gwh)
        table.attrs["published_basis_gwh"] = basis_gwh
    return table


# --------------------------------------------------------------------------- provenance


def provenance_tables(dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sources by publisher and full citations (:func:`scrisk.data.licences.source_licences`)."""
    from scrisk.data.licences import source_licences

    return source_licences(dataset)


def data_fingerprint(dataset: Dataset) -> tuple[str, tuple[str, ...]]:
    """Short SHA-256 over the data files used, and their names relative to their folder."""
    digest = hashlib.sha256()
    names = []
    roots = [p for p in (dataset.overlay, dataset.path) if p is not None]
    for table in sorted(dataset.files):
        for file in dataset.files[table]:
            path = Path(file)
            label = path.name
            for root in roots:
                try:
                    label = ("overlay: " if root == dataset.overlay else "") + str(
                        path.relative_to(root))
                    break
                except ValueError:
                    continue
            names.append(label)
            digest.update(label.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12], tuple(names)


# --------------------------------------------------------------------------- everything


@single_blas_thread()
def report_data(dataset: Dataset, importer: str = "JPN", year: int | None = None,
                commodities: Iterable[str] | None = None, *, gwh: float | None = None,
                target_year: int = 2030, budget_oku_yen: float | None = None,
                seed: int = 0, draws: int = 2000, workers: int = 2,
                time_limit_s: float = 20.0, scenarios: Iterable[str | Path] | None = None,
                sections: Iterable[str] = SECTIONS,
                company: str | Path | None = None) -> ReportData:
    """Compute every table of the report once.

    Parameters
    ----------
    dataset : Dataset
    importer : str
        ISO3 code or name of the importing country (default Japan).
    year : int, optional
        Snapshot year (default: latest year with production and trade).
    commodities : iterable of str, optional
        Commodities to cover (default: details for base metals and battery
        metals, overview of all).
    gwh : float, optional
        Battery production to supply (default: the importer's
        ``battery_manufacturing_capacity_domestic`` target, else 150).
    target_year : int
        Year of the policy targets (2030).
    budget_oku_yen : float, optional
        Portfolio budget (default: ``budget_upstream_rights`` of
        ``policy_targets.csv``, else 1,597).
    seed, draws : int
        Seed and number of Monte Carlo draws of the scenario section.
    scenarios : iterable of path-like, optional
        Scenario files (or folders) to run (default: every file of the
        shipped ``scenarios/`` folder).
    workers, time_limit_s
        Solver threads and time limit per optimisation.
    sections : iterable of str
        Sections to compute (default all of :data:`SECTIONS`).
    company : path-like, optional
        A company procurement file (``docs/company.md``): adds the company
        section, with the losses under the report's scenarios.

    Returns
    -------
    ReportData
    """
    from scrisk.metrics.concentration import concentration
    from scrisk.metrics.geopolrisk import geopolrisk_table

    wanted = set(sections)
    unknown = wanted - set(SECTIONS)
    if unknown:
        raise UnknownChoiceError("report section", sorted(unknown)[0], SECTIONS)
    importer = dataset.check_country(importer)
    year = dataset.check_year(year, "trade") if year is not None else default_year(dataset)
    dataset.check_year(year, "production")
    detail, overview = resolve_commodities(dataset, commodities)
    if "commodities" not in wanted:
        detail = ()
    years = tuple(y for y in dataset.years("production") if y <= year)
    com = dataset.commodities.set_index("commodity")
    with_gpr = [c for c in overview if isinstance(com.at[c, "hs_gpr"], str)
                and com.at[c, "hs_gpr"].strip()]
    if gwh is None:
        value, _ = policy_value(dataset, importer, "battery_manufacturing_capacity_domestic")
        gwh = value if np.isfinite(value) else DEFAULT_GWH
    if gwh < 0:
        raise ReportError(f"--gwh must be >= 0 GWh per year, got {gwh}")
    policy_budget = budget_oku_yen is None  # the optimiser then follows the policy envelopes
    if budget_oku_yen is None:
        value, _ = policy_value(dataset, importer, "budget_upstream_rights")
        budget_oku_yen = value if np.isfinite(value) else DEFAULT_BUDGET_OKU_YEN
    if budget_oku_yen < 0:
        raise ReportError(f"--budget must be >= 0 oku-yen, got {budget_oku_yen}")
    files = scenario_files(scenarios) if "scenarios" in wanted else ()
    if files:  # read (and check) every file here, so that a bad file fails at once
        from scrisk.disruption import load_scenario

        for path in files:
            load_scenario(path, dataset)
    procurement = None
    if company is not None:
        from scrisk.metrics.company import read_procurement

        procurement = read_procurement(company, dataset)  # a bad file fails before any work
    # the commodity details, the scenario runs, the optimisations, the restriction shares
    # and the midstream tables are independent of each other: in the background (forked
    # workers) while the other tables are computed here
    gpr = (geopolrisk_table(dataset, [importer], with_gpr, years) if with_gpr
           else pd.DataFrame(columns=["importer", "commodity", "year", "hhi", "import_risk",
                                      "score"]))
    conc = concentration(dataset, None, None, year)
    conc = conc.loc[conc["commodity"].isin(list(overview))]
    background = Background()
    if detail:
        background.submit("details", commodity_details, dataset, importer, tuple(detail), year,
                          gpr, conc)
    if "scenarios" in wanted:
        background.submit("scenarios", scenario_tables, dataset, importer, year, seed, draws,
                          gwh, files)
    if "restrictions" in wanted:
        background.submit("restrictions", restriction_data, dataset, importer, overview,
                          tuple(y for y in years if y in dataset.years("trade")))
    if "portfolio" in wanted:
        background.submit("portfolio", portfolio_parts, dataset, importer, target_year, gwh,
                          budget_oku_yen, seed, workers, time_limit_s, policy_budget)
    if "battery" in wanted:
        background.submit("midstream", midstream_tables, dataset, importer)
    background.start()
    status: dict[str, SectionStatus] = {}
    criticality = criticality_table(dataset, importer, year, overview, gpr)

    ss = secured = pd.DataFrame()
    target, target_y, reported = float("nan"), None, pd.DataFrame(columns=["year", "ratio"])
    if "self_sufficiency" in wanted or "summary" in wanted:
        ss, target, target_y, reported = self_sufficiency_data(dataset, importer)
        secured = secured_facilities(dataset, importer)
        status["self_sufficiency"] = OK if len(ss) else SectionStatus(
            False, "data", f"minerals/consumption.csv has no base-metal demand for {importer}")
    battery = battery_table(dataset, importer, gwh) if ("battery" in wanted or "summary"
                                                        in wanted) else pd.DataFrame()
    from scrisk.metrics.summary import (
        POLICY_PRIORITY,
        concentration_trend,
        import_values,
        key_findings,
        rank_disruptions,
        target_path,
    )

    # everything that needs no background result, while the workers run
    priority = tuple(c for c in overview if c in POLICY_PRIORITY)
    appendix = tuple(c for c in overview if c not in POLICY_PRIORITY)
    trend_years = [y for y in years if y >= year - 6]
    trend = concentration_trend(dataset, priority or overview, years=trend_years)
    values = import_values(dataset, importer)
    recent = ss.loc[ss["year"] >= min(trend_years)] if len(ss) and trend_years else ss
    findings = key_findings(trend, self_sufficiency=recent if len(recent) else None,
                            reported=reported, target=target, target_year=target_y,
                            battery=_battery_focus(battery),
                            priority=priority or overview)
    path = pd.DataFrame()
    if len(reported) and np.isfinite(target) and target_y:
        last = reported.sort_values("year").iloc[-1]
        path = target_path(float(last["ratio"]), int(last["year"]), target, int(target_y))
    company_risk_table = None
    if procurement is not None:
        from scrisk.metrics.company import CompanyOptions, company_risk

        company_risk_table = company_risk(dataset, procurement, CompanyOptions(
            home=importer, scenarios=tuple(files)))
    families, citations = provenance_tables(dataset)
    fingerprint, data_files = data_fingerprint(dataset)
    mine_shares = mine_share_years(dataset, tuple(detail))

    details = background.result("details") if detail else {}
    if details:
        status["chokepoints"] = next(iter(details.values())).chokepoint_status
    headline = headline_table(dataset, importer, year, overview, conc, gpr, details)
    midstream = background.result("midstream") if "battery" in wanted else None
    scenario_results: tuple[ScenarioData, ...] = ()
    if "scenarios" in wanted:
        scenario_results, status["scenarios"] = background.result("scenarios")
    restrictions = None
    if "restrictions" in wanted:
        restrictions, status["restrictions"] = background.result("restrictions")
    scores = portfolio = frontier = None
    if "portfolio" in wanted:
        scores, portfolio, frontier, parts = background.result("portfolio")
        status.update(parts)
    background.close()
    path_years = range(min(2023, year), int(target_y or target_year) + 1)
    trajectory = trajectory_table(dataset, importer, portfolio, path_years) \
        if ("summary" in wanted and len(ss)) else pd.DataFrame()
    demand = demand_table(dataset, importer, portfolio, target_year) \
        if "summary" in wanted else pd.DataFrame()
    results = [sc.table.assign(scenario=k) for k, sc in enumerate(scenario_results)]
    now_values = values.loc[values["year"] == year].set_index("commodity")["value_kusd"]
    disruptions = (rank_disruptions(pd.concat(results, ignore_index=True), now_values,
                                    priority or None) if results else pd.DataFrame())
    return ReportData(
        importer=importer, year=year, years=years, commodities=tuple(details),
        overview=tuple(overview), headline=headline, criticality=criticality, details=details,
        self_sufficiency=ss, secured=secured, ssr_target=target, ssr_target_year=target_y,
        ssr_reported=reported, battery=battery, gwh=float(gwh), scenarios=scenario_results,
        candidates=scores, portfolio=portfolio, frontier=frontier, provenance=families,
        citations=citations, status=status, fingerprint=fingerprint, files=data_files,
        params={"importer": importer, "year": year, "target_year": target_year,
                "gwh": float(gwh), "budget_oku_yen": float(budget_oku_yen), "seed": seed,
                "draws": draws, "sections": tuple(s for s in SECTIONS if s in wanted)},
        appendix=appendix, findings=findings, trend=trend, import_value=values,
        disruptions=disruptions, ssr_path=path, trajectory=trajectory, midstream=midstream,
        demand=demand, company=company_risk_table, restrictions=restrictions,
        mine_shares=mine_shares)


def mine_share_years(dataset: Dataset, commodities: Sequence[str]) -> pd.DataFrame:
    """Mine shares of every country, year held and commodity (``ROW`` and zeros left out).

    Returns
    -------
    pandas.DataFrame
        ``iso3, share, commodity, year``, by commodity then year.
    """
    from scrisk.metrics.concentration import stage_shares

    parts = []
    for commodity in commodities:
        for year in dataset.years("production"):
            share = stage_shares(dataset, commodity, "mining", year)
            share = share.loc[(share > 0) & ~share.index.isin(["ROW"])]
            if len(share):
                parts.append(pd.DataFrame({"iso3": share.index.astype(str),
                                           "share": share.to_numpy(dtype=float),
                                           "commodity": commodity, "year": int(year)}))
    if not parts:
        return pd.DataFrame(columns=["iso3", "share", "commodity", "year"])
    return pd.concat(parts, ignore_index=True)


def midstream_tables(dataset: Dataset, importer: str) -> dict[str, object] | None:
    """:meth:`scrisk.metrics.midstream.BatteryGoal.tables` of the importer's cell goal.

    ``None`` when the data lack a domestic capacity target or the midstream tables.
    """
    from scrisk.disruption.midstream import _goal_chokepoints
    from scrisk.metrics.midstream import battery_goal

    try:
        goal = battery_goal(dataset, importer)
        tables = goal.tables()
    except COMPUTE_ERRORS:
        return None
    try:  # the goal's cells: producer countries and the element mines and refiners behind
        # (midstream_chokepoints of the goal's cells, reusing the goal's cell exposure)
        tables["chain"] = _goal_chokepoints(dataset, importer, goal).tables()
    except COMPUTE_ERRORS:
        tables["chain"] = None
    return tables


DEMAND_PATH = "policy_2035"  # the shipped demand path the executive summary shows


def demand_table(dataset: Dataset, importer: str, portfolio: PortfolioTables | None,
                 target_year: int) -> pd.DataFrame:
    """:func:`scrisk.metrics.summary.demand_outlook` of the policy demand path.

    Coverage counts existing stakes plus the recommended portfolio; an error
    (no vehicle data, a year outside the path) gives an empty table and the
    summary leaves the block out.
    """
    from scrisk.metrics.demand import shipped_paths
    from scrisk.metrics.summary import demand_outlook

    file = shipped_paths().get(DEMAND_PATH)
    if file is None:
        return pd.DataFrame()
    ids = (list(portfolio.selected["project_id"]) if portfolio is not None
           and "project_id" in portfolio.selected else None)
    try:
        return demand_outlook(dataset, file, target_year, ids or None, importer)
    except COMPUTE_ERRORS:
        return pd.DataFrame()


def restriction_data(dataset: Dataset, importer: str, commodities: Sequence[str],
                     years: Sequence[int]):
    """:func:`scrisk.metrics.restrictions.restriction_shares` for the report's commodities.

    Returns the result (or ``None``) and the section's status: ``data`` when the dataset
    has no export-restriction inventory or none of its commodities.
    """
    from scrisk.data.export_restrictions import restriction_table
    from scrisk.metrics.restrictions import restriction_shares

    inventory = restriction_table(dataset)
    named = [c for c in commodities if c in set(inventory["commodity"])]
    if not named or not years:
        return None, SectionStatus(False, "data", "minerals/export_restrictions.csv: no "
                                   "measure on the report's commodities")
    try:
        result = restriction_shares(dataset, importer=importer, commodities=tuple(named),
                                    years=tuple(years))
    except COMPUTE_ERRORS as err:
        return None, SectionStatus(False, "error", f"scrisk.metrics.restrictions: {err}")
    import dataclasses

    from scrisk.metrics.restrictions import restricted_rows

    # the report shows the commodity-stages with a share above zero in some year
    return dataclasses.replace(result, table=restricted_rows(result)), OK


def trajectory_table(dataset: Dataset, importer: str, portfolio: PortfolioTables | None,
                     years: Iterable[int]) -> pd.DataFrame:
    """Base-metal self-sufficiency per year, existing stakes and with the portfolio.

    :func:`scrisk.metrics.trajectory.trajectory` with the portfolio's project ids;
    an error (e.g. no demand data) gives an empty table and the summary draws the
    target path alone.
    """
    from scrisk.metrics.trajectory import trajectory

    ids = (list(portfolio.selected["project_id"]) if portfolio is not None
           and "project_id" in portfolio.selected else None)
    try:
        table = trajectory(dataset, ids or None, years=list(years), iso3=importer)
    except COMPUTE_ERRORS:
        return pd.DataFrame(columns=["year", "ratio_existing", "ratio"])
    base = table.loc[table["commodity"] == "base_metals", ["year", "ratio_existing", "ratio"]]
    return base.reset_index(drop=True)


def _battery_focus(battery: pd.DataFrame) -> pd.DataFrame | None:
    """Rows of the ``balanced`` chemistry mix (else the first) of the battery table."""
    if battery is None or battery.empty:
        return None
    scenarios = list(dict.fromkeys(battery["scenario"]))
    focus = "balanced" if "balanced" in scenarios else scenarios[0]
    return battery.loc[battery["scenario"] == focus].reset_index(drop=True)
