"""Score and rank candidate projects, one transparent column per part.

Each candidate is scored at its full offered stake. Raw parts:

``ssr_pp``
    Contribution to the (aggregate) base-metal self-sufficiency ratio,
    percentage points: 100 x secured_t / base-metal demand; 0 unless a
    mining-stage base-metal project online by the target year.
``ssr_metal_pp``
    The same against the demand of the project's own metal.
``battery_pp``
    Contribution to the coverage of its material's battery need, pp.
``hhi_change``
    HHI (0-1) of the importer's secured supply of the commodity by country
    after adding the project minus before (negative = diversifies). An
    empty mix counts as HHI 1.
``wgi``, ``groups``, ``country_risk``
    WGI political stability (latest year) and country-group membership;
    risk = clip((2.5 - WGI) / 5 + sum of group adjustments, 0, 1)
    (missing WGI: 0.5 before adjustments).
``cost_myen_per_t``
    Cost of the offered stake per tonne of expected secured annual supply,
    million yen per tonne.
``success_probability``, ``years_to_target``
    ``target_year - online_year`` (negative = late).

Part scores in [0, 1] (``s_*`` columns)::

    s_ssr = ssr_pp / max(ssr_pp)          s_battery = battery_pp / max(battery_pp)
    s_diversification = 0.5 - 0.5 x hhi_change / max|hhi_change|
    s_country_risk = 1 - country_risk     s_success = success_probability
    s_cost = lowest cost per t of the same commodity / cost per t
    s_timing = 1 if on time, else max(0, 1 + years_to_target / timing_fade_years)

Composite: ``score = 100 x sum(w_j s_j) / sum(w_j)`` with the weights in
:data:`DEFAULT_SCORE_WEIGHTS` unless given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from scrisk.exceptions import UnknownChoiceError
from scrisk.optimize.problem import (
    BATTERY,
    SELF_SUFFICIENCY,
    PortfolioParameterError,
    PortfolioProblem,
)

DEFAULT_SCORE_WEIGHTS: Mapping[str, float] = MappingProxyType({
    "ssr": 0.25, "battery": 0.25, "diversification": 0.15, "country_risk": 0.10,
    "cost": 0.10, "success": 0.10, "timing": 0.05,
})
DEFAULT_GROUP_RISK: Mapping[str, float] = MappingProxyType({
    "concern": 0.5, "JPN_EPA": -0.1, "MSP": -0.1,
})
MISSING_WGI_RISK = 0.5
PARTS = tuple(DEFAULT_SCORE_WEIGHTS)
_RULES = {
    "ssr": "ssr_pp / max over candidates ({max:.4g} pp)",
    "battery": "battery_pp / max over candidates ({max:.4g} pp)",
    "diversification": "0.5 - 0.5 x hhi_change / max |hhi_change| ({max:.4g})",
    "country_risk": "1 - country_risk",
    "cost": "lowest cost per t of the commodity / own cost per t",
    "success": "success_probability",
    "timing": "1 if online by the target year, else fades to 0 over {fade:g} years late",
}
_RAW = {"ssr": "ssr_pp", "battery": "battery_pp", "diversification": "hhi_change",
        "country_risk": "country_risk", "cost": "cost_myen_per_t",
        "success": "success_probability", "timing": "years_to_target"}


@dataclass(frozen=True)
class CandidateScores:
    """Ranked candidates with every part of their score.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per candidate, best first: ``rank, project_id, name,
        commodity, stage, iso3``, raw parts, ``s_<part>`` scores and ``score``.
    weights : Mapping[str, float]
    target_year : int
    group_risk : Mapping[str, float]
    timing_fade_years : float
    """

    table: pd.DataFrame
    weights: Mapping[str, float]
    target_year: int
    group_risk: Mapping[str, float] = field(default_factory=dict)
    timing_fade_years: float = 5.0

    def summary(self) -> pd.DataFrame:
        """Rank, id, commodity, country, the part scores and the composite score."""
        cols = ["rank", "project_id", "commodity", "iso3",
                *[f"s_{p}" for p in PARTS], "score"]
        return self.table[cols].copy()

    def explain(self, project_id: str) -> str:
        """How one candidate's score was made: raw value, rule, part score, weight, points.

        Raises
        ------
        UnknownChoiceError
            When ``project_id`` is not a candidate.
        """
        table = self.table
        if project_id not in set(table["project_id"]):
            raise UnknownChoiceError("project_id", project_id, table["project_id"])
        row = table.loc[table["project_id"] == project_id].iloc[0]
        total_w = sum(self.weights.values())
        lines = [f"{row['project_id']} - {row['name']} ({row['commodity']}, {row['stage']}, "
                 f"{row['iso3']}): score {row['score']:.2f} / 100, rank {int(row['rank'])} "
                 f"of {len(table)}",
                 f"secured at the full offered stake: {row['secured_t']:,.1f} {row['unit']}/yr "
                 f"= stake {row['stake_offered']:.3g} x output {row['annual_output_t']:,.0f} x "
                 f"success probability {row['success_probability']:.3g}; online "
                 f"{int(row['online_year'])} (target year {self.target_year})", "",
                 f"{'part':<16}{'raw value':>16}  {'part score':>10}  {'weight':>7}  "
                 f"{'points':>7}  rule"]
        for part in PARTS:
            raw = row[_RAW[part]]
            maxes = {"ssr": table["ssr_pp"].max(), "battery": table["battery_pp"].max(),
                     "diversification": table["hhi_change"].abs().max()}
            rule = _RULES[part].format(max=maxes.get(part, 0.0), fade=self.timing_fade_years)
            w = self.weights[part]
            points = 100 * w * row[f"s_{part}"] / total_w if total_w else 0.0
            lines.append(f"{part:<16}{_fmt(raw):>16}  {row[f's_{part}']:>10.3f}  {w:>7.3f}  "
                         f"{points:>7.2f}  {rule}")
        lines += ["", f"score = 100 x sum(weight x part score) / {total_w:g} = {row['score']:.2f}",
                  f"country: WGI political stability {_fmt(row['wgi'])}, groups "
                  f"{row['groups'] or 'none'}; HHI of secured {row['commodity']} "
                  f"{_fmt(row['hhi_before'])} -> {_fmt(row['hhi_after'])}"]
        if row["ssr_metal_pp"] > 0:
            lines.append(f"own-metal self-sufficiency contribution: {row['ssr_metal_pp']:.4g} pp")
        return "\n".join(lines)


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    if isinstance(value, float | np.floating):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def score_candidates(dataset, target_year: int = 2030, *, problem: PortfolioProblem | None = None,
                     weights: Mapping[str, float] | None = None,
                     group_risk: Mapping[str, float] | None = None,
                     timing_fade_years: float = 5.0, **problem_options) -> CandidateScores:
    """Rank every candidate project with a transparent breakdown of its score.

    Parameters
    ----------
    dataset : Dataset
        Its ``candidates`` table is scored; WGI and groups come from it.
    target_year : int
    problem : PortfolioProblem, optional
        Reuse a problem already built (its targets and baselines).
    weights : mapping, optional
        Part -> weight (``ssr, battery, diversification, country_risk, cost,
        success, timing``); missing parts keep their default
        (:data:`DEFAULT_SCORE_WEIGHTS`).
    group_risk : mapping, optional
        Country group -> adjustment added to the country risk
        (default :data:`DEFAULT_GROUP_RISK`).
    timing_fade_years : float
        Years late at which the timing part reaches 0.
    **problem_options
        Passed to :func:`scrisk.optimize.problem.build_problem` (``iso3``,
        ``battery_gwh``, ``battery_scenario``, ``demand_growth``, ...).

    Returns
    -------
    CandidateScores

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> scores = score_candidates(load_dataset(), 2030)
    >>> int(scores.table["rank"].iloc[0]), bool(scores.table["score"].between(0, 100).all())
    (1, True)
    >>> "score = 100 x sum(weight x part score)" in scores.explain(scores.table.project_id[0])
    True
    """
    from scrisk.metrics.concentration import latest_wgi

    w = dict(DEFAULT_SCORE_WEIGHTS)
    for key, value in (weights or {}).items():
        if key not in w:
            raise UnknownChoiceError("score weight", key, PARTS)
        if value < 0:
            raise PortfolioParameterError(f"score weight {key!r} must be >= 0, got {value}")
        w[key] = float(value)
    if sum(w.values()) <= 0:
        raise PortfolioParameterError("at least one score weight must be > 0")
    if timing_fade_years <= 0:
        raise PortfolioParameterError(
            f"timing_fade_years must be > 0, got {timing_fade_years}")
    groups_known = set(dataset.country_groups["group"])
    adjust = dict(DEFAULT_GROUP_RISK if group_risk is None else group_risk)
    if group_risk is not None:
        for group in adjust:
            if group not in groups_known:
                dataset.group_members(group)  # raises with the valid choices
    adjust = {g: v for g, v in adjust.items() if g in groups_known}
    if problem is None:
        from scrisk.optimize.problem import build_problem

        problem = build_problem(dataset, target_year, **problem_options)
    wgi = latest_wgi(dataset, problem.target_year)
    return score_problem(problem, w, wgi, adjust, timing_fade_years)


def score_problem(problem: PortfolioProblem, weights: Mapping[str, float],
                  wgi: pd.Series | None = None, group_risk: Mapping[str, float] | None = None,
                  timing_fade_years: float = 5.0) -> CandidateScores:
    """Score the candidates of a problem (no dataset needed; WGI optional).

    Examples
    --------
    >>> from scrisk.optimize.synthetic import synthetic_problem
    >>> s = score_problem(synthetic_problem(12, seed=0), DEFAULT_SCORE_WEIGHTS)
    >>> bool(s.table["score"].is_monotonic_decreasing), int(s.table["rank"].iloc[0])
    (True, 1)
    """
    cand = problem.candidates.copy()
    contrib = problem.contributions.reindex(cand["project_id"]).fillna(0.0)
    ssr_targets = [t for t in problem.targets if t.kind == SELF_SUFFICIENCY]
    aggregate = [t for t in ssr_targets if len(t.commodities) > 1]
    head = aggregate[0] if aggregate else None
    table = cand.copy()
    table["secured_t"] = cand["full_t"]
    ssr_pp = np.zeros(len(cand))
    ssr_metal = np.zeros(len(cand))
    for t in ssr_targets:
        values = 100 * contrib[t.name].to_numpy() / t.denominator_t
        if len(t.commodities) > 1:
            ssr_pp = np.maximum(ssr_pp, values)
        else:
            ssr_metal = np.maximum(ssr_metal, values)
    if head is None:  # per-metal targets only: the own-metal figure is the headline
        ssr_pp = ssr_metal.copy()
    if not np.any(ssr_metal) and head is not None:
        ssr_metal = np.array([
            100 * c / problem.reference_t.get(m, np.nan) if c > 0 else 0.0
            for c, m in zip(contrib[head.name].to_numpy(), cand["commodity"], strict=True)])
    battery_pp = np.zeros(len(cand))
    material = np.full(len(cand), "", dtype=object)
    for t in problem.targets:
        if t.kind != BATTERY:
            continue
        values = 100 * contrib[t.name].to_numpy() / t.denominator_t
        material = np.where(values > 0, t.name.split(":", 1)[1], material)
        battery_pp = np.maximum(battery_pp, values)
    table["ssr_pp"] = ssr_pp
    table["ssr_metal_pp"] = ssr_metal
    table["battery_pp"] = battery_pp
    table["battery_material"] = material

    before, after = _hhi_change(problem)
    table["hhi_before"] = before
    table["hhi_after"] = after
    table["hhi_change"] = after - before

    wgi_values = (cand["iso3"].map(wgi) if wgi is not None
                  else pd.Series(np.nan, index=cand.index)).astype(float)
    table["wgi"] = wgi_values
    risk = np.where(wgi_values.isna(), MISSING_WGI_RISK, (2.5 - wgi_values) / 5.0)
    for group, adj in (group_risk or {}).items():
        member = cand["groups"].str.split(";").apply(lambda g, grp=group: grp in g).to_numpy()
        risk = risk + np.where(member, adj, 0.0)
    table["country_risk"] = np.clip(risk, 0.0, 1.0)

    with np.errstate(divide="ignore", invalid="ignore"):
        per_t = np.where(cand["full_t"] > 0, 100.0 * cand["cost_oku_yen"] / cand["full_t"],
                         np.inf)
    table["cost_myen_per_t"] = per_t
    table["years_to_target"] = problem.target_year - cand["online_year"].astype(int)

    table["s_ssr"] = _relative(ssr_pp)
    table["s_battery"] = _relative(battery_pp)
    change = table["hhi_change"].to_numpy()
    biggest = np.abs(change).max() if len(change) else 0.0
    table["s_diversification"] = 0.5 - 0.5 * change / biggest if biggest > 0 else 0.5
    table["s_country_risk"] = 1.0 - table["country_risk"]
    best = table.groupby("commodity")["cost_myen_per_t"].transform("min").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        table["s_cost"] = np.where(np.isfinite(per_t) & (per_t > 0), best / per_t,
                                   np.where(per_t == 0, 1.0, 0.0))
    table["s_success"] = cand["success_probability"].astype(float)
    late = table["years_to_target"].to_numpy(dtype=float)
    table["s_timing"] = np.where(late >= 0, 1.0,
                                 np.clip(1.0 + late / timing_fade_years, 0.0, 1.0))
    total = sum(weights.values())
    table["score"] = 100 * sum(weights[p] * table[f"s_{p}"] for p in PARTS) / total
    table = table.sort_values(["score", "project_id"], ascending=[False, True],
                              ignore_index=True, kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    cols = ["rank", "project_id", "name", "commodity", "stage", "iso3", "unit",
            "annual_output_t", "stake_offered", "success_probability", "secured_t",
            "ssr_pp", "ssr_metal_pp", "battery_material", "battery_pp", "hhi_before",
            "hhi_after", "hhi_change", "wgi", "groups", "country_risk", "cost_oku_yen",
            "cost_myen_per_t", "online_year", "years_to_target",
            *[f"s_{p}" for p in PARTS], "score"]
    return CandidateScores(table[cols], MappingProxyType(dict(weights)), problem.target_year,
                           MappingProxyType(dict(group_risk or {})), timing_fade_years)


def _relative(values: np.ndarray) -> np.ndarray:
    top = values.max() if len(values) else 0.0
    return values / top if top > 0 else np.zeros_like(values)


def _hhi_change(problem: PortfolioProblem) -> tuple[np.ndarray, np.ndarray]:
    """HHI of the importer's secured mix of each candidate's commodity, before and after it."""
    import bisect

    from scrisk.metrics.concentration import hhi

    sb = problem.supply_baseline
    # each commodity's mix by country, in sorted country order (as the union of two indexes)
    mixes = {c: (list(m.index), m.to_numpy(dtype=float)) for c, m in
             ((c, g.groupby("iso3")["secured_t"].sum()) for c, g in sb.groupby("commodity"))}
    empty: tuple[list, np.ndarray] = ([], np.zeros(0))
    hhi_before: dict[str, float] = {}
    before, after = [], []
    for commodity, iso3, add in zip(problem.candidates["commodity"].tolist(),
                                    problem.candidates["iso3"].tolist(),
                                    problem.candidates["full_t"].tolist(), strict=True):
        countries, tonnes = mixes.get(commodity, empty)
        if commodity not in hhi_before:
            total = tonnes.sum()
            hhi_before[commodity] = hhi(tonnes / total) if total > 0 else 1.0
        before.append(hhi_before[commodity])
        at = bisect.bisect_left(countries, iso3)
        if at < len(countries) and countries[at] == iso3:
            new = tonnes.copy()
            new[at] = tonnes[at] + add
        else:  # a new supplier country, in its sorted place
            new = np.insert(tonnes, at, 0.0 + add)
        new_total = new.sum()
        after.append(hhi(new / new_total) if new_total > 0 else 1.0)
    return np.array(before, dtype=float), np.array(after, dtype=float)
