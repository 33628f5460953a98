"""Upstream portfolio optimisation: which candidate projects to back, at what stake.

The model (CP-SAT, integer-scaled; see :mod:`scrisk.optimize.model` and
``docs/methods.md``) chooses a stake for every candidate that is
online by the target year, within the budget, to

1. close the shortfall of each target (soft targets: shortfall variables,
   never a bare "infeasible"),
2. spend as little as possible,
3. diversify the importer's secured supply (linearised HHI penalty),

lexicographically (default) or as a weighted sum. Hard constraints: total
and optional yearly budgets, an optional cap on any one country's share of
the importer's secured supply of each commodity, excluded country groups.
With ``robust="worst"`` (or ``"cvar"``) the shortfall of each target is its
worst case (or CVaR) over disruption scenarios that remove a share of the
supply of some countries.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from types import MappingProxyType

import numpy as np
import pandas as pd

from scrisk.exceptions import UnknownChoiceError
from scrisk.optimize.budgets import ALL, POLICY, BudgetEnvelope, envelopes_from, make_envelope
from scrisk.optimize.model import (
    GREEDY,
    NOMINAL,
    IntegerModel,
    StageResult,
    compile_model,
    evaluate,
    solve_cp,
)
from scrisk.optimize.problem import (
    DEFAULT_GROUPS,
    PortfolioParameterError,
    PortfolioProblem,
    build_problem,
)
from scrisk.optimize.scenarios import loss_of

MET_TOLERANCE_PP = 1e-6
ENVELOPE_COLUMNS = ["envelope", "scope", "commodities", "budget_oku_yen", "spend_oku_yen",
                    "left_oku_yen", "source"]
TARGET_COST_COLUMNS = ["name", "label", "unit", "needed_t", "available_t", "max_achievable",
                       "cost_to_reach_oku_yen", "cost_myen_per_t_low", "cost_myen_per_t_high",
                       "envelope_oku_yen", "late_t", "reachable", "reason"]


@dataclass(frozen=True)
class PortfolioOptions:
    """Settings of one optimisation, shared by the API and ``scrisk optimize``.

    Build one and pass it as ``options=`` (or give its fields as keyword
    arguments) to :func:`optimize_portfolio`, :func:`solve_portfolio` and
    :func:`portfolio_frontier`.

    Attributes
    ----------
    budget_oku_yen : float, "policy" or None
        ``"policy"`` (default): the budget envelopes of ``policy_targets.csv``
        (the FY2024 supplementary budget's 1,597 oku-yen for base-metal
        rights) unless ``budgets`` are given; a number: one envelope over
        every commodity (added to ``budgets``); ``None``: no overall limit.
    budgets : sequence or mapping, optional
        Budget envelopes limited to commodities or groups:
        ``{"base_metals": 1597, "battery": 800}``, ``["copper+zinc=500"]``
        or :class:`~scrisk.optimize.budgets.BudgetEnvelope` objects. A
        candidate that no envelope covers is left out.
    commodities : tuple of str, optional
        Consider only candidates of these commodities (``--commodity``).
    annual_budget_oku_yen : float or mapping year -> float, optional
        Yearly spend limit; a project's cost is paid evenly from
        ``start_year`` to the year before it comes online.
    start_year : int
        First year of spending.
    stake_levels : tuple of float
        Discrete stakes as fractions of the offered stake (0 is always allowed).
    continuous, stake_step, min_stake
        Any stake from ``min_stake`` to the full offer in steps of ``stake_step``.
    max_country_share : float, optional
        Cap on any one country's share of the importer's secured supply of
        each commodity after the portfolio (a country already above it may
        not rise further).
    hhi_thresholds : tuple of float
        Breakpoints of the piecewise-linear HHI penalty.
    exclude_groups : tuple of str
        Country groups whose candidates are not considered.
    group_cost_penalty : mapping group -> float
        Count the cost of member-country candidates as ``(1 + p)`` times
        in the objective (the budget uses the real cost).
    robust : {None, "worst", "cvar"}
        Shortfall under the worst scenario, or its CVaR at ``cvar_alpha``.
    scenarios : mapping name -> {key: loss share}, path-like, optional
        See :mod:`scrisk.optimize.scenarios`. With a dataset, a scenario
        file or folder (default: the shipped ``scenarios/`` folder) read by
        the strict reader of :mod:`scrisk.disruption`.
    scenario_probabilities : mapping name -> float, optional
        Probability of each scenario (CVaR); the nominal case gets the rest.
        Default from files: the probabilities of their shocks (see
        :func:`scrisk.optimize.scenarios.scenario_set`); from a mapping:
        all scenarios and the nominal case equally likely.
    cvar_alpha : float
    objective : {"lexicographic", "weighted"}
    order : tuple of {"targets", "cost", "diversification"}
        Stage order of the lexicographic objective.
    weights : mapping, optional
        Weighted objective, natural units: ``targets`` per percentage point
        of (weighted) shortfall (default 1,000), ``cost`` per oku-yen (1),
        ``diversification`` per pp of the HHI penalty (10).
    time_limit_s : float
        Bound on the whole solve (model building and every stage), seconds.
    workers, seed, relative_gap
        CP-SAT settings (gap 0: prove optimality).
    """

    budget_oku_yen: float | str | None = "policy"
    budgets: object = None
    commodities: tuple[str, ...] | None = None
    annual_budget_oku_yen: float | Mapping[int, float] | None = None
    start_year: int = 2025
    stake_levels: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    continuous: bool = False
    stake_step: float = 0.01
    min_stake: float = 0.0
    max_country_share: float | None = None
    hhi_thresholds: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8)
    exclude_groups: tuple[str, ...] = ()
    group_cost_penalty: Mapping[str, float] = field(default_factory=dict)
    robust: str | None = None
    scenarios: Mapping[str, Mapping[str, float]] | None = None
    scenario_probabilities: Mapping[str, float] | None = None
    cvar_alpha: float = 0.8
    objective: str = "lexicographic"
    order: tuple[str, ...] = ("targets", "cost", "diversification")
    weights: Mapping[str, float] | None = None
    time_limit_s: float = 30.0
    workers: int = 8
    seed: int = 0
    relative_gap: float = 0.0

    @classmethod
    def build(cls, options: PortfolioOptions | None = None, **fields) -> PortfolioOptions:
        """``options`` (default: the defaults) with ``fields`` replaced; lists become tuples.

        Raises
        ------
        TypeError
            For a field that does not exist.

        Examples
        --------
        >>> PortfolioOptions.build(time_limit_s=5, stake_levels=[0.5, 1]).stake_levels
        (0.5, 1)
        """
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(fields) - known)
        if unknown:
            raise TypeError(f"unexpected option(s): {', '.join(unknown)}; options are "
                            f"{', '.join(sorted(known))}")
        clean = {}
        for key, value in fields.items():
            if isinstance(value, list) and key not in ("budgets",):
                value = tuple(value)
            if key in ("scenarios",) and isinstance(value, Mapping):
                value = {k: dict(v) for k, v in value.items()}
            if key in ("scenario_probabilities", "group_cost_penalty", "weights") and \
                    value is not None:
                value = dict(value)
            if key == "commodities" and value is not None:
                value = tuple(value)
            clean[key] = value
        return replace(options or cls(), **clean)

    def envelopes(self, problem: PortfolioProblem) -> tuple[BudgetEnvelope, ...]:
        """The budget envelopes these options set for ``problem`` (empty: no limit)."""
        groups = problem.commodity_group or DEFAULT_GROUPS
        out = list(envelopes_from(self.budgets, groups) or ())
        if isinstance(self.budget_oku_yen, str):
            if self.budget_oku_yen != POLICY:
                raise PortfolioParameterError(
                    f"budget_oku_yen must be a number, None or 'policy', got "
                    f"{self.budget_oku_yen!r}")
            if self.budgets is None:
                out = list(problem.policy_budgets)
        elif self.budget_oku_yen is not None:
            if any(e.name == ALL for e in out):
                raise PortfolioParameterError(
                    "give the overall budget once (budget_oku_yen or an 'all' envelope)")
            out.append(make_envelope(ALL, self.budget_oku_yen, groups))
        return tuple(out)

    def to_dict(self) -> dict:
        """Plain-Python copy for JSON."""
        out = asdict(self)
        budgets = self.budgets
        if budgets is not None and not isinstance(budgets, str | int | float | Mapping):
            out["budgets"] = [asdict(b) if isinstance(b, BudgetEnvelope) else b for b in budgets]
        for key, value in out.items():
            if isinstance(value, Mapping | MappingProxyType):
                out[key] = {str(k): (dict(v) if isinstance(v, Mapping) else v)
                            for k, v in value.items()}
            elif isinstance(value, tuple):
                out[key] = list(value)
            elif isinstance(value, os.PathLike):
                out[key] = str(value)
        return out


@dataclass(frozen=True)
class PortfolioResult:
    """Chosen projects, spend, targets achieved and missed, diversification, solver figures.

    Attributes
    ----------
    status : str
        ``optimal`` when every solve was proven optimal; ``feasible`` when
        the time limit stopped a stage with a solution (see ``gap``);
        ``greedy_fallback`` when the solver found no solution in the time
        limit and the greedy portfolio is returned (``gap`` is its distance
        to the solver's best bound); ``evaluated`` for
        :func:`evaluate_portfolio`.
    selected : pandas.DataFrame
        One row per backed project: ``project_id, name, commodity, stage,
        iso3, stake_fraction`` (of the offered stake), ``stake`` (equity
        share of the project), ``cost_oku_yen, secured_t`` (expected
        tonnes per year), ``unit, online_year, success_probability``.
    spend_oku_yen, budget_oku_yen : float
    targets : pandas.DataFrame
        One row per target: ``name, label, unit`` (``%``), ``target``,
        ``baseline``, ``achieved``, ``shortfall`` (percentage points),
        ``met``, tonnes (``required_t, achieved_t, shortfall_t``) and, in
        robust mode, ``worst_case_achieved`` (lowest over the scenarios, %)
        and ``robust_shortfall`` (worst-case or CVaR shortfall, pp: what the
        optimiser minimised).
    diversification : pandas.DataFrame
        Per commodity: HHI of the importer's secured supply by country
        before and after, the leading country and its share before and after.
    country_shares : pandas.DataFrame
        ``commodity, iso3, before_t, after_t, share_before, share_after``.
    stages : pandas.DataFrame
        One row per solve: ``stage, status, objective`` (integer-scaled),
        ``bound, gap, time_s``.
    solve_time_s : float
        Solver wall time, all stages.
    gap : float
        Largest relative optimality gap of the stages (0 when proven optimal).
    objective_parts : Mapping[str, float]
        ``weighted_shortfall_pp``, ``spend_oku_yen``,
        ``objective_spend_oku_yen`` (with group surcharges) and
        ``diversification_penalty`` (linearised HHI, pp of reference supply).
    excluded : pandas.DataFrame
        Candidates kept out of the model and why.
    options : PortfolioOptions
    notes : tuple of str
    envelopes : pandas.DataFrame
        One row per budget envelope: ``envelope, scope, commodities,
        budget_oku_yen, spend_oku_yen, left_oku_yen, source``.
    target_costs : pandas.DataFrame
        One row per target: what reaching it would cost at the candidates'
        cost per tonne and why it is out of reach; see :func:`target_costs`.
    """

    status: str
    selected: pd.DataFrame
    spend_oku_yen: float
    budget_oku_yen: float | None
    targets: pd.DataFrame
    diversification: pd.DataFrame
    country_shares: pd.DataFrame
    stages: pd.DataFrame
    solve_time_s: float
    gap: float
    objective_parts: Mapping[str, float]
    excluded: pd.DataFrame
    options: PortfolioOptions
    target_year: int
    notes: tuple[str, ...] = ()
    envelopes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ENVELOPE_COLUMNS))
    target_costs: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=TARGET_COST_COLUMNS))

    @property
    def targets_met(self) -> bool:
        """Whether every target is met (nominal case)."""
        return bool(self.targets["met"].all()) if len(self.targets) else True

    @property
    def shortfalls(self) -> pd.Series:
        """Shortfall of each target in percentage points (0 when met)."""
        return self.targets.set_index("name")["shortfall"]

    def summary(self) -> pd.DataFrame:
        """Key figures as ``measure, value, unit`` rows.

        Examples
        --------
        >>> from scrisk.optimize.synthetic import synthetic_problem
        >>> r = solve_portfolio(synthetic_problem(8, seed=2), budget_oku_yen=300.0, workers=1)
        >>> r.summary().set_index("measure").loc["proven_optimal", "value"]
        np.float64(1.0)
        """
        rows = [("proven_optimal", float(self.status == "optimal"), "yes=1"),
                ("projects_selected", float(len(self.selected)), "count"),
                ("spend", self.spend_oku_yen, "oku-yen")]
        if self.budget_oku_yen is not None:
            rows.append(("budget", float(self.budget_oku_yen), "oku-yen"))
        for t in self.targets.itertuples(index=False):
            rows += [(f"{t.name} target", t.target, "%"), (f"{t.name} achieved", t.achieved, "%"),
                     (f"{t.name} shortfall", t.shortfall, "pp")]
            if "robust_shortfall" in self.targets:
                rows += [(f"{t.name} worst-case achieved", t.worst_case_achieved, "%"),
                         (f"{t.name} robust shortfall", t.robust_shortfall, "pp")]
        for d in self.diversification.itertuples(index=False):
            rows += [(f"hhi {d.commodity} before", d.hhi_before, "0-1"),
                     (f"hhi {d.commodity} after", d.hhi_after, "0-1")]
        rows += [("solve_time", self.solve_time_s, "s"), ("gap", 100 * self.gap, "%")]
        return pd.DataFrame(rows, columns=["measure", "value", "unit"]).astype(
            {"value": float})

    def to_dict(self) -> dict:
        """JSON-ready payload: ``status, selected, spend_oku_yen, targets`` and more."""
        targets = []
        for t in self.targets.to_dict("records"):
            item = {"name": t["name"], "target": t["target"], "achieved": t["achieved"],
                    "shortfall": t["shortfall"], "unit": "%", "met": bool(t["met"]),
                    "baseline": t["baseline"], "required_t": t["required_t"],
                    "achieved_t": t["achieved_t"], "shortfall_t": t["shortfall_t"]}
            if "robust_shortfall" in t:
                item["worst_case_achieved"] = t["worst_case_achieved"]
                item["robust_shortfall"] = t["robust_shortfall"]
            targets.append(_plain(item))
        return {
            "status": self.status,
            "target_year": self.target_year,
            "selected": [_plain({"project_id": r["project_id"], "stake": r["stake"],
                                 "stake_fraction": r["stake_fraction"],
                                 "cost_oku_yen": r["cost_oku_yen"], "secured_t": r["secured_t"],
                                 "commodity": r["commodity"], "iso3": r["iso3"]})
                         for r in self.selected.to_dict("records")],
            "spend_oku_yen": float(self.spend_oku_yen),
            "budget_oku_yen": None if self.budget_oku_yen is None else float(self.budget_oku_yen),
            "targets": targets,
            "targets_met": self.targets_met,
            "diversification": [_plain(r) for r in self.diversification.to_dict("records")],
            "solve_time_s": float(self.solve_time_s),
            "gap": float(self.gap),
            "objective": self.options.objective,
            "objective_parts": {k: float(v) for k, v in self.objective_parts.items()},
            "notes": list(self.notes),
            "envelopes": [_plain(r) for r in self.envelopes.to_dict("records")],
            "target_costs": [_plain(r) for r in self.target_costs.to_dict("records")],
        }


def _plain(d: dict) -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and not np.isfinite(v):
            v = None
        out[k] = v
    return out


# --------------------------------------------------------------------------- API


def optimize_portfolio(dataset, budget_oku_yen: float | str | None = POLICY,
                       target_year: int = 2030, *, iso3: str = "JPN",
                       self_sufficiency_target: float | None = None,
                       self_sufficiency_mode: str = "aggregate",
                       metals: Sequence[str] | None = None,
                       battery_gwh: float | None = 150.0,
                       battery_scenario: str | None = "balanced",
                       battery_coverage_target: float = 1.0,
                       demand_growth: float = 0.0,
                       target_weights: Mapping[str, float] | None = None,
                       self_sufficiency_basis: str | None = None,
                       options: PortfolioOptions | None = None,
                       battery_path=None,
                       problem: PortfolioProblem | None = None,
                       started: float | None = None,
                       **fields) -> PortfolioResult:
    """Choose which candidate projects to back, and at what stake.

    Parameters
    ----------
    dataset : Dataset
        Its ``candidates`` table is the list to choose from (see
        :func:`scrisk.optimize.problem.dataset_with_candidates` for a file).
    budget_oku_yen : "policy", float or None
        ``"policy"`` (default): the envelopes of ``policy_targets.csv`` (the
        FY2024 supplementary budget's 1,597 oku-yen for base-metal rights);
        a number: one envelope over every commodity, oku-yen (100 million
        yen); ``None``: no overall limit. See :class:`PortfolioOptions`.
    target_year : int
        Targets are met by this year; later projects do not count.
    iso3, self_sufficiency_target, self_sufficiency_mode, metals, battery_gwh, battery_scenario,
    battery_coverage_target, demand_growth, target_weights, self_sufficiency_basis, battery_path
        The targets; see :func:`scrisk.optimize.problem.build_problem` (``battery_path``: a
        demand path whose needs in ``target_year`` replace ``battery_gwh``).
    options : PortfolioOptions, optional
    problem : PortfolioProblem, optional
        Reuse a problem already built from ``dataset`` (e.g. by
        :func:`scrisk.optimize.problem.build_problem` for a scoring and a
        frontier too); the target parameters are then not used.
    started : float, optional
        :func:`time.monotonic` when the run began (default: now); with a
        ``problem``, give the time its building began, so that the time limit
        bounds it too as when the problem is built here.
    **fields
        Fields of :class:`PortfolioOptions` (``budgets``, ``commodities``,
        ``max_country_share``, ``robust``, ``time_limit_s``, ...).

    Returns
    -------
    PortfolioResult

    Raises
    ------
    PortfolioParameterError
        For a negative budget, a stake level outside (0, 1], a country cap
        that no project can meet, ... (a subclass of InfeasibleTargetError).
    UnknownChoiceError
        For an unknown metal, budget scope, country group, scenario or objective.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> r = optimize_portfolio(load_dataset(), target_year=2030, workers=1)
    >>> r.status, r.envelopes["envelope"].tolist(), r.spend_oku_yen <= 1597
    ('optimal', ['base_metal'], True)
    >>> r.targets.columns[:7].tolist()
    ['name', 'label', 'unit', 'target', 'baseline', 'achieved', 'shortfall']
    """
    import time

    # building the problem counts against the time limit too
    started = time.monotonic() if started is None else started
    opts = PortfolioOptions.build(options, budget_oku_yen=budget_oku_yen, **fields)
    problem, opts = _prepare(dataset, target_year, opts, iso3=iso3,
                             self_sufficiency_target=self_sufficiency_target,
                             self_sufficiency_mode=self_sufficiency_mode, metals=metals,
                             battery_gwh=battery_gwh, battery_scenario=battery_scenario,
                             battery_coverage_target=battery_coverage_target,
                             demand_growth=demand_growth, target_weights=target_weights,
                             self_sufficiency_basis=self_sufficiency_basis,
                             battery_path=battery_path, problem=problem)
    return solve_portfolio(problem, options=opts, started=started)


PROBLEM_PARAMETERS = ("iso3", "self_sufficiency_target", "self_sufficiency_mode", "metals",
                      "battery_gwh", "battery_scenario", "battery_coverage_target",
                      "demand_growth", "target_weights", "self_sufficiency_basis",
                      "battery_path")


def _prepare(dataset, target_year: int, opts: PortfolioOptions,
             problem: PortfolioProblem | None = None, **problem_parameters
             ) -> tuple[PortfolioProblem, PortfolioOptions]:
    """The problem of a dataset, and the options with scenario files read and groups checked.

    ``problem_parameters`` are those of :func:`build_problem` (``PROBLEM_PARAMETERS``),
    used unless a ``problem`` already built from ``dataset`` is given.
    """
    if problem is None:
        problem = build_problem(dataset, target_year, **problem_parameters)
    groups = set(dataset.country_groups["group"])
    for group in (*opts.exclude_groups, *opts.group_cost_penalty):
        if group not in groups:
            dataset.group_members(group)  # raises UnknownChoiceError with the choices
    for commodity in opts.commodities or ():  # checked against commodities.csv
        if commodity not in set(dataset.commodities["commodity"]):
            raise UnknownChoiceError("commodity", commodity, dataset.commodities["commodity"])
    if opts.robust and (opts.scenarios is None or isinstance(opts.scenarios, str | os.PathLike)):
        from scrisk.optimize.scenarios import scenario_set

        cvar = opts.robust == "cvar"
        found = scenario_set(opts.scenarios, dataset=dataset, expand=cvar)
        opts = replace(opts, scenarios=found.losses,
                       scenario_probabilities=opts.scenario_probabilities
                       or (found.probabilities if cvar else None))
        if found.skipped:
            problem = replace(problem, notes=(*problem.notes, *(
                f"scenario {s}" for s in found.skipped)))
    return problem, opts


def solve_portfolio(problem: PortfolioProblem, budget_oku_yen: float | str | None = POLICY, *,
                    options: PortfolioOptions | None = None, started: float | None = None,
                    **fields) -> PortfolioResult:
    """Optimise a :class:`PortfolioProblem` (no dataset needed).

    Parameters
    ----------
    problem : PortfolioProblem
    budget_oku_yen : "policy", float or None
        As in :func:`optimize_portfolio`; a problem without policy envelopes
        (built from frames) has no spend limit under ``"policy"``.
    options : PortfolioOptions, optional
    started : float, optional
        :func:`time.monotonic` when the run began (default: now), so that the
        time limit also bounds building the problem before this call.
    **fields
        Fields of :class:`PortfolioOptions`, replacing those of ``options``.

    Returns
    -------
    PortfolioResult

    Examples
    --------
    >>> from scrisk.optimize.synthetic import synthetic_problem
    >>> r = solve_portfolio(synthetic_problem(10, seed=0), budget_oku_yen=400.0, workers=1)
    >>> r.status, r.spend_oku_yen <= 400.0
    ('optimal', True)
    >>> r = solve_portfolio(synthetic_problem(10, seed=0), None,
    ...                     budgets={"base_metals": 200, "battery": 100}, workers=1)
    >>> r.envelopes[["envelope", "budget_oku_yen"]].values.tolist()
    [['base_metal', 200.0], ['battery', 100.0]]
    """
    import time

    started = time.monotonic() if started is None else started
    if options is None or "budget_oku_yen" in fields or budget_oku_yen != POLICY:
        fields = {"budget_oku_yen": budget_oku_yen, **fields}
    opts = PortfolioOptions.build(options, **fields)
    if not opts.time_limit_s > 0:
        raise PortfolioParameterError(f"time_limit_s must be > 0, got {opts.time_limit_s}")
    deadline = started + float(opts.time_limit_s)
    model, excluded, envelopes = _compile(problem, opts)
    values, stages = solve_cp(model, objective=opts.objective, order=opts.order,
                              time_limit_s=opts.time_limit_s, workers=opts.workers,
                              seed=opts.seed, relative_gap=opts.relative_gap, deadline=deadline)
    result = result_from_values(problem, model, values, stages, opts, excluded, envelopes)
    return replace(result, solve_time_s=time.monotonic() - started)


def _compile(problem: PortfolioProblem, opts: PortfolioOptions, enforce_budget: bool = True
             ) -> tuple[IntegerModel, pd.DataFrame, tuple[BudgetEnvelope, ...]]:
    cand = problem.candidates
    excluded_rows = []
    for row in cand.loc[~cand["eligible"]].itertuples(index=False):
        excluded_rows.append((row.project_id, f"online {row.online_year} after "
                                              f"{problem.target_year}"))
    excluded_ids: list[str] = []

    def leave_out(mask, reason) -> None:
        for pid, commodity in zip(cand.loc[mask & cand["eligible"], "project_id"],
                                  cand.loc[mask & cand["eligible"], "commodity"], strict=True):
            if pid not in excluded_ids:
                excluded_ids.append(pid)
                excluded_rows.append((pid, reason(commodity)))

    if opts.commodities is not None:
        known = set(cand["commodity"]) | set(problem.commodity_group)
        for commodity in opts.commodities:
            if commodity not in known:
                raise UnknownChoiceError("commodity", commodity, sorted(known))
        leave_out(~cand["commodity"].isin(list(opts.commodities)),
                  lambda c: f"commodity {c} not among {', '.join(opts.commodities)}")
    for group in opts.exclude_groups:
        member = cand["groups"].str.split(";").apply(lambda g, grp=group: grp in g)
        leave_out(member, lambda c, grp=group: f"country group {grp} excluded")
    envelopes = opts.envelopes(problem)
    if envelopes:
        covered = cand["commodity"].apply(lambda c: any(e.covers(c) for e in envelopes))
        names = ", ".join(e.name for e in envelopes)
        leave_out(~covered, lambda c: f"no budget envelope covers {c} (envelopes: {names})")
    model = compile_model(
        problem, budgets=envelopes if enforce_budget else None,
        stake_levels=opts.stake_levels,
        continuous=opts.continuous, stake_step=opts.stake_step, min_stake=opts.min_stake,
        annual_budget_oku_yen=opts.annual_budget_oku_yen, start_year=opts.start_year,
        max_country_share=opts.max_country_share, hhi_thresholds=opts.hhi_thresholds,
        exclude=excluded_ids, group_cost_penalty=opts.group_cost_penalty,
        scenarios=opts.scenarios, scenario_probabilities=opts.scenario_probabilities,
        robust=opts.robust, cvar_alpha=opts.cvar_alpha, weights=opts.weights,
        cap_check_time_s=min(2.0, 0.05 * float(opts.time_limit_s)))
    return model, pd.DataFrame(excluded_rows, columns=["project_id", "reason"]), envelopes


def evaluate_portfolio(problem: PortfolioProblem, stakes: Mapping[str, float],
                       **options) -> PortfolioResult:
    """Targets, spend and diversification of a portfolio you choose (no optimisation).

    Parameters
    ----------
    problem : PortfolioProblem
    stakes : mapping project_id -> fraction of the offered stake
        Fractions must be allowed stake levels (or on the continuous grid).
    **options
        Fields of :class:`PortfolioOptions` (budgets, scenarios, ... are
        reported, not enforced).

    Returns
    -------
    PortfolioResult
        With ``status="evaluated"``; ``stages`` holds the integer-scaled
        objective values of the choice.

    Examples
    --------
    >>> from scrisk.optimize.synthetic import synthetic_problem
    >>> p = synthetic_problem(6, seed=0, late_share=0.0)
    >>> r = evaluate_portfolio(p, {"P0000": 0.5})
    >>> r.selected["stake_fraction"].tolist(), r.status
    ([0.5], 'evaluated')
    """
    opts = PortfolioOptions.build(None, **options)
    model, excluded, envelopes = _compile(problem, opts, enforce_budget=False)
    index = {pid: i for i, pid in enumerate(model.project_ids)}
    units = np.zeros(model.n, dtype=np.int64)
    for pid, fraction in stakes.items():
        if pid not in index:
            raise UnknownChoiceError("project_id of an eligible candidate", pid, index)
        value = round(float(fraction) * model.grid)
        if abs(value - float(fraction) * model.grid) > 1e-6 or value not in model.stake_values(
                index[pid]):
            raise PortfolioParameterError(
                f"stake {fraction} of {pid} is not an allowed fraction of the offered stake "
                f"({[v / model.grid for v in model.stake_values(index[pid])][:6]}...)")
        units[index[pid]] = value
    values = evaluate(model, units)
    stages = [StageResult(name, "evaluated", values[name], float("nan"), 0.0, 0.0)
              for name in ("targets", "cost", "diversification")]
    result = result_from_values(problem, model, units, stages, opts, excluded, envelopes)
    return replace(result, status="evaluated")


# --------------------------------------------------------------------------- results


def result_from_values(problem: PortfolioProblem, model: IntegerModel, values: np.ndarray,
                       stages: Sequence[StageResult], options: PortfolioOptions,
                       excluded: pd.DataFrame | None = None,
                       envelopes: Sequence[BudgetEnvelope] = ()) -> PortfolioResult:
    """Evaluate a choice of stake units in real (unscaled) numbers."""
    cand = problem.candidates.set_index("project_id").loc[list(model.project_ids)]
    frac = np.asarray(values, dtype=float) / model.grid
    chosen = cand.assign(stake_fraction=frac)
    chosen["stake"] = chosen["stake_fraction"] * chosen["stake_offered"]
    chosen["cost_oku_yen"] = chosen["stake_fraction"] * chosen["cost_oku_yen"]
    chosen["secured_t"] = chosen["stake_fraction"] * chosen["full_t"]
    chosen = chosen.reset_index()
    selected = chosen.loc[frac > 0, ["project_id", "name", "commodity", "stage", "iso3",
                                     "stake_fraction", "stake", "cost_oku_yen", "secured_t",
                                     "unit", "online_year", "success_probability"]]
    selected = selected.sort_values(["commodity", "project_id"], ignore_index=True)
    spend = float(chosen["cost_oku_yen"].sum())

    scen = options.scenarios or {}
    names = model.scenario_names
    loss = np.array([[0.0 if s == NOMINAL else loss_of(scen[s], c, k)
                      for c, k in zip(chosen["commodity"], chosen["iso3"], strict=True)]
                     for s in names]).reshape(len(names), len(chosen))
    contrib = problem.contributions.loc[list(model.project_ids)]
    probs = model.scenario_weight / model.scenario_weight.sum()
    rows = []
    weighted_short = 0.0
    for target in problem.targets:
        tb = problem.target_baseline.loc[problem.target_baseline["target"] == target.name]
        per_s = []
        for si, s in enumerate(names):
            keep = np.array([1 - (0.0 if s == NOMINAL else loss_of(scen[s], c, k))
                             for c, k in zip(tb["commodity"], tb["iso3"], strict=True)])
            base_t = target.fixed_t + float((tb["secured_t"].to_numpy() * keep).sum())
            new_t = float((contrib[target.name].to_numpy() * frac * (1 - loss[si])).sum())
            per_s.append((base_t, base_t + new_t))
        baseline_t, achieved_t = per_s[0]
        required_t = target.required_ratio * target.denominator_t
        short_t = max(0.0, required_t - achieved_t)
        row = {"name": target.name, "label": target.label, "unit": "%",
               "target": 100 * target.required_ratio,
               "baseline": 100 * baseline_t / target.denominator_t,
               "achieved": 100 * achieved_t / target.denominator_t,
               "shortfall": 100 * short_t / target.denominator_t,
               "met": bool(100 * short_t / target.denominator_t <= MET_TOLERANCE_PP),
               "required_t": required_t, "achieved_t": achieved_t, "shortfall_t": short_t,
               "tonnes_unit": target.unit}
        if options.robust:
            shorts = np.array([max(0.0, required_t - a) for _, a in per_s])
            measure = (shorts.max() if options.robust == "worst"
                       else _cvar(shorts, probs, options.cvar_alpha))
            row["robust_shortfall"] = 100 * measure / target.denominator_t
            row["worst_case_achieved"] = 100 * min(a for _, a in per_s) / target.denominator_t
            weighted_short += target.weight * row["robust_shortfall"]
        else:
            weighted_short += target.weight * row["shortfall"]
        rows.append(row)
    targets = pd.DataFrame(rows, columns=[
        "name", "label", "unit", "target", "baseline", "achieved", "shortfall", "met",
        "required_t", "achieved_t", "shortfall_t", "tonnes_unit",
        *(["worst_case_achieved", "robust_shortfall"] if options.robust else [])])

    shares, diversification, penalty = _mix(problem, chosen, model)
    surcharge_spend = float((model.cost_objective / 100.0 * frac).sum()) if model.n else 0.0
    stage_frame = pd.DataFrame([s.__dict__ for s in stages],
                               columns=["name", "status", "objective", "bound", "gap", "time_s"]
                               ).rename(columns={"name": "stage"})
    status = "optimal" if all(s.status in ("optimal", "evaluated") for s in stages) \
        else "feasible"
    if any(s.status == GREEDY for s in stages) and not any(
            s.status in ("optimal", "feasible") for s in stages):
        status = GREEDY
    gaps = [s.gap for s in stages if np.isfinite(s.gap)]
    notes = list(problem.notes)
    if status == GREEDY:
        notes.append(f"no solution found within the time limit of {options.time_limit_s:g} s: "
                     "this is the greedy portfolio (best shortfall cut per yen), not an "
                     "optimum; its gap to the solver's bound is shown")
    env_rows = []
    for env in envelopes:
        member = chosen["commodity"].apply(env.covers)
        used = float(chosen.loc[member, "cost_oku_yen"].sum())
        env_rows.append({"envelope": env.name, "scope": env.scope,
                         "commodities": "all" if env.commodities is None
                         else ";".join(env.commodities),
                         "budget_oku_yen": env.amount_oku_yen, "spend_oku_yen": used,
                         "left_oku_yen": env.amount_oku_yen - used, "source": env.source})
    envelope_frame = pd.DataFrame(env_rows, columns=ENVELOPE_COLUMNS)
    costs = target_costs(problem, model, frac, envelopes, targets, excluded)
    if model.cap_limit is not None:
        cap = round(options.max_country_share * 1000)
        over = [(model.commodities[c], model.countries[k]) for c, k in model.cap_pairs
                if model.cap_limit[c, k] > cap]
        if over:
            notes.append("already above the country cap, kept from rising: "
                         + ", ".join(f"{k} ({c})" for c, k in over))
        if model.cap_blocked:
            notes.append(f"the country cap of {options.max_country_share:g} rules out every "
                         f"candidate of {', '.join(model.cap_blocked)} (too few supplier "
                         "countries to stay under it)")
    return PortfolioResult(
        status=status, selected=selected, spend_oku_yen=spend,
        budget_oku_yen=float(sum(e.amount_oku_yen for e in envelopes)) if envelopes else None,
        targets=targets,
        diversification=diversification, country_shares=shares, stages=stage_frame,
        solve_time_s=float(sum(s.time_s for s in stages)),
        gap=float(max(gaps, default=0.0)),
        objective_parts=MappingProxyType({
            "weighted_shortfall_pp": weighted_short, "spend_oku_yen": spend,
            "objective_spend_oku_yen": surcharge_spend, "diversification_penalty": penalty}),
        excluded=excluded if excluded is not None else pd.DataFrame(
            columns=["project_id", "reason"]),
        options=options, target_year=problem.target_year, notes=tuple(notes),
        envelopes=envelope_frame, target_costs=costs)


def target_costs(problem: PortfolioProblem, model: IntegerModel, fractions: np.ndarray,
                 envelopes: Sequence[BudgetEnvelope], targets: pd.DataFrame,
                 excluded: pd.DataFrame | None = None) -> pd.DataFrame:
    """What reaching each target would cost at the candidates' cost per tonne, and why not.

    For each target the candidates in the model that count toward it are
    sorted by cost per tonne they add (``cost_oku_yen / tonnes`` at the full
    offered stake) and bought in that order, the last one in part, until the
    tonnes still needed from the baseline are covered: the cheapest
    possible cost at any stake (a fractional knapsack, a lower bound on what
    discrete stakes cost).

    Returns
    -------
    pandas.DataFrame
        ``name, label, unit`` (of the tonnes), ``needed_t`` (required minus
        baseline), ``available_t`` (every counting candidate at its full
        stake), ``max_achievable`` (% with all of them), ``cost_to_reach_oku_yen``
        (NaN when the candidates run out), ``cost_myen_per_t_low/high`` (million
        yen per tonne, cheapest and dearest counting candidate),
        ``envelope_oku_yen`` (what the envelopes allow for its commodities;
        inf without a limit), ``late_t`` (tonnes of candidates online after
        the target year), ``reachable`` and ``reason``.
    """
    from scrisk.optimize.problem import BATTERY, _unit_factor

    ids = list(model.project_ids)
    cand = problem.candidates.set_index("project_id")
    in_model = cand.loc[ids] if ids else cand.iloc[:0]
    late = cand.loc[~cand["eligible"]]
    left_out = excluded.loc[~excluded["reason"].str.startswith("online ")] \
        if excluded is not None and len(excluded) else pd.DataFrame(columns=["project_id",
                                                                           "reason"])
    achieved = targets.set_index("name")["achieved"] if len(targets) else pd.Series(dtype=float)
    contributions = problem.contributions.loc[ids] if ids else None
    cost = in_model["cost_oku_yen"].to_numpy(dtype=float)
    late_commodity, late_stage = late["commodity"].to_numpy(), late["stage"].to_numpy()
    late_full, late_unit = late["full_t"].tolist(), late["unit"].tolist()
    left_commodity = left_out["project_id"].map(cand["commodity"])
    rows = []
    for t in problem.targets:
        contrib = contributions[t.name].to_numpy(dtype=float) if ids else np.zeros(0)
        counts = contrib > 0
        baseline = problem.baseline_of(t.name)
        required = t.required_ratio * t.denominator_t
        needed = max(0.0, required - baseline)
        available = float(contrib[counts].sum())
        per_t = cost[counts] / contrib[counts]
        order = np.argsort(per_t, kind="stable")
        tonnes, spend = contrib[counts][order], cost[counts][order]
        before = np.concatenate([[0.0], np.cumsum(tonnes)[:-1]])  # tonnes bought before each
        take = np.clip((needed - before) / tonnes, 0.0, 1.0) if len(tonnes) else tonnes
        to_reach = float((take * spend).sum())
        material = t.name.split(":", 1)[1] if t.kind == BATTERY else None
        late_match = np.isin(late_commodity, list(t.commodities)) & np.isin(late_stage,
                                                                             list(t.stages))
        late_t = float(sum(full * (_unit_factor(material, unit) or 0.0)
                           for full, unit, match in zip(late_full, late_unit, late_match,
                                                        strict=True) if match))
        commodities = sorted(set(t.commodities))
        if envelopes:
            touching = [e for e in envelopes if any(e.covers(c) for c in commodities)]
            whole = [e.amount_oku_yen for e in touching
                     if all(e.covers(c) for c in commodities)]
            allowance = min([sum(e.amount_oku_yen for e in touching), *whole]) if touching \
                else 0.0
        else:
            allowance = float("inf")
        reachable = available >= needed - 1e-9 and to_reach <= allowance + 1e-9
        left = left_out.loc[left_commodity.isin(commodities)]
        pct = 100.0 / t.denominator_t
        done = float(achieved.get(t.name, np.nan)) >= 100 * t.required_ratio - MET_TOLERANCE_PP
        extra = []
        if late_t > 0:
            extra.append(f"{late_t:,.0f} t more come online after {problem.target_year}")
        if len(left):
            reasons = sorted(set(left["reason"]))
            extra.append(f"{len(left)} candidate(s) left out ({'; '.join(reasons)})")
        if needed <= 0:
            reason = "met without new stakes"
        elif not counts.any():
            reason = "out of reach: no candidate in the model counts toward it"
        elif available < needed - 1e-9:
            reason = (f"out of reach: candidates run out; every counting candidate at its full "
                      f"offered stake adds {available:,.0f} {t.unit}, {needed - available:,.0f} "
                      f"{t.unit} short of the {needed:,.0f} needed (at most "
                      f"{pct * (baseline + available):.1f} % of {100 * t.required_ratio:g} %)")
        elif to_reach > allowance + 1e-9:
            scope = ", ".join(commodities)
            reason = (f"out of reach within the budget: reaching it needs about "
                      f"{to_reach:,.0f} oku-yen at the candidates' cost per tonne, the budget "
                      f"envelopes allow {allowance:,.0f} for {scope}")
        elif done:
            reason = "met by the portfolio"
        else:
            reason = ("affordable at the candidates' cost per tonne with any stake; the stake "
                      "levels, the country cap or other targets sharing the envelope keep "
                      "it short")
        if extra and needed > 0 and not done:
            reason += "; " + "; ".join(extra)
        rows.append({"name": t.name, "label": t.label, "unit": t.unit, "needed_t": needed,
                     "available_t": available,
                     "max_achievable": pct * (baseline + available),
                     "cost_to_reach_oku_yen": to_reach if available >= needed - 1e-9
                     else np.nan,
                     "cost_myen_per_t_low": 100 * float(per_t.min()) if counts.any() else np.nan,
                     "cost_myen_per_t_high": 100 * float(per_t.max()) if counts.any() else np.nan,
                     "envelope_oku_yen": allowance, "late_t": late_t,
                     "reachable": bool(reachable), "reason": reason})
    return pd.DataFrame(rows, columns=TARGET_COST_COLUMNS)


def _cvar(shorts: np.ndarray, probs: np.ndarray, alpha: float) -> float:
    """CVaR_alpha of a discrete loss: min over eta of eta + E[(L - eta)+] / (1 - alpha)."""
    candidates = np.concatenate([[0.0], shorts])
    values = [eta + (probs * np.maximum(0.0, shorts - eta)).sum() / (1 - alpha)
              for eta in candidates]
    return float(min(values))


def _mix(problem: PortfolioProblem, chosen: pd.DataFrame, model: IntegerModel
         ) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Country mix of the importer's secured supply before/after, HHI and the HHI penalty."""
    sb = problem.supply_baseline
    commodities = sorted(set(problem.candidates["commodity"]))
    before = sb.loc[sb["commodity"].isin(commodities)].groupby(
        ["commodity", "iso3"])["secured_t"].sum()
    added = chosen.groupby(["commodity", "iso3"])["secured_t"].sum()
    frame = pd.concat([before.rename("before_t"), added.rename("added_t")], axis=1).fillna(0.0)
    frame["after_t"] = frame["before_t"] + frame["added_t"]
    frame = frame.loc[(frame["before_t"] > 0) | (frame["after_t"] > 0)].reset_index()
    tot_b = frame.groupby("commodity")["before_t"].transform("sum")
    tot_a = frame.groupby("commodity")["after_t"].transform("sum")
    frame["share_before"] = (frame["before_t"] / tot_b.where(tot_b > 0)).fillna(0.0)
    frame["share_after"] = (frame["after_t"] / tot_a.where(tot_a > 0)).fillna(0.0)
    frame = frame.sort_values(["commodity", "after_t"], ascending=[True, False],
                              ignore_index=True)
    rows = []
    thresholds = model.hhi_thresholds / 1000.0
    slopes = model.hhi_slopes / 1000.0
    penalty = 0.0
    # the rows of a commodity are contiguous (sorted by commodity): one slice each
    names = frame["commodity"].tolist()
    iso3 = frame["iso3"].tolist()
    before_t, after_t = frame["before_t"].to_numpy(), frame["after_t"].to_numpy()
    share_b, share_a = frame["share_before"].to_numpy(), frame["share_after"].to_numpy()
    starts = [k for k in range(len(names)) if k == 0 or names[k] != names[k - 1]]
    for start, stop in zip(starts, [*starts[1:], len(names)], strict=True):
        commodity = names[start]
        b, a = share_b[start:stop], share_a[start:stop]
        held = before_t[start:stop].sum() > 0  # tonnes >= 0: the sign of any sum
        top_b = start + int(np.argmax(b)) if held else None  # first largest, as idxmax
        top_a = start + int(np.argmax(a))
        rows.append({"commodity": commodity,
                     "hhi_before": float((b**2).sum()) if held else np.nan,
                     "hhi_after": float((a**2).sum()),
                     "top_before": None if top_b is None else iso3[top_b],
                     "top_share_before": np.nan if top_b is None else float(share_b[top_b]),
                     "top_after": iso3[top_a], "top_share_after": float(share_a[top_a]),
                     "countries_after": int((after_t[start:stop] > 0).sum())})
        if commodity in model.commodities:
            ref = float(problem.reference_t.get(commodity, 1.0))
            x = after_t[start:stop]
            excess = np.maximum(0.0, x[:, None] - thresholds[None, :] * x.sum())
            penalty += 100 * float((excess * slopes[None, :]).sum()) / ref
    cols = ["commodity", "hhi_before", "hhi_after", "top_before", "top_share_before",
            "top_after", "top_share_after", "countries_after"]
    shares = frame[["commodity", "iso3", "before_t", "after_t", "share_before", "share_after"]]
    return shares, pd.DataFrame(rows, columns=cols), penalty


# --------------------------------------------------------------------------- frontier


@dataclass(frozen=True)
class FrontierResult:
    """Budget vs targets and diversification: one optimisation per budget.

    Attributes
    ----------
    table : pandas.DataFrame
        ``budget_oku_yen, spend_oku_yen, status, gap``, one ``achieved:<target>``
        column (%) per target, ``total_shortfall_pp`` and ``mean_hhi``
        (mean over commodities of the HHI of the importer's secured supply).
    headline : str
        The target plotted on the main axis.
    target_value : float
        Its required value (%).
    """

    table: pd.DataFrame
    headline: str
    target_value: float
    results: tuple[PortfolioResult, ...] = field(repr=False, default=())

    def summary(self) -> pd.DataFrame:
        """The frontier table."""
        return self.table.copy()

    def plot(self, ax=None):
        """Plot the frontier; see :func:`plot_frontier`."""
        return plot_frontier(self, ax=ax)


def portfolio_frontier(source, amounts: Sequence[float], target_year: int = 2030, *,
                       envelope: str | None = None, options: PortfolioOptions | None = None,
                       **kwargs) -> FrontierResult:
    """Solve the portfolio for each budget: the budget vs self-sufficiency trade-off.

    Each point sets the amount of one budget envelope (``envelope``,
    default the first of the run: the policy's base-metal envelope unless
    ``budgets``/``budget_oku_yen`` say otherwise) and keeps the others.

    Parameters
    ----------
    source : Dataset or PortfolioProblem
    amounts : sequence of float
        Amounts of the varied envelope, oku-yen (the frontier's budgets).
    target_year : int
        Used when ``source`` is a Dataset.
    envelope : str, optional
        Name of the envelope to vary (``base_metal``, ``all``, ``battery``, ...).
    options : PortfolioOptions, optional
    **kwargs
        Target parameters (as for :func:`optimize_portfolio`, Dataset only)
        and fields of :class:`PortfolioOptions`.

    Examples
    --------
    >>> from scrisk.optimize.synthetic import synthetic_problem
    >>> f = portfolio_frontier(synthetic_problem(8, seed=1), [0, 200, 800], workers=1)
    >>> f.table["budget_oku_yen"].tolist(), f.table["envelope"].iloc[0]
    ([0.0, 200.0, 800.0], 'all')
    >>> bool(f.table["total_shortfall_pp"].is_monotonic_decreasing)
    True
    """
    budgets = [float(b) for b in amounts]
    if not budgets:
        raise PortfolioParameterError("give at least one budget for the frontier")
    target_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in PROBLEM_PARAMETERS}
    opts = PortfolioOptions.build(options, **kwargs)
    if isinstance(source, PortfolioProblem):
        if target_kwargs:
            raise TypeError(f"target parameters need a Dataset: {', '.join(target_kwargs)}")
        problem = source
    else:
        problem, opts = _prepare(source, target_year, opts, **target_kwargs)
    base = list(opts.envelopes(problem)) or [make_envelope(
        ALL, 0.0, problem.commodity_group or DEFAULT_GROUPS)]
    names = [e.name for e in base]
    varied = envelope if envelope is not None else names[0]
    if varied not in names:
        raise UnknownChoiceError("budget envelope of the frontier", varied, names)
    results = []
    for budget in budgets:
        run = tuple(e.with_amount(budget) if e.name == varied else e for e in base)
        results.append(solve_portfolio(problem, None, options=replace(
            opts, budget_oku_yen=None, budgets=run)))
    rows = []
    for budget, r in zip(budgets, results, strict=True):
        row = {"budget_oku_yen": budget, "envelope": varied, "spend_oku_yen": r.spend_oku_yen,
               "status": r.status, "gap": r.gap}
        for t in r.targets.itertuples(index=False):
            row[f"achieved:{t.name}"] = t.achieved
        row["total_shortfall_pp"] = float(r.targets["shortfall"].sum())
        row["mean_hhi"] = float(r.diversification["hhi_after"].mean()) \
            if len(r.diversification) else np.nan
        rows.append(row)
    table = pd.DataFrame(rows)
    names = list(results[0].targets["name"]) if len(results[0].targets) else []
    headline = next((n for n in names if n.startswith("self_sufficiency")), names[0] if names
                    else "")
    value = float(results[0].targets.set_index("name").loc[headline, "target"]) if headline \
        else np.nan
    return FrontierResult(table, headline, value, tuple(results))


def plot_frontier(frontier: FrontierResult, ax=None):
    """Budget (x) against the headline target achieved and the mean HHI (right axis).

    Parameters
    ----------
    frontier : FrontierResult
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The main axes (the HHI axis is its twin).
    """
    import matplotlib

    if ax is None:
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7.5, 4.5))
    table = frontier.table
    col = f"achieved:{frontier.headline}"
    if col in table:
        ax.plot(table["budget_oku_yen"], table[col], marker="o", color="tab:blue",
                label=f"{frontier.headline} achieved (%)")
        ax.axhline(frontier.target_value, color="tab:blue", linestyle="--", linewidth=1,
                   label=f"target {frontier.target_value:g} %")
    envelope = str(table["envelope"].iloc[0]) if "envelope" in table and len(table) else "all"
    ax.set_xlabel("Budget (oku-yen, 100 million yen)" if envelope == "all" else
                  f"Budget of the {envelope.replace('_', '-')} envelope (oku-yen, 100 million yen)")
    label = frontier.headline
    if frontier.results and len(frontier.results[0].targets):
        labels = frontier.results[0].targets.set_index("name")["label"]
        label = str(labels.get(frontier.headline, label))
    ax.set_ylabel(f"{label} (%)")
    twin = ax.twinx()
    twin.plot(table["budget_oku_yen"], table["mean_hhi"], marker="s", color="tab:orange",
              label="mean HHI of secured supply")
    twin.set_ylabel("Mean HHI of secured supply by country (0-1)")
    twin.set_ylim(0, 1.05)
    lines = ax.get_legend_handles_labels()
    lines2 = twin.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="best", fontsize=8,
              framealpha=0.9)
    ax.set_title("Budget vs self-sufficiency and diversification")
    ax.figure.text(0.01, 0.01, "Source: scrisk portfolio optimisation (CP-SAT) on the candidate "
                   "list; candidate costs and stakes are often illustrative.", fontsize=7,
                   color="0.35")
    return ax
