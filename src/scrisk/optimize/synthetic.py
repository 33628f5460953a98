"""Seeded synthetic portfolio problems for tests and benchmarks.

The instances look like the real question (base metals and battery
materials, a few dominant supplier countries, countries of concern,
projects coming online around the target year) but every number is made up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrisk.optimize.problem import (
    BATTERY,
    SELF_SUFFICIENCY,
    PortfolioProblem,
    Target,
    problem_from_frames,
)

BASE = ("copper", "zinc", "lead")
BATTERY_COMMODITIES = {"lithium": "lithium_lce", "nickel": "nickel", "cobalt": "cobalt",
                       "graphite": "graphite"}
COST_PER_T = {"copper": 0.012, "zinc": 0.004, "lead": 0.003, "lithium": 0.02, "nickel": 0.02,
              "cobalt": 0.06, "graphite": 0.002}  # oku-yen per t of expected annual supply


def synthetic_problem(n: int, seed: int = 0, *, n_countries: int = 25, target_year: int = 2030,
                      difficulty: float = 1.0, late_share: float = 0.3) -> PortfolioProblem:
    """A random problem with ``n`` candidates (deterministic for a seed).

    Parameters
    ----------
    n : int
        Number of candidates.
    seed : int
    n_countries : int
        Countries ``C00``, ``C01``, ...; ``C00``-``C02`` form the group
        ``concern``, the last third ``partner``. Country weights fall off
        like 1/rank so that a few countries dominate.
    target_year : int
    difficulty : float
        Scales the denominators: above 1, targets need more of the candidates.
    late_share : float
        Expected share of candidates coming online after the target year.

    Examples
    --------
    >>> p = synthetic_problem(20, seed=3)
    >>> len(p.candidates), p.target_names[0]
    (20, 'self_sufficiency:base_metals')
    """
    rng = np.random.default_rng(seed)
    countries = [f"C{i:02d}" for i in range(n_countries)]
    popularity = 1.0 / np.arange(1, n_countries + 1)
    popularity /= popularity.sum()
    commodities = list(BASE) + list(BATTERY_COMMODITIES)
    weights = np.array([0.3, 0.12, 0.08, 0.16, 0.14, 0.1, 0.1])
    com = rng.choice(commodities, size=n, p=weights / weights.sum())
    iso = rng.choice(countries, size=n, p=popularity)
    output = np.round(rng.lognormal(np.log(40_000), 0.9, size=n), 0)
    stake = np.round(rng.uniform(0.1, 0.6, size=n), 2)
    prob = np.round(rng.uniform(0.5, 0.95, size=n), 2)
    unit_cost = np.array([COST_PER_T[c] for c in com])
    cost = np.round(output * stake * unit_cost * rng.lognormal(0, 0.35, size=n), 1)
    late = rng.random(n) < late_share
    online = np.where(late, rng.integers(target_year + 1, target_year + 4, size=n),
                      rng.integers(target_year - 4, target_year + 1, size=n))
    concern = set(countries[:3])
    partner = set(countries[-(n_countries // 3):])
    groups = ["concern" if c in concern else ("partner" if c in partner else "") for c in iso]
    cands = pd.DataFrame({
        "project_id": [f"P{i:04d}" for i in range(n)], "commodity": com, "iso3": iso,
        "annual_output_t": output, "stake_offered": stake, "cost_oku_yen": cost,
        "online_year": online, "success_probability": prob, "groups": groups,
    })
    cands["unit"] = np.where(cands["commodity"] == "lithium", "t LCE", "t")
    eligible = cands["online_year"] <= target_year
    full = cands["annual_output_t"] * cands["stake_offered"] * cands["success_probability"]

    targets, tbase, sbase = [], [], []

    def baseline(commodity: str, total: float) -> pd.DataFrame:
        held = rng.dirichlet(popularity[:8] * 20) * total
        return pd.DataFrame({"commodity": commodity, "iso3": countries[:8], "secured_t": held})

    base_supply = {}
    for c in commodities:
        avail = float(full[(cands["commodity"] == c) & eligible].sum()) or 1000.0
        base_supply[c] = baseline(c, 0.25 * avail)
        sbase.append(base_supply[c])
    avail_base = float(full[cands["commodity"].isin(BASE) & eligible].sum()) or 1000.0
    demand = 1.1 * avail_base * difficulty
    mix = pd.concat([base_supply[c] for c in BASE], ignore_index=True)
    targets.append(Target(f"{SELF_SUFFICIENCY}:base_metals", SELF_SUFFICIENCY, BASE, ("mining",),
                          demand, 0.2 * demand, 0.8))
    tbase.append(mix.assign(target=targets[-1].name))
    for c, material in BATTERY_COMMODITIES.items():
        avail = float(full[(cands["commodity"] == c) & eligible].sum()) or 1000.0
        need = 1.3 * avail * difficulty
        targets.append(Target(f"{BATTERY}:{material}", BATTERY, (c,), ("mining", "refining"),
                              need, 0.0, 1.0, "t LCE" if c == "lithium" else "t"))
        b = base_supply[c]
        tbase.append(b.assign(target=targets[-1].name))
    return problem_from_frames(cands, targets, target_year=target_year,
                               target_baseline=pd.concat(tbase, ignore_index=True),
                               supply_baseline=pd.concat(sbase, ignore_index=True))


def synthetic_scenarios(problem: PortfolioProblem, k: int = 3, seed: int = 0
                        ) -> dict[str, dict[str, float]]:
    """``k`` disruption scenarios, each cutting 50-100 % of one or two leading countries.

    Examples
    --------
    >>> p = synthetic_problem(10, seed=0)
    >>> sorted(synthetic_scenarios(p, 2))
    ['shock1', 'shock2']
    """
    rng = np.random.default_rng(seed + 10_000)
    lead = list(problem.candidates["iso3"].value_counts().index[:6]) or ["C00"]
    out = {}
    for s in range(k):
        hit = rng.choice(lead, size=min(len(lead), int(rng.integers(1, 3))), replace=False)
        out[f"shock{s + 1}"] = {str(c): float(np.round(rng.uniform(0.5, 1.0), 2)) for c in hit}
    return out
