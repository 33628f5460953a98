"""The CP-SAT portfolio against brute-force enumeration of every stake choice.

Both work on the same integer-scaled model (scrisk.optimize.model.IntegerModel),
so the optimal objectives must agree exactly: for the lexicographic objective
the tuple (weighted shortfall, cost, diversification penalty), for the weighted
objective the single integer.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scrisk.optimize.model import (
    SHARE_SCALE,
    compile_model,
    evaluate,
    greedy_portfolio,
    solve_cp,
)
from scrisk.optimize.synthetic import synthetic_problem, synthetic_scenarios

MAX_COMBOS = 500_000


def _ceil_div(a: np.ndarray, b: int) -> np.ndarray:
    return -((-a) // b)


def enumerate_objectives(m):
    """Every feasible stake choice of ``m`` with its (targets, cost, diversification) values."""
    choices = [m.stake_values(i) for i in range(m.n)]
    combos = int(np.prod([len(c) for c in choices])) if m.n else 1
    assert combos <= MAX_COMBOS, combos
    u = np.array(list(itertools.product(*choices)), dtype=np.int64).reshape(combos, m.n)
    ok = np.ones(len(u), dtype=bool)
    for e in range(len(m.envelope_names)):  # every budget envelope
        ok &= u @ np.where(m.envelope_member[e], m.cost, 0) <= m.envelope_budget[e]
    for y in range(len(m.years)):
        ok &= u @ m.annual_cost[y] <= m.annual_budget[y]

    # supply per (commodity, country) and per commodity
    def supply(c, k=None):
        mask = m.cand_commodity == c if k is None else (m.cand_commodity == c) & (
            m.cand_country == k)
        base = m.supply_base[c].sum() if k is None else m.supply_base[c, k]
        return base + u @ np.where(mask, m.supply_coef, 0)

    totals = {c: supply(c) for c in range(len(m.commodities))}
    if m.cap_limit is not None:
        for c, k in m.cap_pairs:
            ok &= SHARE_SCALE * supply(c, k) <= m.cap_limit[c, k] * totals[c]

    targets = np.zeros(len(u), dtype=np.int64)
    for t in range(len(m.target_names)):
        raw = np.stack([m.target_required[t] - m.target_base[t, s] - u @ m.target_coef[t, s]
                        for s in range(len(m.scenario_names))], axis=1)
        if m.robust == "cvar":
            etas = np.concatenate([np.zeros((len(u), 1), dtype=np.int64),
                                   np.maximum(raw, 0)], axis=1)
            best = None
            for j in range(etas.shape[1]):
                eta = etas[:, j:j + 1]
                val = m.cvar_tail * eta[:, 0] + (np.maximum(0, raw - eta)
                                                 * m.scenario_weight).sum(axis=1)
                best = val if best is None else np.minimum(best, val)
            short = _ceil_div(best, m.cvar_tail)
        else:
            short = np.maximum(0, raw.max(axis=1))
        targets += m.target_weight[t] * short
    cost = u @ m.cost_objective
    div = np.zeros(len(u), dtype=np.int64)
    for c, k in m.hinge_pairs:
        x = supply(c, k)
        for theta, slope in zip(m.hhi_thresholds, m.hhi_slopes, strict=True):
            e = np.maximum(0, _ceil_div(SHARE_SCALE * x - theta * totals[c], SHARE_SCALE))
            div += slope * e
    return targets[ok], cost[ok], div[ok], u[ok]


def lexicographic_best(targets, cost, div, order=("targets", "cost", "diversification")):
    parts = {"targets": targets, "cost": cost, "diversification": div}
    idx = np.lexsort(tuple(parts[o] for o in reversed(order)))[0]
    return tuple(int(parts[o][idx]) for o in order)


def weighted_best(m, targets, cost, div):
    w = m.weights
    return int((w["targets"] * targets + w["cost"] * cost + w["diversification"] * div).min())


def _total_cost(problem):
    c = problem.candidates
    return float(c.loc[c["eligible"], "cost_oku_yen"].sum())


CASES = [
    # (n, seed, budget share, options)
    (8, 0, 0.4, {}),
    (8, 1, 0.3, {"max_country_share": 0.6}),
    (8, 2, 0.5, {"annual_budget_oku_yen": "tight"}),
    (7, 3, 0.35, {"robust": "worst"}),
    (8, 4, 0.35, {"robust": "cvar", "cvar_alpha": 0.6}),
    (8, 5, 0.45, {"exclude": True, "group_cost_penalty": {"partner": 0.5}}),
    (8, 6, 0.3, {"hhi_thresholds": (0.25, 0.5, 0.75)}),
    (8, 7, 0.6, {"max_country_share": 0.55, "robust": "worst"}),
    (12, 8, 0.3, {"stake_levels": (1.0,)}),
    (12, 9, 0.4, {"stake_levels": (1.0,), "max_country_share": 0.45}),
    (11, 10, 0.25, {"stake_levels": (0.5, 1.0), "robust": "cvar"}),
    (6, 11, 0.3, {"continuous": True, "stake_step": 0.2, "min_stake": 0.4}),
    (9, 12, 0.5, {"stake_levels": (1 / 3, 2 / 3, 1.0), "max_country_share": 0.5}),
    (8, 13, 2.0, {}),  # budget not binding: targets met where possible, then cheapest
]


def _options(problem, share, opts, seed):
    kwargs = dict(opts)
    budget = share * _total_cost(problem)
    if kwargs.get("annual_budget_oku_yen") == "tight":
        kwargs["annual_budget_oku_yen"] = budget / 4
    if kwargs.pop("exclude", False):
        c = problem.candidates
        kwargs["exclude"] = list(c.loc[c["groups"] == "concern", "project_id"])
    if kwargs.get("robust"):
        kwargs["scenarios"] = synthetic_scenarios(problem, 3, seed)
    return budget, kwargs


def _combos(m):
    return int(np.prod([len(m.stake_values(i)) for i in range(m.n)])) if m.n else 1


@pytest.mark.parametrize(("n", "seed", "share", "opts"), CASES)
def test_lexicographic_matches_brute_force(n, seed, share, opts):
    problem = synthetic_problem(n, seed, late_share=0.1)
    budget, kwargs = _options(problem, share, opts, seed)
    m = compile_model(problem, budget_oku_yen=budget, **kwargs)
    assert 4 <= m.n and _combos(m) <= MAX_COMBOS
    values, stages = solve_cp(m, workers=1)
    assert all(s.status == "optimal" for s in stages)
    got = tuple(s.objective for s in stages)
    targets, cost, div, feasible = enumerate_objectives(m)
    assert got == lexicographic_best(targets, cost, div)
    assert tuple(evaluate(m, values).values()) == got  # the library's own evaluator agrees
    start = greedy_portfolio(m)  # the warm start is a feasible portfolio
    assert (feasible == start).all(axis=1).any()


@pytest.mark.parametrize(("n", "seed", "share", "opts"), CASES[::3])
def test_weighted_matches_brute_force(n, seed, share, opts):
    problem = synthetic_problem(n, seed + 100, late_share=0.1)
    budget, kwargs = _options(problem, share, opts, seed)
    m = compile_model(problem, budget_oku_yen=budget,
                      weights={"targets": 3.0, "cost": 1.0, "diversification": 50.0}, **kwargs)
    _, stages = solve_cp(m, objective="weighted", workers=1)
    assert stages[0].status == "optimal"
    targets, cost, div, _ = enumerate_objectives(m)
    assert stages[0].objective == weighted_best(m, targets, cost, div)


def test_other_lexicographic_order_matches_brute_force():
    problem = synthetic_problem(8, 21, late_share=0.1)
    m = compile_model(problem, budget_oku_yen=0.5 * _total_cost(problem), max_country_share=0.5)
    order = ("targets", "diversification", "cost")
    _, stages = solve_cp(m, order=order, workers=1)
    targets, cost, div, _ = enumerate_objectives(m)
    assert tuple(s.objective for s in stages) == lexicographic_best(targets, cost, div, order)


def test_brute_force_enumerates_the_empty_portfolio():
    problem = synthetic_problem(5, 3, late_share=0.1)
    m = compile_model(problem, budget_oku_yen=0.0)
    targets, cost, div, u = enumerate_objectives(m)
    assert len(u) == 1 and not u.any()
    _, stages = solve_cp(m, workers=1)
    assert stages[0].objective == targets[0] and stages[1].objective == 0
