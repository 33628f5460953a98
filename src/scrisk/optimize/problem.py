"""The data of a portfolio problem: candidates, targets and the importer's current supply.

:func:`build_problem` turns a :class:`~scrisk.data.load.Dataset` into a
:class:`PortfolioProblem`, the solver-independent description that both the
scoring (:mod:`scrisk.optimize.scoring`) and the optimiser
(:mod:`scrisk.optimize.portfolio`) use, so that a candidate's contribution
is computed in one place only.

Quantities are expected tonnes per year: a candidate at its full offered
stake secures ``stake_offered x annual_output_t x success_probability``
(``full_t``). A candidate counts toward a target only when it is online by
the target year (``online_year <= target_year``).

Targets
-------
``self_sufficiency:<metal>`` / ``self_sufficiency:base_metals``
    (equity supply + domestic recycling + new secured supply) / demand >= ratio.
    Only mining-stage candidates count (Japan's definition uses mine output).
    Demand is the latest year in ``consumption.csv`` grown by
    ``demand_growth`` per year to the target year; recycling is held at its
    latest level.
``battery:<material>``
    (current secured supply + new secured supply) / need >= ratio, where the
    need is :func:`scrisk.metrics.battery.battery_needs` for ``battery_gwh``.
    Mining and refining candidates both count.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from scrisk.data.load import CONTAINED_UNITS
from scrisk.exceptions import (
    DataValidationError,
    InfeasibleTargetError,
    UnknownChoiceError,
    ValidationFailure,
)

SELF_SUFFICIENCY = "self_sufficiency"
BATTERY = "battery"
AGGREGATE = "base_metals"
DEFAULT_SELF_SUFFICIENCY = 0.8
DEFAULT_BATTERY_SCENARIO = "balanced"
SSR_MODES = ("aggregate", "per_metal", "both", "none")

# Units a candidate may report for a battery material, with the factor to the need's unit.
# Lithium needs are in t LCE (lithium carbonate equivalent): 1 t Li = 5.323 t LCE,
# 1 t Li2O = 2.473 t LCE (molar masses).
UNIT_FACTORS: dict[str, dict[str, float]] = {
    "lithium_lce": {"t lce": 1.0, "t li": 5.323, "t li2o": 2.473},
}
# Commodity groups of problems built without a dataset (commodities.csv's groups).
DEFAULT_GROUPS: dict[str, str] = {
    "copper": "base_metal", "zinc": "base_metal", "lead": "base_metal",
    "aluminium": "base_metal", "lithium": "battery", "nickel": "battery", "cobalt": "battery",
    "graphite": "battery", "manganese": "battery", "rare_earths": "rare_metal"}
# Largest candidate list accepted: the model has candidates x stake levels decisions, and the
# optimiser is measured up to 5,000 candidates (benchmarks/bench_optimize.py); at that size
# building the problem, the warm start and the result tables take a few seconds beside
# the --time-limit (more candidates: minutes, which the limit could not bound).
MAX_CANDIDATES = 5_000

GENERIC_UNITS = CONTAINED_UNITS  # candidates' units are checked at load (data.load)


class PortfolioParameterError(InfeasibleTargetError, ValueError):
    """A parameter of scoring or optimisation is out of range (exit code 2).

    A subclass of :class:`~scrisk.exceptions.InfeasibleTargetError` (the
    problem cannot be set up as asked) and of :class:`ValueError`.
    """


@dataclass(frozen=True)
class Target:
    """One policy target: a ratio of secured supply to a denominator.

    Attributes
    ----------
    name : str
        ``self_sufficiency:base_metals``, ``self_sufficiency:copper``,
        ``battery:lithium_lce``, ...
    kind : {"self_sufficiency", "battery"}
    commodities : tuple of str
        Candidate commodities that count toward it.
    stages : tuple of str
        Candidate stages that count toward it.
    denominator_t : float
        Demand (self-sufficiency) or need (battery) in tonnes per year.
    fixed_t : float
        Supply that no disruption touches (domestic recycling), tonnes.
    required_ratio : float
        The target, e.g. 0.8 for 80 %.
    unit : str
        Unit of the tonnes (``t``, ``t LCE``).
    weight : float
        Relative weight of one percentage point of its shortfall.
    """

    name: str
    kind: str
    commodities: tuple[str, ...]
    stages: tuple[str, ...]
    denominator_t: float
    fixed_t: float
    required_ratio: float
    unit: str = "t"
    weight: float = 1.0

    @property
    def label(self) -> str:
        """Short human label, e.g. ``base-metal self-sufficiency``."""
        what = self.name.split(":", 1)[1]
        if self.kind == SELF_SUFFICIENCY:
            return f"{what.replace('_', ' ')} self-sufficiency"
        return f"{what} for batteries"


@dataclass(frozen=True)
class PortfolioProblem:
    """Everything the optimiser needs, independent of any solver.

    Attributes
    ----------
    candidates : pandas.DataFrame
        One row per candidate: ``project_id, name, commodity, stage, iso3,
        unit, annual_output_t, stake_offered, cost_oku_yen, online_year,
        success_probability, groups`` (``;``-joined country groups),
        ``eligible`` (online by the target year) and ``full_t`` (expected
        secured tonnes at the full offered stake).
    targets : tuple of Target
    contributions : pandas.DataFrame
        Candidates x target names: tonnes (in the target's unit) that the
        full offered stake adds to the target's numerator (0 when it does
        not count).
    target_baseline : pandas.DataFrame
        ``target, commodity, iso3, secured_t``: current secured supply
        counted by each target, by commodity and country of the mine/refinery.
    supply_baseline : pandas.DataFrame
        ``commodity, iso3, secured_t``: the importer's current secured
        supply mix, used for the country cap and diversification.
    reference_t : pandas.Series
        Commodity -> tonnes used to normalise that commodity's supply in
        the diversification terms (demand or need where known).
    target_year : int
    iso3 : str
        The importer.
    notes : tuple of str
        Assumptions and data gaps met while building the problem.
    commodity_group : mapping commodity -> group
        ``base_metal``, ``battery``, ... (``commodities.csv``), for budget scopes.
    policy_budgets : tuple of BudgetEnvelope
        The importer's budget envelopes of ``policy_targets.csv`` (the default budgets).
    """

    candidates: pd.DataFrame
    targets: tuple[Target, ...]
    contributions: pd.DataFrame
    target_baseline: pd.DataFrame
    supply_baseline: pd.DataFrame
    reference_t: pd.Series
    target_year: int
    iso3: str = "JPN"
    notes: tuple[str, ...] = field(default=())
    commodity_group: Mapping[str, str] = field(default_factory=dict)
    policy_budgets: tuple = field(default=())

    @property
    def target_names(self) -> tuple[str, ...]:
        """Names of the targets, in order."""
        return tuple(t.name for t in self.targets)

    def target(self, name: str) -> Target:
        """The target called ``name``."""
        for t in self.targets:
            if t.name == name:
                return t
        raise UnknownChoiceError("target", name, self.target_names)

    def baseline_of(self, target: str) -> float:
        """Current numerator of a target (fixed + secured), tonnes."""
        t = self.target(target)
        rows = self.target_baseline.loc[self.target_baseline["target"] == target, "secured_t"]
        return float(t.fixed_t + rows.sum())

    def baseline_ratio(self, target: str) -> float:
        """Current ratio of a target (numerator / denominator)."""
        return self.baseline_of(target) / self.target(target).denominator_t

    def summary(self) -> pd.DataFrame:
        """One row per target: denominator, baseline and required ratio, candidates counting."""
        rows = []
        for t in self.targets:
            counting = int((self.contributions[t.name] > 0).sum())
            rows.append({"target": t.name, "unit": t.unit, "denominator_t": t.denominator_t,
                         "fixed_t": t.fixed_t, "baseline_ratio": self.baseline_ratio(t.name),
                         "required_ratio": t.required_ratio, "candidates": counting})
        return pd.DataFrame(rows)


# --------------------------------------------------------------------------- candidates


def dataset_with_candidates(candidates: str | os.PathLike, data: str | os.PathLike | None = None):
    """Load the dataset with ``candidates`` replacing ``suppliers/candidates.csv``.

    The file is validated by the same schema and cross-file rules as the
    shipped list (through an overlay folder); failures name the file given.

    Parameters
    ----------
    candidates : path-like
        A CSV file with the columns of ``suppliers/candidates.csv``.
    data : path-like, optional
        The user's overlay folder (``--data``), kept underneath.

    Returns
    -------
    Dataset

    Raises
    ------
    DataValidationError
        When the file is missing or fails validation.
    """
    from scrisk.data.load import load_dataset

    path = Path(candidates)
    if not path.is_file():
        raise DataValidationError([ValidationFailure(str(path), None, None, None,
                                                     "a candidates CSV file that exists")],
                                  about_dataset=False)
    check_candidates_size(path)
    with tempfile.TemporaryDirectory(prefix="scrisk-candidates-") as tmp:
        folder = Path(tmp) / "overlay"
        if data is not None:
            if not Path(data).is_dir():
                raise DataValidationError([ValidationFailure(str(data), None, None, None,
                                                             "an overlay folder that exists")])
            shutil.copytree(data, folder)
        (folder / "suppliers").mkdir(parents=True, exist_ok=True)
        (folder / "suppliers" / "candidates.extra.csv").unlink(missing_ok=True)
        shutil.copyfile(path, folder / "suppliers" / "candidates.csv")
        try:
            return load_dataset(overlay=folder)
        except DataValidationError as err:
            renamed = [replace(f, file=str(path)) if f.file == "suppliers/candidates.csv" else f
                       for f in err.failures]
            raise DataValidationError(renamed, about_dataset=any(
                f.file != str(path) for f in renamed)) from None


def check_candidates_size(path: str | os.PathLike, limit: int | None = None) -> None:
    """Refuse a candidates file of more than ``limit`` rows before reading it.

    Lines are counted in blocks and counting stops past the limit, so that a
    file of millions of rows is refused in milliseconds rather than loaded.

    Raises
    ------
    DataValidationError
        Naming the file, the rows counted and the limit.
    """
    limit = MAX_CANDIDATES if limit is None else limit
    path = Path(path)
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            if lines > limit + 1:  # the header line, then at most `limit` rows
                raise DataValidationError([ValidationFailure(
                    str(path), None, None, f"more than {limit:,} rows",
                    f"at most {limit:,} candidate projects (the optimiser's model grows with "
                    "candidates x stake levels); filter the list, e.g. by commodity, or "
                    "split it")], about_dataset=False)


def default_basis() -> str:
    """The self-sufficiency basis shared by the CLI, the report and the optimiser."""
    from scrisk.metrics import self_sufficiency as ssr

    return str(getattr(ssr, "DEFAULT_BASIS", "procured"))


def _groups_of(dataset, iso3: pd.Series) -> pd.Series:
    groups = dataset.country_groups
    by_country = groups.groupby("iso3")["group"].agg(lambda g: ";".join(sorted(set(g))))
    return iso3.map(by_country).fillna("").astype(str)


def _unit_factor(material: str | None, unit: str) -> float | None:
    text = " ".join(str(unit).strip().lower().split())
    if material in UNIT_FACTORS:
        return UNIT_FACTORS[material].get(text)
    if text in GENERIC_UNITS or text.startswith("t "):
        return 1.0
    return None


# --------------------------------------------------------------------------- building


def build_problem(dataset, target_year: int = 2030, *, iso3: str = "JPN",
                  self_sufficiency_target: float | None = None,
                  self_sufficiency_mode: str = "aggregate",
                  metals: Iterable[str] | None = None,
                  battery_gwh: float | None = 150.0,
                  battery_scenario: str | None = DEFAULT_BATTERY_SCENARIO,
                  battery_coverage_target: float = 1.0,
                  demand_growth: float = 0.0,
                  target_weights: Mapping[str, float] | None = None,
                  self_sufficiency_basis: str | None = None,
                  battery_path=None) -> PortfolioProblem:
    """Candidates, targets and current supply of one importer for one target year.

    Parameters
    ----------
    dataset : Dataset
    target_year : int
        Candidates count only if ``online_year <= target_year``.
    iso3 : str
        The importer whose companies acquire the stakes.
    self_sufficiency_target : float, optional
        Required base-metal self-sufficiency ratio; default the
        ``base_metal_self_sufficiency`` row of ``policy_targets.csv`` (0.8).
    self_sufficiency_mode : {"aggregate", "per_metal", "both", "none"}
        One target on the base metals together, one per metal, both, or none.
    metals : iterable of str, optional
        Base metals to include (default: every base metal with demand data).
    battery_gwh : float or None
        Annual cell production to supply; ``None`` or 0 for no battery targets.
    battery_scenario : str
        Chemistry-mix scenario of ``battery_scenarios.csv``.
    battery_coverage_target : float
        Required secured supply as a fraction of each material's need.
    demand_growth : float
        Annual growth of base-metal demand from its latest year to the target year.
    target_weights : mapping, optional
        Target name -> weight of its shortfall (default 1 each).
    self_sufficiency_basis : {"procured", "entitlement"}, optional
        Default :data:`scrisk.metrics.self_sufficiency.DEFAULT_BASIS` (the
        basis shared with the CLI and the report).
        How existing stakes count toward self-sufficiency: ``procured``
        scales each mine's secured tonnes by the share of its
        country's ore exports that reach the importer, the proxy of
        :func:`scrisk.metrics.self_sufficiency.procured_supply` that is close
        to how the official ratio counts; ``entitlement`` counts the full
        equity or offtake share. New stakes always count in full: a
        rights acquisition comes with the offtake.
    battery_path : path-like or DemandPath, optional
        A demand path (:mod:`scrisk.metrics.demand`): the battery targets are
        the needs of its GWh and chemistry mix in ``target_year``, instead of
        ``battery_gwh`` and ``battery_scenario``.

    Returns
    -------
    PortfolioProblem

    Raises
    ------
    UnknownChoiceError
        For an unknown metal, scenario or mode.
    PortfolioParameterError
        For a ratio, growth or GWh out of range.
    """
    from scrisk.metrics.battery import MATERIAL_OF_COMMODITY, battery_needs
    from scrisk.metrics.self_sufficiency import (
        secured_shares,
        secured_supply,
        self_sufficiency,
    )
    from scrisk.optimize.budgets import commodity_groups, policy_envelopes

    if self_sufficiency_basis is None:
        self_sufficiency_basis = default_basis()
    if self_sufficiency_basis not in ("procured", "entitlement"):
        raise UnknownChoiceError("self-sufficiency basis", self_sufficiency_basis,
                                 ("procured", "entitlement"))
    if self_sufficiency_mode not in SSR_MODES:
        raise UnknownChoiceError("self-sufficiency mode", self_sufficiency_mode, SSR_MODES)
    if not -0.5 < demand_growth < 1.0:
        raise PortfolioParameterError(
            f"demand_growth must be a yearly rate between -0.5 and 1 (e.g. 0.01 for 1 %), "
            f"got {demand_growth}")
    if battery_gwh is not None and battery_gwh < 0:
        raise PortfolioParameterError(f"battery_gwh must be >= 0 GWh, got {battery_gwh}")
    if not 0 <= battery_coverage_target <= 10:
        raise PortfolioParameterError(
            f"battery_coverage_target must be a fraction of the need in [0, 10], "
            f"got {battery_coverage_target}; give 1.0 for 100 %")
    iso3 = dataset.check_country(iso3)
    battery_mix, path_label = None, ""
    if battery_path is not None:
        battery_gwh, battery_mix, path_label = _demand_path_target(dataset, battery_path,
                                                                   target_year)
    target_year = int(target_year)
    notes: list[str] = []

    if len(dataset.candidates) > MAX_CANDIDATES:
        raise PortfolioParameterError(
            f"{len(dataset.candidates):,} candidate projects; at most {MAX_CANDIDATES:,} are "
            "accepted (the optimiser's model grows with candidates x stake levels)")
    cand = dataset.candidates.sort_values("project_id", ignore_index=True)
    cand["groups"] = _groups_of(dataset, cand["iso3"])
    cand["eligible"] = (cand["online_year"] <= target_year).to_numpy()
    cand["full_t"] = (cand["stake_offered"] * cand["annual_output_t"]
                      * cand["success_probability"]).astype(float)
    late = cand.loc[~cand["eligible"], "project_id"].tolist()
    if late:
        notes.append(f"{len(late)} candidate(s) come online after {target_year} and do not "
                     f"count: {', '.join(late)}")

    held = secured_shares(dataset, iso3)
    held = held.loc[held["status"] == "operating"]

    targets: list[Target] = []
    target_base: list[pd.DataFrame] = []
    weights = dict(target_weights or {})
    ssr_demand: dict[str, float] = {}

    # -- base-metal self-sufficiency
    if self_sufficiency_mode != "none":
        ratio = self_sufficiency_target
        if ratio is None:
            targets_table = dataset.policy_targets
            rows = targets_table.loc[(targets_table["iso3"] == iso3)
                                     & (targets_table["metric"] == "base_metal_self_sufficiency")]
            ratio = float(rows["value"].iloc[0]) if len(rows) else DEFAULT_SELF_SUFFICIENCY
        if not 0 <= ratio <= 2:
            raise PortfolioParameterError(
                f"self_sufficiency_target must be a ratio in [0, 2] (0.8 for 80 %), got {ratio}")
        com = dataset.commodities
        base_metals = tuple(com.loc[com["group"] == "base_metal", "commodity"])
        cons = dataset.consumption
        with_demand = tuple(sorted(set(cons.loc[(cons["iso3"] == iso3) & cons["demand_t"].notna(),
                                                "commodity"]) & set(base_metals)))
        if metals is None:
            chosen = with_demand
            missing = sorted(set(cand["commodity"]) & set(base_metals) - set(with_demand))
            if missing:
                notes.append(f"no domestic demand data for {', '.join(missing)}: "
                             "its candidates count toward no self-sufficiency target")
        else:
            chosen = tuple(dict.fromkeys(metals))
            for metal in chosen:
                if metal not in with_demand:
                    raise UnknownChoiceError(f"base metal with {iso3} demand data", metal,
                                             with_demand)
        if not chosen:
            raise PortfolioParameterError(
                f"no base metal has demand data for {iso3} in consumption.csv; "
                "use self_sufficiency_mode='none'")
        # only each metal's latest row is used: the latest demand year (every metal has a row
        # there, its demand carried from its own latest year); all years if one is missing
        rows = cons.loc[(cons["iso3"] == iso3) & cons["commodity"].isin(chosen)
                        & cons["demand_t"].notna(), "year"]
        ss = self_sufficiency(dataset, iso3, years=[int(rows.max())],
                              basis=self_sufficiency_basis, commodities=chosen)
        ss = ss.loc[ss["commodity"].isin(chosen)]
        if set(ss["commodity"]) != set(chosen) or \
                ss[["demand_t", "recycling_t"]].isna().to_numpy().any():
            ss = self_sufficiency(dataset, iso3, basis=self_sufficiency_basis,
                                  commodities=chosen)
            ss = ss.loc[ss["commodity"].isin(chosen)]
        latest = ss.sort_values("year").groupby("commodity").last()
        years_ahead = (target_year - latest["year"]).clip(lower=0)
        demand = latest["demand_t"] * (1.0 + demand_growth) ** years_ahead
        recycling = latest["recycling_t"].fillna(0.0)
        ssr_demand = {m: float(demand[m]) for m in chosen}
        for metal in chosen:
            notes.append(f"{metal} demand {latest.loc[metal, 'demand_t']:,.0f} t in "
                         f"{int(latest.loc[metal, 'year'])}"
                         + (f", projected {demand[metal]:,.0f} t in {target_year}"
                            if demand_growth else ", held constant to the target year"))
        # existing stakes: the same per-mine tonnes as self_sufficiency() for the demand year
        parts = []
        column = "procured_t" if self_sufficiency_basis == "procured" else "entitled_t"
        for year in sorted({int(latest.loc[m, "year"]) for m in chosen}):
            metals_of_year = [m for m in chosen if int(latest.loc[m, "year"]) == year]
            mines = secured_supply(dataset, iso3, year, metals_of_year)
            parts.append(mines.assign(secured_t=mines[column].astype(float)))
        mines = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["commodity", "iso3", "secured_t"])
        if self_sufficiency_basis == "procured":
            notes.append("existing stakes count by the procured basis of "
                         "scrisk.metrics.self_sufficiency (secured tonnes x the share reaching "
                         "the importer: disclosed offtake, else the mine country's "
                         "contained-metal export share); new stakes count in full")
        per_metal = mines.groupby(["commodity", "iso3"])["secured_t"].sum().reset_index()
        specs = []
        if self_sufficiency_mode in ("aggregate", "both"):
            specs.append((AGGREGATE, chosen))
        if self_sufficiency_mode in ("per_metal", "both"):
            specs.extend((m, (m,)) for m in chosen)
        for label, metals_of in specs:
            name = f"{SELF_SUFFICIENCY}:{label}"
            targets.append(Target(name, SELF_SUFFICIENCY, metals_of, ("mining",),
                                  float(demand[list(metals_of)].sum()),
                                  float(recycling[list(metals_of)].sum()), float(ratio), "t",
                                  float(weights.pop(name, 1.0))))
            part = per_metal.loc[per_metal["commodity"].isin(metals_of)]
            target_base.append(part.assign(target=name))

    # -- battery materials
    if battery_gwh:
        if battery_scenario is None and battery_mix is None:
            raise PortfolioParameterError("give a battery_scenario for the battery targets")
        need = battery_needs(dataset, float(battery_gwh),
                             None if battery_mix is not None else battery_scenario,
                             mix=battery_mix)
        need = need.set_index("material")["tonnes"]
        for commodity, material in MATERIAL_OF_COMMODITY.items():
            if material not in need.index or need[material] <= 0:
                continue
            name = f"{BATTERY}:{material}"
            rows = held.loc[held["commodity"] == commodity]
            stage = "mining" if rows.loc[rows["stage"] == "mining", "secured_t"].sum() > 0 \
                else "refining"
            rows = rows.loc[rows["stage"] == stage].groupby("iso3")["secured_t"].sum()
            unit = "t LCE" if material == "lithium_lce" else "t"
            targets.append(Target(name, BATTERY, (commodity,), ("mining", "refining"),
                                  float(need[material]), 0.0, float(battery_coverage_target),
                                  unit, float(weights.pop(name, 1.0))))
            target_base.append(pd.DataFrame({"target": name, "commodity": commodity,
                                             "iso3": rows.index,
                                             "secured_t": rows.to_numpy(dtype=float)}))
        notes.append(path_label or f"battery needs for {battery_gwh:g} GWh/yr, chemistry mix "
                     f"'{battery_scenario}'")
    if weights:
        raise UnknownChoiceError("target in target_weights", next(iter(weights)),
                                 [t.name for t in targets])

    # -- contributions of each candidate's full stake to each target
    contrib = pd.DataFrame(0.0, index=cand["project_id"], columns=[t.name for t in targets])
    for t in targets:
        material = t.name.split(":", 1)[1] if t.kind == BATTERY else None
        counts = (cand["commodity"].isin(t.commodities) & cand["stage"].isin(t.stages)
                  & cand["eligible"]).to_numpy()
        factors = np.array([_unit_factor(material, u) if c else 0.0
                            for u, c in zip(cand["unit"], counts, strict=True)], dtype=object)
        bad = [pid for pid, f, c in zip(cand["project_id"], factors, counts, strict=True)
               if c and f is None]
        if bad:
            notes.append(f"unit not convertible to {t.unit} for {t.name}: {', '.join(bad)} "
                         "(ignored for this target)")
        factor = np.array([0.0 if f is None else float(f) for f in factors])
        contrib[t.name] = cand["full_t"].to_numpy() * factor

    # -- the importer's current secured supply mix by commodity
    supply = []
    for commodity in sorted(set(cand["commodity"])):
        rows = held.loc[held["commodity"] == commodity]
        stage = "mining" if rows.loc[rows["stage"] == "mining", "secured_t"].sum() > 0 \
            else "refining"
        rows = rows.loc[rows["stage"] == stage].groupby("iso3")["secured_t"].sum()
        rows = rows.loc[rows > 0]
        supply.append(pd.DataFrame({"commodity": commodity, "iso3": rows.index,
                                    "secured_t": rows.to_numpy(dtype=float)}))
    supply_baseline = _concat(supply, ["commodity", "iso3", "secured_t"])
    reference = {}
    for commodity in sorted(set(cand["commodity"])):
        own = [t for t in targets if t.commodities == (commodity,)]
        if commodity in ssr_demand:
            reference[commodity] = float(ssr_demand[commodity])
        elif own:
            reference[commodity] = own[0].denominator_t
        else:
            total = (supply_baseline.loc[supply_baseline["commodity"] == commodity,
                                         "secured_t"].sum()
                     + cand.loc[(cand["commodity"] == commodity) & cand["eligible"],
                                "full_t"].sum())
            reference[commodity] = float(total) if total > 0 else 1.0

    cand = cand[["project_id", "name", "commodity", "stage", "iso3", "unit", "annual_output_t",
                 "stake_offered", "cost_oku_yen", "online_year", "success_probability",
                 "illustrative", "groups", "eligible", "full_t"]]
    return PortfolioProblem(
        candidates=cand,
        targets=tuple(targets),
        contributions=contrib,
        target_baseline=_concat(target_base, ["target", "commodity", "iso3", "secured_t"]),
        supply_baseline=supply_baseline,
        reference_t=pd.Series(reference, dtype=float, name="reference_t"),
        target_year=target_year,
        iso3=iso3,
        notes=tuple(notes),
        commodity_group=commodity_groups(dataset),
        policy_budgets=policy_envelopes(dataset, iso3),
    )


def _concat(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype=float if c.endswith("_t") else object)
                             for c in columns})
    return pd.concat(parts, ignore_index=True)[columns]


def problem_from_frames(candidates: pd.DataFrame, targets: Iterable[Target], *,
                        target_year: int = 2030,
                        target_baseline: pd.DataFrame | None = None,
                        supply_baseline: pd.DataFrame | None = None,
                        reference_t: Mapping[str, float] | None = None,
                        iso3: str = "JPN",
                        commodity_group: Mapping[str, str] | None = None) -> PortfolioProblem:
    """A problem from plain tables (tests, benchmarks, what-if analysis without a dataset).

    Parameters
    ----------
    candidates : pandas.DataFrame
        Columns ``project_id, commodity, iso3, annual_output_t, stake_offered,
        cost_oku_yen, online_year, success_probability``; optional ``name``,
        ``stage`` (default mining), ``unit`` (t), ``groups`` (``;``-joined).
    targets : iterable of Target
    target_year : int
    target_baseline, supply_baseline : pandas.DataFrame, optional
        As in :class:`PortfolioProblem` (default: none held).
    reference_t : mapping, optional
        Commodity -> normalising tonnes (default: a target's denominator
        when the target covers only that commodity, else the total supply).
    commodity_group : mapping, optional
        Commodity -> group for budget scopes (default: copper, zinc, lead
        ``base_metal``; lithium, nickel, cobalt, graphite, manganese ``battery``).

    Examples
    --------
    >>> import pandas as pd
    >>> cands = pd.DataFrame({"project_id": ["A", "B"], "commodity": "copper", "iso3": ["CHL", "PER"],
    ...     "annual_output_t": [100.0, 50.0], "stake_offered": 0.5, "cost_oku_yen": [10.0, 4.0],
    ...     "online_year": 2028, "success_probability": 1.0})
    >>> t = Target("self_sufficiency:copper", "self_sufficiency", ("copper",), ("mining",),
    ...            denominator_t=1000.0, fixed_t=0.0, required_ratio=0.05)
    >>> p = problem_from_frames(cands, [t])
    >>> p.contributions["self_sufficiency:copper"].tolist()
    [50.0, 25.0]
    """
    targets = tuple(targets)
    cand = candidates.copy()
    defaults = {"name": cand["project_id"], "stage": "mining", "unit": "t", "groups": "",
                "illustrative": True}
    for col, value in defaults.items():
        if col not in cand:
            cand[col] = value
    cand = cand.sort_values("project_id", ignore_index=True)
    cand["eligible"] = (cand["online_year"] <= target_year).to_numpy()
    cand["full_t"] = (cand["stake_offered"] * cand["annual_output_t"]
                      * cand["success_probability"]).astype(float)
    contrib = pd.DataFrame(0.0, index=cand["project_id"], columns=[t.name for t in targets])
    for t in targets:
        counts = (cand["commodity"].isin(t.commodities) & cand["stage"].isin(t.stages)
                  & cand["eligible"]).to_numpy()
        contrib[t.name] = np.where(counts, cand["full_t"].to_numpy(), 0.0)
    tb = target_baseline if target_baseline is not None else _concat(
        [], ["target", "commodity", "iso3", "secured_t"])
    if "commodity" not in tb:
        first = {t.name: t.commodities[0] for t in targets}
        tb = tb.assign(commodity=tb["target"].map(first))[
            ["target", "commodity", "iso3", "secured_t"]]
    sb = supply_baseline if supply_baseline is not None else _concat(
        [], ["commodity", "iso3", "secured_t"])
    reference = dict(reference_t or {})
    for commodity in sorted(set(cand["commodity"])):
        if commodity in reference:
            continue
        own = [t for t in targets if t.commodities == (commodity,)]
        if own:
            reference[commodity] = own[0].denominator_t
        else:
            total = sb.loc[sb["commodity"] == commodity, "secured_t"].sum() + cand.loc[
                cand["commodity"] == commodity, "full_t"].sum()
            reference[commodity] = float(total) if total > 0 else 1.0
    return PortfolioProblem(cand, targets, contrib, tb.reset_index(drop=True),
                            sb.reset_index(drop=True),
                            pd.Series(reference, dtype=float, name="reference_t"),
                            int(target_year), iso3, (),
                            dict(commodity_group or DEFAULT_GROUPS))


def _demand_path_target(dataset, battery_path, target_year: int) -> tuple[float, pd.Series, str]:
    """GWh, chemistry mix and a note for the battery targets of a demand path's year."""
    from scrisk.metrics.demand import DemandPath, demand_gwh, load_path

    path = battery_path if isinstance(battery_path, DemandPath) else load_path(battery_path,
                                                                              dataset)
    if target_year not in path.years:
        raise PortfolioParameterError(
            f"target year {target_year} is outside the demand path '{path.name}' "
            f"({path.years[0]}-{path.years[-1]})")
    gwh = float(demand_gwh(path).set_index("year").loc[target_year, "gwh"])
    mix = path.chemistry.loc[target_year]
    mix = mix[mix > 0]
    return gwh, mix, (f"battery needs of the demand path '{path.name}' in {target_year}: "
                      f"{gwh:.1f} GWh/yr (central), its chemistry mix of that year")
