"""Integer data of the portfolio model and its CP-SAT formulation.

CP-SAT accepts integer coefficients only, so every number of the model is
scaled to an integer here, once, with the factors below; the brute-force
tests enumerate portfolios over exactly these integers.

``G`` (stake grid)
    Stakes are integers ``u`` in ``0..G`` counting ``1/G`` of the offered
    stake. Discrete levels (default 25/50/75/100 %) give ``G = 4`` (the
    least common denominator of the levels); continuous stakes use
    ``G = 1 / stake_step`` (100 for 1 % steps).
``TARGET_SCALE = 10**6`` (``S``)
    A candidate's contribution to a target is ``round(S x tonnes at the full
    offered stake / denominator)``; target sums ``sum(A_i u_i)`` are then in
    ``1 / (S G)`` of the target's denominator (1e-6 percentage points
    of demand with ``G = 4``). Supply in the diversification terms uses the
    same scale with the commodity's reference tonnes as denominator.
``COST_SCALE = 100``
    Costs in 0.01 oku-yen (1 million yen) per full offered stake, rounded
    *up*, and budgets (x ``G``) rounded *down*, so that a portfolio within
    the integer budget is within the real one.
``SHARE_SCALE = 1000``
    Shares, the country cap, HHI thresholds, scenario probabilities and
    ``1 - alpha`` of CVaR in per mille.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np
import pandas as pd

from scrisk.exceptions import SolverError
from scrisk.optimize.problem import PortfolioParameterError, PortfolioProblem
from scrisk.optimize.scenarios import loss_of

TARGET_SCALE = 1_000_000
COST_SCALE = 100
SHARE_SCALE = 1000
MAX_GRID = 10_000
INT_LIMIT = 2**62
NOMINAL = "nominal"


@dataclass(frozen=True)
class IntegerModel:
    """The integer data of one portfolio model (what the solver sees).

    Arrays are indexed by model candidate ``i`` (eligible, not excluded),
    target ``t``, scenario ``s`` (0 is the nominal, no-loss case), commodity
    ``c``, country ``k``, HHI threshold ``j`` and budget year ``y``.
    """

    project_ids: tuple[str, ...]
    grid: int
    values: tuple[tuple[int, ...], ...] | None  # allowed stake units per candidate (discrete)
    min_units: int  # continuous: smallest non-zero stake (units)
    cost: np.ndarray  # (n,) 0.01 oku-yen per full offered stake, rounded up
    cost_objective: np.ndarray  # (n,) cost with country-group surcharges
    envelope_names: tuple[str, ...]  # budget envelopes (empty: no spend limit)
    envelope_budget: np.ndarray  # (E,) 0.01 oku-yen / G units, rounded down
    envelope_member: np.ndarray  # (E, n) bool: candidate i spends from envelope e
    years: tuple[int, ...]
    annual_cost: np.ndarray  # (Y, n)
    annual_budget: np.ndarray  # (Y,)
    target_names: tuple[str, ...]
    target_weight: np.ndarray  # (T,) shortfall weight x 1000
    target_required: np.ndarray  # (T,) required ratio x S x G
    scenario_names: tuple[str, ...]
    target_coef: np.ndarray  # (T, Sc, n)
    target_base: np.ndarray  # (T, Sc)
    robust: str | None
    scenario_weight: np.ndarray  # (Sc,) per mille, sums to 1000
    cvar_tail: int  # (1 - alpha) per mille
    commodities: tuple[str, ...]
    countries: tuple[str, ...]
    cand_commodity: np.ndarray  # (n,) index into commodities
    cand_country: np.ndarray  # (n,) index into countries
    supply_coef: np.ndarray  # (n,)
    supply_base: np.ndarray  # (C, K)
    cap_limit: np.ndarray | None  # (C, K) per mille, or None without a cap
    cap_pairs: tuple[tuple[int, int], ...]
    hinge_pairs: tuple[tuple[int, int], ...]
    hhi_thresholds: np.ndarray  # (J,) per mille
    hhi_slopes: np.ndarray  # (J,) per mille
    weights: Mapping[str, int] = field(default_factory=dict)  # weighted objective coefficients
    cap_blocked: tuple[str, ...] = ()  # commodities the country cap keeps from any purchase

    @property
    def n(self) -> int:
        """Number of candidates in the model."""
        return len(self.project_ids)

    @property
    def budget(self) -> int | None:
        """The single envelope's integer budget (``None`` without, or with several)."""
        if len(self.envelope_names) == 1 and self.envelope_member.all():
            return int(self.envelope_budget[0])
        return None

    def envelope_spend(self, units: np.ndarray) -> np.ndarray:
        """Integer spend from each envelope of a stake choice, (E,)."""
        u = np.asarray(units, dtype=np.int64)
        return (self.envelope_member * self.cost[None, :]) @ u

    def within_budgets(self, units: np.ndarray) -> bool:
        """Whether a stake choice respects every envelope and yearly budget."""
        u = np.asarray(units, dtype=np.int64)
        ok = bool((self.envelope_spend(u) <= self.envelope_budget).all())
        return ok and bool((self.annual_cost @ u <= self.annual_budget).all())

    @property
    def continuous(self) -> bool:
        """Whether stakes are continuous (on the 1/G grid)."""
        return self.values is None

    def stake_values(self, i: int) -> tuple[int, ...]:
        """All allowed stake units of candidate ``i`` (0 included)."""
        if self.values is not None:
            return self.values[i]
        return (0, *range(max(self.min_units, 1), self.grid + 1))


def stake_grid(levels: Sequence[float]) -> int:
    """Least common denominator of the stake levels (fractions of the offered stake).

    Examples
    --------
    >>> stake_grid([0.25, 0.5, 0.75, 1.0])
    4
    >>> stake_grid([1/3, 2/3, 1.0])
    3
    """
    grid = 1
    for level in levels:
        frac = Fraction(float(level)).limit_denominator(MAX_GRID)
        if abs(float(frac) - level) > 1e-9:
            raise PortfolioParameterError(
                f"stake level {level} is not a fraction with denominator <= {MAX_GRID}")
        grid = grid * frac.denominator // math.gcd(grid, frac.denominator)
    if grid > MAX_GRID:
        raise PortfolioParameterError(
            f"stake levels {list(levels)} need a grid finer than 1/{MAX_GRID}; use fewer levels")
    return grid


def _probabilities(names: Sequence[str], given: Mapping[str, float] | None) -> np.ndarray:
    """Per-mille weights (sum 1000) of the nominal case and the scenarios."""
    k = len(names)
    if given is None:
        probs = np.full(k, 1.0 / k)
    else:
        unknown = sorted(set(given) - set(names[1:]))
        if unknown:
            from scrisk.exceptions import UnknownChoiceError

            raise UnknownChoiceError("scenario in scenario_probabilities", unknown[0], names[1:])
        rest = np.array([float(given.get(n, 0.0)) for n in names[1:]])
        if (rest < 0).any() or rest.sum() > 1 + 1e-9:
            raise PortfolioParameterError(
                f"scenario probabilities must be >= 0 and add up to at most 1, got {dict(given)}")
        probs = np.concatenate([[max(0.0, 1.0 - rest.sum())], rest])
    raw = probs * SHARE_SCALE
    out = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - out), kind="stable")
    out[order[: SHARE_SCALE - int(out.sum())]] += 1  # largest remainder
    return out


def compile_model(problem: PortfolioProblem, *, budget_oku_yen: float | None = None,
                  budgets: Sequence | None = None,
                  stake_levels: Sequence[float] = (0.25, 0.5, 0.75, 1.0),
                  continuous: bool = False, stake_step: float = 0.01,
                  min_stake: float = 0.0,
                  annual_budget_oku_yen: float | Mapping[int, float] | None = None,
                  start_year: int = 2025,
                  max_country_share: float | None = None,
                  hhi_thresholds: Sequence[float] = (0.2, 0.4, 0.6, 0.8),
                  exclude: Sequence[str] = (),
                  group_cost_penalty: Mapping[str, float] | None = None,
                  scenarios: Mapping[str, Mapping[str, float]] | None = None,
                  scenario_probabilities: Mapping[str, float] | None = None,
                  robust: str | None = None, cvar_alpha: float = 0.8,
                  weights: Mapping[str, float] | None = None,
                  cap_check_time_s: float = 2.0) -> IntegerModel:
    """Scale a :class:`PortfolioProblem` to the integers of the CP-SAT model.

    Parameters are those of :func:`scrisk.optimize.optimize_portfolio`;
    ``exclude`` lists project ids kept out of the model (excluded groups).
    ``budgets`` are :class:`~scrisk.optimize.budgets.BudgetEnvelope` objects;
    ``budget_oku_yen`` adds one envelope over every commodity.

    Examples
    --------
    >>> from scrisk.optimize.synthetic import synthetic_problem
    >>> m = compile_model(synthetic_problem(6, seed=1, late_share=0.0), budget_oku_yen=500.0)
    >>> m.grid, m.n, m.target_coef.dtype.name
    (4, 6, 'int64')
    """
    if budget_oku_yen is not None and (not np.isfinite(budget_oku_yen) or budget_oku_yen < 0):
        raise PortfolioParameterError(
            f"budget_oku_yen must be a number >= 0 (oku-yen, 100 million yen), "
            f"got {budget_oku_yen}")
    cand = problem.candidates
    keep = cand["eligible"].to_numpy(dtype=bool) & ~cand["project_id"].isin(list(exclude))
    cand = cand.loc[keep].reset_index(drop=True)
    n = len(cand)

    # -- stakes
    if continuous:
        if not 0 < stake_step <= 1:
            raise PortfolioParameterError(f"stake_step must be in (0, 1], got {stake_step}")
        grid = stake_grid([stake_step])
        if not 0 <= min_stake <= 1:
            raise PortfolioParameterError(
                f"min_stake must be a fraction of the offered stake in [0, 1], got {min_stake}")
        min_units = max(1, math.ceil(min_stake * grid - 1e-9))
        values = None
    else:
        levels = sorted({float(v) for v in stake_levels})
        if not levels or levels[0] <= 0 or levels[-1] > 1:
            raise PortfolioParameterError(
                f"stake_levels must be fractions of the offered stake in (0, 1], "
                f"got {list(stake_levels)}")
        grid = stake_grid(levels)
        units = (0, *sorted({round(v * grid) for v in levels}))
        values = tuple(units for _ in range(n))
        min_units = units[1]

    # -- cost and budgets
    costs = cand["cost_oku_yen"].to_numpy(dtype=float)
    cost = np.ceil(costs * COST_SCALE - 1e-9).astype(np.int64)
    surcharge = np.zeros(n)
    for group, pen in (group_cost_penalty or {}).items():
        if pen < 0:
            raise PortfolioParameterError(
                f"group_cost_penalty[{group!r}] must be >= 0 (0.5 = cost counted 1.5x), got {pen}")
        member = cand["groups"].str.split(";").apply(lambda g, grp=group: grp in g).to_numpy()
        surcharge = np.where(member, surcharge + pen, surcharge)
    cost_objective = np.ceil(costs * (1 + surcharge) * COST_SCALE - 1e-9).astype(np.int64)
    from scrisk.optimize.budgets import ALL, BudgetEnvelope

    envelopes = list(budgets or ())
    if budget_oku_yen is not None:
        envelopes.append(BudgetEnvelope(ALL, float(budget_oku_yen)))
    for env in envelopes:
        if not np.isfinite(env.amount_oku_yen) or env.amount_oku_yen < 0:
            raise PortfolioParameterError(
                f"budget {env.name!r} must be a number >= 0 oku-yen, got {env.amount_oku_yen}")
    envelope_budget = np.array([math.floor(e.amount_oku_yen * COST_SCALE * grid + 1e-9)
                                for e in envelopes], dtype=np.int64)
    envelope_member = np.array([[e.covers(c) for c in cand["commodity"]] for e in envelopes],
                               dtype=bool).reshape(len(envelopes), n)
    years, annual_cost, annual_budget = _annual(cand, costs, grid, annual_budget_oku_yen,
                                                start_year, problem.target_year)

    # -- scenarios
    scen = dict(scenarios or {})
    if NOMINAL in scen:
        raise PortfolioParameterError(f"the scenario name {NOMINAL!r} is reserved")
    for name, losses in scen.items():
        if not isinstance(losses, Mapping):
            raise PortfolioParameterError(
                f"scenario {name!r} must map ISO3 codes to loss shares, got {losses!r}")
        bad = {k: v for k, v in losses.items() if not 0 <= float(v) <= 1}
        if bad:
            raise PortfolioParameterError(
                f"scenario {name!r}: loss shares must be in [0, 1], got {bad}")
    if robust not in (None, "worst", "cvar"):
        from scrisk.exceptions import UnknownChoiceError

        raise UnknownChoiceError("robust mode", robust, ["worst", "cvar"])
    if robust and not scen:
        raise PortfolioParameterError(
            "robust optimisation needs disruption scenarios: pass scenarios={name: {iso3: loss}} "
            "or put scenario files in scenarios/")
    if not robust:
        scen = {}
    names = (NOMINAL, *scen)
    if not 0 <= cvar_alpha < 1:
        raise PortfolioParameterError(f"cvar_alpha must be in [0, 1), got {cvar_alpha}")
    scenario_weight = _probabilities(names, scenario_probabilities if robust else None)
    cvar_tail = max(1, round((1 - cvar_alpha) * SHARE_SCALE))
    loss = np.array([[loss_of(scen[s], c, k) if s != NOMINAL else 0.0
                      for c, k in zip(cand["commodity"], cand["iso3"], strict=True)]
                     for s in names]).reshape(len(names), n)

    # -- targets
    tnames = problem.target_names
    contrib = problem.contributions.loc[cand["project_id"]] if n else \
        problem.contributions.iloc[:0]
    coef = np.zeros((len(tnames), len(names), n), dtype=np.int64)
    base = np.zeros((len(tnames), len(names)), dtype=np.int64)
    required = np.zeros(len(tnames), dtype=np.int64)
    tweights = np.zeros(len(tnames), dtype=np.int64)
    tb = problem.target_baseline
    for ti, target in enumerate(problem.targets):
        if target.denominator_t <= 0:
            raise PortfolioParameterError(f"target {target.name} has no positive denominator")
        if target.weight < 0:
            raise PortfolioParameterError(f"weight of {target.name} must be >= 0")
        full = contrib[target.name].to_numpy(dtype=float) if n else np.zeros(0)
        rows = tb.loc[tb["target"] == target.name]
        for si, s in enumerate(names):
            coef[ti, si] = np.round(full * (1 - loss[si]) / target.denominator_t
                                    * TARGET_SCALE).astype(np.int64)
            kept = rows["secured_t"].to_numpy(dtype=float) * np.array(
                [1 - (loss_of(scen[s], c, k) if s != NOMINAL else 0.0)
                 for c, k in zip(rows["commodity"], rows["iso3"], strict=True)])
            base[ti, si] = round((target.fixed_t + kept.sum()) / target.denominator_t
                                 * TARGET_SCALE * grid)
        required[ti] = round(target.required_ratio * TARGET_SCALE * grid)
        tweights[ti] = round(target.weight * SHARE_SCALE)

    # -- supply mix by commodity and country
    sb = problem.supply_baseline
    commodities = tuple(sorted(set(cand["commodity"])))
    countries = tuple(sorted(set(cand["iso3"]) | set(
        sb.loc[sb["commodity"].isin(commodities), "iso3"])))
    ci = {c: i for i, c in enumerate(commodities)}
    ki = {k: i for i, k in enumerate(countries)}
    cand_commodity = cand["commodity"].map(ci).to_numpy(dtype=np.int64)
    cand_country = cand["iso3"].map(ki).to_numpy(dtype=np.int64)
    ref = problem.reference_t.reindex(list(commodities)).fillna(1.0).to_numpy()
    supply_coef = np.round(cand["full_t"].to_numpy(dtype=float) / ref[cand_commodity]
                           * TARGET_SCALE).astype(np.int64)
    supply_base = np.zeros((len(commodities), len(countries)), dtype=np.int64)
    for row in sb.loc[sb["commodity"].isin(commodities)].itertuples(index=False):
        c = ci[row.commodity]
        supply_base[c, ki[row.iso3]] += round(row.secured_t / ref[c] * TARGET_SCALE * grid)
    with_cand = sorted({(int(c), int(k)) for c, k in zip(cand_commodity, cand_country,
                                                          strict=True)})
    hinge_pairs = tuple(sorted(set(with_cand) | {
        (int(c), int(k)) for c, k in zip(*np.nonzero(supply_base), strict=True)
        if c in set(cand_commodity.tolist())}))

    cap_limit = None
    if max_country_share is not None:
        if not 0 < max_country_share <= 1:
            raise PortfolioParameterError(
                f"max_country_share must be a share in (0, 1] (0.35 for 35 %), "
                f"got {max_country_share}")
        cap_limit = cap_limits(supply_base, round(max_country_share * SHARE_SCALE))

    thresholds = sorted(float(t) for t in hhi_thresholds)
    if any(not 0 < t < 1 for t in thresholds):
        raise PortfolioParameterError(f"hhi_thresholds must be shares in (0, 1), got {thresholds}")
    th = np.array([round(t * SHARE_SCALE) for t in thresholds], dtype=np.int64)
    knots = np.concatenate([[0], th, [SHARE_SCALE]])
    slopes = (knots[2:] - knots[:-2]).astype(np.int64)

    w = {"targets": 1000.0, "cost": 1.0, "diversification": 10.0}
    unknown = sorted(set(weights or {}) - set(w))
    if unknown:
        from scrisk.exceptions import UnknownChoiceError

        raise UnknownChoiceError("objective weight", unknown[0], sorted(w))
    w.update(weights or {})
    if any(v < 0 for v in w.values()):
        raise PortfolioParameterError(f"objective weights must be >= 0, got {w}")
    # Weighted objective = (weights in natural units) x 10 S G, as integers:
    # shortfall 1 pp = S G / 100 units -> coefficient weight x 1000 per unit and per 1000 of
    # the target weight; cost 1 oku-yen = 100 G units -> S / 10 per unit; penalty 1 pp-HHI =
    # 10 S G units -> 1 per unit.
    int_weights = {"targets": round(w["targets"]),
                   "cost": round(w["cost"] * TARGET_SCALE / 10),
                   "diversification": round(w["diversification"])}

    model = IntegerModel(
        project_ids=tuple(cand["project_id"]), grid=grid, values=values, min_units=min_units,
        cost=cost, cost_objective=cost_objective,
        envelope_names=tuple(e.name for e in envelopes), envelope_budget=envelope_budget,
        envelope_member=envelope_member, years=years,
        annual_cost=annual_cost, annual_budget=annual_budget, target_names=tnames,
        target_weight=tweights, target_required=required, scenario_names=names,
        target_coef=coef, target_base=base, robust=robust, scenario_weight=scenario_weight,
        cvar_tail=cvar_tail, commodities=commodities, countries=countries,
        cand_commodity=cand_commodity, cand_country=cand_country, supply_coef=supply_coef,
        supply_base=supply_base, cap_limit=cap_limit, cap_pairs=tuple(with_cand),
        hinge_pairs=hinge_pairs, hhi_thresholds=th, hhi_slopes=slopes, weights=int_weights)
    _check_magnitudes(model)
    if cap_limit is not None:
        model = replace(model, cap_blocked=_check_cap(model, max_country_share,
                                                      cap_check_time_s))
    return model


def cap_limits(supply_base: np.ndarray, cap: int) -> np.ndarray:
    """Per-mille share limit of each (commodity, country): the cap, or the current share
    (rounded up) where the importer's secured supply is already above the cap."""
    total = supply_base.sum(axis=1, keepdims=True)
    over = SHARE_SCALE * supply_base > cap * total
    current = np.where(total > 0, -(-SHARE_SCALE * supply_base // np.maximum(total, 1)), 0)
    return np.where(over, current, cap).astype(np.int64)


def _annual(cand: pd.DataFrame, costs: np.ndarray, grid: int,
            annual: float | Mapping[int, float] | None, start_year: int, target_year: int
            ) -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
    """Yearly spend rows: cost paid evenly from start_year to the year before production."""
    n = len(cand)
    if annual is None:
        return (), np.zeros((0, n), dtype=np.int64), np.zeros(0, dtype=np.int64)
    if isinstance(annual, Mapping):
        limits = {int(y): float(v) for y, v in annual.items()}
    else:
        limits = {y: float(annual) for y in range(start_year, max(start_year, target_year) + 1)}
    bad = {y: v for y, v in limits.items() if not v >= 0}
    if bad:
        raise PortfolioParameterError(f"annual budgets must be >= 0 oku-yen, got {bad}")
    years = tuple(sorted(limits))
    last = np.maximum(start_year, cand["online_year"].to_numpy(dtype=int) - 1)
    n_years = last - start_year + 1
    rows = np.zeros((len(years), n), dtype=np.int64)
    per_year = np.ceil(costs * COST_SCALE / n_years - 1e-9).astype(np.int64)
    for yi, year in enumerate(years):
        pays = (year >= start_year) & (year <= last)
        rows[yi] = np.where(pays, per_year, 0)
    caps = np.array([math.floor(limits[y] * COST_SCALE * grid + 1e-9) for y in years],
                    dtype=np.int64)
    return years, rows, caps


def _cap_allows_purchase(m: IntegerModel, c: int, limits: np.ndarray,
                         time_limit_s: float = 2.0) -> bool:
    """Whether some non-empty choice of commodity ``c``'s candidates meets the cap limits."""
    from ortools.sat.python import cp_model

    idx = np.flatnonzero(m.cand_commodity == c)
    model = cp_model.CpModel()
    dom = (cp_model.Domain.from_intervals([[0, 0], [m.min_units, m.grid]]) if m.values is None
           else None)
    u = {i: model.new_int_var_from_domain(
        dom if dom is not None else cp_model.Domain.from_values(list(m.values[i])), f"u{i}")
        for i in idx}
    model.add(sum(u.values()) >= 1)
    total = int(m.supply_base[c].sum()) + sum(int(m.supply_coef[i]) * u[i] for i in idx)
    for k in sorted({int(m.cand_country[i]) for i in idx}):
        mine = [i for i in idx if m.cand_country[i] == k]
        x = int(m.supply_base[c, k]) + sum(int(m.supply_coef[i]) * u[i] for i in mine)
        model.add(SHARE_SCALE * x <= int(limits[c, k]) * total)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1
    return solver.solve(model) != cp_model.INFEASIBLE


def _check_cap(m: IntegerModel, share: float, time_limit_s: float = 2.0) -> tuple[str, ...]:
    """Commodities the cap keeps from any purchase; raise when it blocks every one of them
    (with the smallest cap that would allow a purchase)."""
    commodities = sorted({int(c) for c in m.cand_commodity})
    blocked = tuple(m.commodities[c] for c in commodities
                    if not _cap_allows_purchase(m, c, m.cap_limit, time_limit_s))
    if not commodities or len(blocked) < len(commodities):
        return blocked
    best = None  # smallest per-mille cap allowing a purchase of some commodity (bisection)
    for c in commodities:
        low, high = round(share * SHARE_SCALE), SHARE_SCALE
        if not _cap_allows_purchase(m, c, cap_limits(m.supply_base, high)):
            continue
        while high - low > 1:
            mid = (low + high) // 2
            if _cap_allows_purchase(m, c, cap_limits(m.supply_base, mid)):
                high = mid
            else:
                low = mid
        if best is None or high < best[0]:
            best = (high, m.commodities[c])
    hint = (f"; the smallest cap that allows one is {best[0] / SHARE_SCALE:g} ({best[1]})"
            if best else "")
    raise PortfolioParameterError(
        f"max_country_share={share:g} is below what any single project needs: no stake in any "
        f"candidate keeps every supplier country of its commodity at or below the cap (or "
        f"below its current share where it is already above){hint}. Raise the cap or drop it")


def _check_magnitudes(m: IntegerModel) -> None:
    """Refuse models whose objective or constraint activities could overflow 64-bit integers."""
    g = m.grid
    w = m.weights
    totals = [float(m.supply_base[c].sum() + m.supply_coef[m.cand_commodity == c].sum() * g)
              for c in range(len(m.commodities))]
    pairs = float(sum(totals[c] for c, _ in m.hinge_pairs))
    objective = (w["targets"] * float((m.target_weight * m.target_required).sum())
                 + w["cost"] * float(m.cost_objective.sum()) * g
                 + w["diversification"] * float(m.hhi_slopes.sum()) * pairs)
    constraint = 2.0 * SHARE_SCALE * max(totals, default=0.0)
    constraint = max(constraint, float(np.abs(m.target_coef).sum(axis=2).max(initial=0)) * g
                     + float(m.target_required.max(initial=0)))
    if max(objective, constraint) > INT_LIMIT:
        raise PortfolioParameterError(
            "the scaled model could exceed 64-bit integers; use fewer stake steps "
            "(a larger stake_step) or smaller objective weights")


# --------------------------------------------------------------------------- evaluation


def evaluate(m: IntegerModel, units: np.ndarray) -> dict[str, int]:
    """Integer stage objectives of one stake choice (``targets``, ``cost``, ``diversification``).

    The same arithmetic as the CP-SAT model at its optimum for fixed stakes
    (shortfalls and hinge terms at their smallest feasible values).

    Examples
    --------
    >>> from scrisk.optimize.synthetic import synthetic_problem
    >>> m = compile_model(synthetic_problem(6, seed=1), budget_oku_yen=500.0)
    >>> evaluate(m, np.zeros(m.n, dtype=np.int64))["cost"]
    0
    """
    u = np.asarray(units, dtype=np.int64)
    targets = 0
    for t in range(len(m.target_names)):
        raw = np.array([int(m.target_required[t] - m.target_base[t, s] - m.target_coef[t, s] @ u)
                        for s in range(len(m.scenario_names))])
        if m.robust == "cvar":
            vals = [m.cvar_tail * eta + int((m.scenario_weight * np.maximum(0, raw - eta)).sum())
                    for eta in [0, *np.maximum(raw, 0).tolist()]]
            short = -(-min(vals) // m.cvar_tail)
        else:
            short = max(0, int(raw.max()))
        targets += int(m.target_weight[t]) * short
    div = 0
    for c, k in m.hinge_pairs:
        sel = m.cand_commodity == c
        total = int(m.supply_base[c].sum() + (m.supply_coef[sel] * u[sel]).sum())
        mine = sel & (m.cand_country == k)
        x = int(m.supply_base[c, k] + (m.supply_coef[mine] * u[mine]).sum())
        for theta, slope in zip(m.hhi_thresholds, m.hhi_slopes, strict=True):
            div += int(slope) * max(0, -(-(SHARE_SCALE * x - int(theta) * total) // SHARE_SCALE))
    return {"targets": int(targets), "cost": int(m.cost_objective @ u), "diversification": div}


def greedy_portfolio(m: IntegerModel, deadline: float | None = None) -> np.ndarray:
    """A feasible starting portfolio: raise stakes by best nominal shortfall cut per cost.

    Lazy greedy: each step takes the candidate whose next stake level buys the
    most weighted shortfall reduction (nominal case, capped at what each
    target still needs) per unit of cost, if the budgets and the country cap
    allow it. Used as CP-SAT's first hint, so that even a time-starved solve
    starts from a sensible portfolio. Returns stake units per candidate.
    Past ``deadline`` (a :func:`time.monotonic` value) it stops and returns
    the portfolio so far, which is feasible too (each step kept every limit).

    Examples
    --------
    >>> from scrisk.optimize.synthetic import synthetic_problem
    >>> m = compile_model(synthetic_problem(12, seed=0), budget_oku_yen=300.0)
    >>> u = greedy_portfolio(m)
    >>> m.within_budgets(u)
    True
    """
    import heapq

    n, g = m.n, m.grid
    units = np.zeros(n, dtype=np.int64)
    if n == 0 or not len(m.target_names):
        return units
    coef = m.target_coef[:, 0, :]  # nominal case
    need = np.maximum(0, m.target_required - m.target_base[:, 0]).astype(float)
    weight = m.target_weight.astype(float)
    budget_left = m.envelope_budget.astype(float).copy()
    annual_left = m.annual_budget.astype(float).copy()
    supply = m.supply_base.astype(float).copy()

    def next_level(i: int) -> int | None:
        if m.values is None:
            return max(m.min_units, 1) if units[i] == 0 else (g if units[i] < g else None)
        higher = [v for v in m.values[i] if v > units[i]]
        return higher[0] if higher else None

    def value(i: int, step: int) -> float:
        gain = (weight * np.minimum(coef[:, i] * step, need)).sum()
        cost = float(m.cost[i]) * step
        return gain / cost if cost > 0 else (np.inf if gain > 0 else 0.0)

    heap = []
    for i in range(n):
        level = next_level(i)
        if level is not None:
            heap.append((-value(i, level), i, level))
    heapq.heapify(heap)
    steps = 0
    while heap:
        steps += 1
        if deadline is not None and steps % 256 == 0 and time.monotonic() > deadline:
            break  # the time limit bounds the warm start too
        _, i, level = heapq.heappop(heap)
        step = level - int(units[i])
        current = value(i, step)
        if current <= 0:
            continue
        if heap and current < -heap[0][0] - 1e-12:  # stale: re-queue at its current value
            heapq.heappush(heap, (-current, i, level))
            continue
        extra = float(m.cost[i]) * step
        member = m.envelope_member[:, i]
        if (extra > budget_left[member]).any() or (len(annual_left) and (
                m.annual_cost[:, i] * step > annual_left).any()):
            continue
        c, k = int(m.cand_commodity[i]), int(m.cand_country[i])
        if m.cap_limit is not None:  # more supply from k only tightens k's own cap
            total = supply[c].sum() + float(m.supply_coef[i]) * step
            if SHARE_SCALE * (supply[c, k] + float(m.supply_coef[i]) * step) > \
                    m.cap_limit[c, k] * total:
                continue
        units[i] = level
        budget_left[member] -= extra
        if len(annual_left):
            annual_left -= m.annual_cost[:, i] * step
        supply[c, k] += float(m.supply_coef[i]) * step
        need = np.maximum(0.0, need - coef[:, i] * step)
        following = next_level(i)
        if following is not None:
            heapq.heappush(heap, (-value(i, following - int(units[i])), i, following))
    return units


# --------------------------------------------------------------------------- CP-SAT


@dataclass(frozen=True)
class StageResult:
    """Outcome of one solve (one lexicographic stage, or the weighted objective).

    ``status`` is ``optimal``, ``feasible`` (time limit, gap > 0) or
    ``not_improved`` (time limit before any better solution: the previous
    stage's portfolio is kept and its objective value reported).
    """

    name: str
    status: str
    objective: int
    bound: float
    gap: float
    time_s: float


def _add(model, constraint) -> None:
    """Add a constraint; a comparison of constants arrives as a bool and is checked here."""
    if isinstance(constraint, bool | np.bool_):
        if not constraint:
            raise SolverError("a constant constraint of the portfolio model is violated; "
                              "please report this")
        return
    model.add(constraint)


@dataclass
class _Built:
    model: object
    u: list
    variables: list
    exprs: dict
    levels: list = field(default_factory=list)  # (candidate, stake units, Boolean) per level
    shorts: list = field(default_factory=list)  # shortfall variable per target
    hinges: list = field(default_factory=list)  # (commodity, country, threshold, variable)


def build_cp_model(m: IntegerModel, binary_levels: bool = True) -> _Built:
    """The CP-SAT model of ``m`` with its stage objectives as linear expressions.

    Stakes are integer variables ``u_i``; with discrete levels and
    ``binary_levels`` each level also gets a Boolean ``x_il`` with
    ``sum_l x_il <= 1`` and ``u_i = sum_l level_l x_il`` (CP-SAT branches
    and cuts better on the Booleans). Objective expressions: ``targets``
    (weighted shortfall), ``cost`` (spend with group surcharges) and
    ``diversification`` (linearised HHI penalty).
    """
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    g = m.grid
    variables: list = []
    built_levels: list = []
    if m.values is not None:
        u = [model.new_int_var_from_domain(cp_model.Domain.from_values(list(m.values[i])),
                                           f"u{i}") for i in range(m.n)]
        if binary_levels:
            for i in range(m.n):
                levels = [v for v in m.values[i] if v > 0]
                xs = [model.new_bool_var(f"x{i}_{v}") for v in levels]
                model.add_at_most_one(xs)
                model.add(u[i] == cp_model.LinearExpr.weighted_sum(xs, levels))
                variables.extend(xs)
                built_levels.extend((i, v, x) for v, x in zip(levels, xs, strict=True))
    else:
        dom = cp_model.Domain.from_intervals([[0, 0], [m.min_units, g]])
        u = [model.new_int_var_from_domain(dom, f"u{i}") for i in range(m.n)]
    variables.extend(u)

    def dot(coefs) -> object:
        idx = np.flatnonzero(coefs)
        if not len(idx):
            return 0
        return cp_model.LinearExpr.weighted_sum([u[i] for i in idx],
                                                [int(coefs[i]) for i in idx])

    for e in range(len(m.envelope_names)):
        _add(model, dot(np.where(m.envelope_member[e], m.cost, 0)) <= int(m.envelope_budget[e]))
    for yi in range(len(m.years)):
        _add(model, dot(m.annual_cost[yi]) <= int(m.annual_budget[yi]))

    # targets: short_t >= required - base_s - sum A_s u (s = nominal, or every scenario)
    short = []
    for ti in range(len(m.target_names)):
        req = int(m.target_required[ti])
        s_var = model.new_int_var(0, max(req, 0), f"short{ti}")
        short.append(s_var)
        raw = [req - int(m.target_base[ti, si]) - dot(m.target_coef[ti, si])
               for si in range(len(m.scenario_names))]
        if m.robust == "cvar":
            eta = model.new_int_var(0, max(req, 0), f"eta{ti}")
            zs = []
            for si, r in enumerate(raw):
                z = model.new_int_var(0, max(req, 0), f"z{ti}_{si}")
                model.add(z >= r - eta)
                zs.append(z)
            model.add(m.cvar_tail * s_var >= m.cvar_tail * eta + cp_model.LinearExpr.weighted_sum(
                zs, [int(w) for w in m.scenario_weight]))
            variables.extend([eta, *zs])
        else:
            for r in raw:
                model.add(s_var >= r)
    variables.extend(short)

    # supply of each (commodity, country) and total per commodity, in 1/(S G) of reference
    def supply(c: int, k: int | None):
        mask = m.cand_commodity == c if k is None else (
            (m.cand_commodity == c) & (m.cand_country == k))
        base = int(m.supply_base[c].sum() if k is None else m.supply_base[c, k])
        return base + dot(np.where(mask, m.supply_coef, 0))

    totals = {c: supply(c, None) for c in range(len(m.commodities))}
    if m.cap_limit is not None:
        for c, k in m.cap_pairs:
            _add(model, SHARE_SCALE * supply(c, k) <= int(m.cap_limit[c, k]) * totals[c])
    hinge_terms = []
    hinges: list = []
    for c, k in m.hinge_pairs:
        x = supply(c, k)
        upper = int(m.supply_base[c, k] + m.supply_coef[(m.cand_commodity == c)
                                                       & (m.cand_country == k)].sum() * g)
        for j, theta in enumerate(m.hhi_thresholds):
            e = model.new_int_var(0, max(upper, 0), f"e{c}_{k}_{j}")
            model.add(SHARE_SCALE * e >= SHARE_SCALE * x - int(theta) * totals[c])
            hinge_terms.append((int(m.hhi_slopes[j]), e))
            hinges.append((c, k, j, e))
            variables.append(e)

    exprs = {
        "targets": cp_model.LinearExpr.weighted_sum(short, [int(w) for w in m.target_weight])
        if short else 0,
        "cost": dot(m.cost_objective),
        "diversification": cp_model.LinearExpr.weighted_sum(
            [e for _, e in hinge_terms], [w for w, _ in hinge_terms]) if hinge_terms else 0,
    }
    return _Built(model, u, variables, exprs, built_levels, short, hinges)


def complete_hint(built: _Built, m: IntegerModel, units: np.ndarray) -> list[tuple]:
    """``(variable, value)`` for every stake, level, shortfall and hinge variable of a choice.

    A complete hint lets CP-SAT accept the greedy portfolio as its first
    solution at once on large models (a hint of the stakes alone must be
    completed by search, which can take the whole time limit). CVaR's
    auxiliary variables are left to the solver.
    """
    u = np.asarray(units, dtype=np.int64)
    out = [(var, int(val)) for var, val in zip(built.u, u, strict=True)]
    out += [(x, int(u[i] == v)) for i, v, x in built.levels]
    if m.robust != "cvar":
        for t, var in enumerate(built.shorts):
            raw = [int(m.target_required[t] - m.target_base[t, s] - m.target_coef[t, s] @ u)
                   for s in range(len(m.scenario_names))]
            out.append((var, max(0, max(raw))))
    for c, k, j, var in built.hinges:
        sel = m.cand_commodity == c
        total = int(m.supply_base[c].sum() + (m.supply_coef[sel] * u[sel]).sum())
        mine = sel & (m.cand_country == k)
        x = int(m.supply_base[c, k] + (m.supply_coef[mine] * u[mine]).sum())
        theta = int(m.hhi_thresholds[j])
        out.append((var, max(0, -(-(SHARE_SCALE * x - theta * total) // SHARE_SCALE))))
    return out


def weighted_expression(built: _Built, m: IntegerModel):
    """The weighted objective: sum of the stage expressions times the integer weights."""
    w = m.weights
    return (w["targets"] * built.exprs["targets"] + w["cost"] * built.exprs["cost"]
            + w["diversification"] * built.exprs["diversification"])


_STATUS = {4: "optimal", 2: "feasible"}
# Share of the remaining time each lexicographic stage may use (the last uses all).
STAGE_TIME_SHARE = (0.6, 0.5)
GREEDY = "greedy_fallback"
NO_TIME = "not_run"


def solve_cp(m: IntegerModel, *, objective: str = "lexicographic",
             order: Sequence[str] = ("targets", "cost", "diversification"),
             time_limit_s: float = 30.0, workers: int = 8, seed: int = 0,
             relative_gap: float = 0.0, binary_levels: bool = True,
             deadline: float | None = None) -> tuple[np.ndarray, list[StageResult]]:
    """Solve ``m`` with CP-SAT; return the stake units per candidate and the stage results.

    ``objective="lexicographic"`` minimises the expressions of ``order`` one
    after the other, each later stage constrained to keep the earlier
    optima (stage ``k`` may use ``STAGE_TIME_SHARE[k]`` of the remaining
    time); ``"weighted"`` minimises their weighted sum once.

    ``time_limit_s`` bounds the whole solve, every stage and the model
    building together, on a monotonic clock (``deadline``, a
    :func:`time.monotonic` value, overrides it so that a caller can count
    its own preparation). A stage that finds no solution in its time keeps
    the previous stage's portfolio (status ``not_improved``); when the first
    stage finds none, the greedy portfolio (:func:`greedy_portfolio`) is
    returned with status ``greedy_fallback`` and its gap to the solver's
    best bound. Stages left without time get status ``not_run``.
    """
    from ortools.sat.python import cp_model

    if objective not in ("lexicographic", "weighted"):
        from scrisk.exceptions import UnknownChoiceError

        raise UnknownChoiceError("objective", objective, ["lexicographic", "weighted"])
    unknown = [o for o in order if o not in ("targets", "cost", "diversification")]
    if unknown or len(set(order)) != len(order) or not order:
        raise PortfolioParameterError(
            f"order must list distinct stages among targets, cost, diversification; got {order}")
    if not time_limit_s > 0:
        raise PortfolioParameterError(f"time_limit_s must be > 0, got {time_limit_s}")
    if int(workers) < 1:
        raise PortfolioParameterError(f"workers must be >= 1, got {workers}")
    if deadline is None:
        deadline = time.monotonic() + time_limit_s
    start = greedy_portfolio(m, deadline)

    def value_of(name: str, units: np.ndarray) -> int:
        parts = evaluate(m, units)
        return parts[name] if name in parts else int(
            sum(m.weights[p] * v for p, v in parts.items()))

    names = list(order) if objective == "lexicographic" else ["weighted"]
    if deadline - time.monotonic() <= 0:  # no time left to build the model: greedy
        return start, [StageResult(name, GREEDY, value_of(name, start), 0.0,
                                   1.0 if value_of(name, start) > 0 else 0.0, 0.0)
                       for name in names]
    built = build_cp_model(m, binary_levels=binary_levels)
    model = built.model
    stages = ([(name, built.exprs[name]) for name in order] if objective == "lexicographic"
              else [("weighted", weighted_expression(built, m))])

    for var, val in complete_hint(built, m, start):
        model.add_hint(var, val)
    results: list[StageResult] = []
    values = start.copy()
    found = False
    for k, (name, expr) in enumerate(stages):
        if isinstance(expr, int):  # constant stage (no targets, no candidates)
            results.append(StageResult(name, "optimal", int(expr), float(expr), 0.0, 0.0))
            found = found or k == 0
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            obj = value_of(name, values)
            status_name = NO_TIME if found else GREEDY
            # no solver bound: every objective part is >= 0, so 0 bounds it (gap 100 %)
            results.append(StageResult(name, status_name, obj, 0.0, 1.0 if obj > 0 else 0.0,
                                       0.0))
            continue
        share = STAGE_TIME_SHARE[k] if k < len(stages) - 1 and k < len(STAGE_TIME_SHARE) else 1.0
        model.minimize(expr)
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.max_time_in_seconds = max(1e-3, remaining * share)
        params.num_workers = int(workers)
        params.random_seed = int(seed)
        params.relative_gap_limit = float(relative_gap)
        params.linearization_level = 2
        params.log_search_progress = False
        status = solver.solve(model)
        if status == cp_model.MODEL_INVALID:
            raise SolverError(f"CP-SAT rejected the model: {model.validate()}")
        if status == cp_model.INFEASIBLE:
            raise SolverError("CP-SAT found the portfolio model infeasible, which the "
                              "empty portfolio should rule out; please report this")
        if status in _STATUS:
            obj = int(round(solver.objective_value))
            bound = float(solver.best_objective_bound)
            gap = 0.0 if status == cp_model.OPTIMAL else abs(obj - bound) / max(1.0, abs(obj))
            results.append(StageResult(name, _STATUS[status], obj, bound, gap,
                                       solver.wall_time))
            values = np.array([solver.value(v) for v in built.u], dtype=np.int64)
            hint = [(v, solver.value(v)) for v in built.variables]
            found = True
        else:  # no solution in time: keep the previous portfolio (the greedy one at first)
            obj = value_of(name, values)
            bound = float(solver.best_objective_bound)
            bound = bound if np.isfinite(bound) else 0.0
            bound = min(bound, float(obj))
            gap = abs(obj - bound) / max(1.0, abs(obj))
            results.append(StageResult(name, "not_improved" if found else GREEDY, obj, bound,
                                       gap, solver.wall_time))
            hint = None
        if k < len(stages) - 1:
            model.add(expr <= obj)
            if hint is not None:
                model.clear_hints()
                for var, val in hint:
                    model.add_hint(var, int(val))
    return values, results
