"""Disruption scenarios as data: parse, validate strictly, and run them.

A scenario file (TOML, or YAML when PyYAML is installed) names the importer
and lists shocks; ``docs/scenarios.md`` documents every key and
``scenarios/`` holds examples. :func:`load_scenario` reads and validates a
file against the dataset, collecting every problem (unknown key, misspelt
country, share outside 0..1, ...) into one :class:`~scrisk.exceptions.ScenarioError`.
:func:`run_scenario` evaluates it once with the vectorised engine
(:mod:`scrisk.disruption.engine`) and returns the supply after the shocks by
commodity and origin, with the remaining self-sufficiency and battery
coverage.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse

from scrisk.data.load import Dataset
from scrisk.data.schemas import STAGES, YEAR_MAX, YEAR_MIN
from scrisk.data.structured import read_structured
from scrisk.disruption.engine import (
    ROUTE_DESTINATION,
    Gates,
    SeaRoutes,
    SupplyModel,
    family_name,
)
from scrisk.disruption.shocks import SHOCK_KINDS, CheckContext, CompileContext, key_checks
from scrisk.disruption.shocks.base import MAX_LIST, close_match, is_number
from scrisk.disruption.shocks.base import check_country as _country
from scrisk.disruption.shocks.facility_outage import same_unit  # noqa: F401  (re-exported)
from scrisk.exceptions import (
    InputFileError,
    ScenarioError,
    UnknownChoiceError,
)
from scrisk.network import LI_PER_LCE, default_year
from scrisk.origins import flow_model

KINDS = tuple(SHOCK_KINDS)
"""Names of the shock kinds, from the registry :data:`scrisk.disruption.shocks.SHOCK_KINDS`."""
COMMON_KEYS = ("id", "kind", "size", "probability", "duration_months", "source", "note")
# kind -> (required keys besides kind, optional keys, default size or None when size is required)
KIND_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...], float | None]] = {
    name: (kind.required, kind.optional, kind.default_size) for name, kind in SHOCK_KINDS.items()
}
TOP_KEYS = ("name", "description", "name_ja", "description_ja", "importer", "year",
            "sources", "shocks")
MONTHS_PER_YEAR = 12.0
DEFAULT_GWH = 150.0
DEFAULT_BATTERY_SCENARIO = "balanced"
MAX_SHOCKS = 10_000
"""Most shocks one scenario may list (one per country, commodity and stage is about 8,000)."""


# --------------------------------------------------------------------------- spec


@dataclass(frozen=True)
class Shock:
    """One shock of a scenario (validated; countries are ISO3 codes).

    Attributes
    ----------
    id : str
    kind : str
        A kind of the registry :data:`scrisk.disruption.shocks.SHOCK_KINDS`
        (``export_ban``, ``export_quota``, ``production_cut``,
        ``facility_outage``, ``sea_lane_closure``, ``demand_shock``,
        ``trade_link``).
    size : float
        Share of capacity lost (0..1); for ``demand_shock`` the relative rise
        of the importer's demand.
    probability : float
        Chance that the shock happens in a year (used by Monte Carlo; a
        deterministic run applies every shock).
    duration_months : float
        Months of the year the shock lasts (0 < d <= 12).
    country, commodity, stage, chokepoint, facility : str or None
        The target, as the kind requires.
    commodities : tuple of str or None
        ``sea_lane_closure`` only: commodities affected (``None``: all).
    source, note : str
    """

    id: str
    kind: str
    size: float
    probability: float = 1.0
    duration_months: float = MONTHS_PER_YEAR
    country: str | None = None
    commodity: str | None = None
    stage: str | None = None
    chokepoint: str | None = None
    facility: str | None = None
    commodities: tuple[str, ...] | None = None
    source: str = ""
    note: str = ""

    @property
    def effective_size(self) -> float:
        """Share of the year's capacity lost: ``size * duration_months / 12``."""
        return self.size * min(self.duration_months, MONTHS_PER_YEAR) / MONTHS_PER_YEAR

    def applies_to(self, commodity: str) -> bool:
        """Whether the shock can change the supply of ``commodity``."""
        return SHOCK_KINDS[self.kind].applies_to(self, commodity)

    def target(self) -> str:
        """Short human-readable description of what the shock hits."""
        return SHOCK_KINDS[self.kind].target(self)


@dataclass(frozen=True)
class Scenario:
    """A named set of shocks for one importer.

    Attributes
    ----------
    name : str
    shocks : tuple of Shock
    importer : str
        ISO3 code (default ``JPN``).
    year : int or None
        Data year to run on (``None``: the latest year with production and trade).
    description : str
    sources : tuple of str
    file : str
        Where the scenario was read from (for messages).
    name_ja, description_ja : str
        Japanese title and description (empty when the file gives none).
    """

    name: str
    shocks: tuple[Shock, ...]
    importer: str = "JPN"
    year: int | None = None
    description: str = ""
    sources: tuple[str, ...] = ()
    file: str = "scenario"
    name_ja: str = ""
    description_ja: str = ""

    def commodities(self, dataset: Dataset) -> tuple[str, ...]:
        """Commodities the scenario can affect (all, when a sea lane closes for all)."""
        touched = [SHOCK_KINDS[s.kind].commodities(s) for s in self.shocks]
        if any(t is None for t in touched):
            return tuple(sorted(dataset.commodities_list))
        named: set[str] = set()
        for t in touched:
            named |= set(t)
        return tuple(sorted(named))

    def to_frame(self) -> pd.DataFrame:
        """One row per shock: id, kind, target, size, probability, duration, effective size."""
        return pd.DataFrame({
            "id": [s.id for s in self.shocks],
            "kind": [s.kind for s in self.shocks],
            "target": [s.target() for s in self.shocks],
            "size": [s.size for s in self.shocks],
            "probability": [s.probability for s in self.shocks],
            "duration_months": [s.duration_months for s in self.shocks],
            "effective_size": [s.effective_size for s in self.shocks],
        })

    def summary(self) -> pd.DataFrame:
        """Same as :meth:`to_frame`."""
        return self.to_frame()


# --------------------------------------------------------------------------- reading


def read_scenario_file(path: str | os.PathLike) -> dict:
    """Read a scenario file into a plain mapping (TOML or YAML), within the reading limits.

    The file is read by :func:`scrisk.data.structured.read_structured`: at
    most 1 MB, nesting at most 32 deep, no YAML aliases, no key given twice.

    Raises
    ------
    ScenarioError
        When the file is missing, too large or cannot be parsed (the
        parser's message gives the line).
    """
    label = str(path)
    try:
        data = read_structured(path, label)
    except InputFileError as err:
        raise ScenarioError([err.problem], file=label) from err
    if not isinstance(data, dict):
        raise ScenarioError(["the file must hold a mapping of keys (name, shocks, ...)"],
                            file=label)
    return data


def load_scenario(path: str | os.PathLike, dataset: Dataset | None = None) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path : path-like
        A ``.toml`` (or ``.yaml``) file, see ``docs/scenarios.md``.
    dataset : Dataset, optional
        The data the names are checked against (default: the shipped dataset).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Listing every problem found.
    """
    if dataset is None:
        from scrisk.data.load import load_dataset

        dataset = load_dataset()
    return parse_scenario(read_scenario_file(path), dataset, file=str(path))


def parse_scenario(data: Mapping, dataset: Dataset, file: str = "scenario") -> Scenario:
    """Validate a scenario given as a mapping (what a TOML file parses to).

    Every problem is collected before raising: unknown keys, missing keys,
    wrong types, unknown or misspelt countries (with suggestions), unknown
    commodities, stages, chokepoints and facilities, shares or probabilities
    outside 0..1, durations outside (0, 12] months, duplicate ids.

    Parameters
    ----------
    data : Mapping
    dataset : Dataset
    file : str
        Name used in messages.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> ds = load_dataset()
    >>> spec = {"name": "test", "shocks": [{"kind": "export_ban", "country": "Chnia",
    ...         "commodity": "graphite", "stage": "mining", "size": 1.5}]}
    >>> try:
    ...     parse_scenario(spec, ds)
    ... except Exception as err:
    ...     print(err)
    2 problem(s) in scenario:
      - shocks[0] (export_ban-1): size must be a number in [0, 1], got 1.5
      - shocks[0] (export_ban-1): country 'Chnia' is not a known country; did you mean CHN (China)?
    """
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise ScenarioError(["the file must hold a mapping of keys (name, shocks, ...)"], file)
    _unknown_keys(data, TOP_KEYS, "top level", problems)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("top level: 'name' must be given as text")
    description = _text(data, "description", "top level", problems)
    name_ja = _text(data, "name_ja", "top level", problems)
    description_ja = _text(data, "description_ja", "top level", problems)
    sources = data.get("sources", [])
    if isinstance(sources, str):
        sources = [sources]
    if isinstance(sources, list) and len(sources) > MAX_LIST:
        problems.append(f"top level: 'sources' lists {len(sources):,} entries; at most "
                        f"{MAX_LIST:,} are accepted")
        sources = []
    elif not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        problems.append("top level: 'sources' must be a list of text citations")
        sources = []
    importer = ROUTE_DESTINATION
    if "importer" in data:
        importer = _country(dataset, data["importer"], "top level: importer", problems) or importer
    year = data.get("year")
    if year is not None:
        if isinstance(year, bool) or not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
            problems.append(f"top level: 'year' must be a year between {YEAR_MIN} and "
                            f"{YEAR_MAX}, got {year!r}")
            year = None
        elif year not in dataset.years("production"):
            problems.append(f"top level: year {year} has no production data; years held: "
                            + ", ".join(str(y) for y in dataset.years("production")))
            year = None
    raw_shocks = data.get("shocks")
    shocks: list[Shock] = []
    if not isinstance(raw_shocks, list) or not raw_shocks:
        problems.append("top level: 'shocks' must list at least one shock ([[shocks]] tables)")
        raw_shocks = []
    elif len(raw_shocks) > MAX_SHOCKS:
        problems.append(f"top level: 'shocks' lists {len(raw_shocks):,} shocks; at most "
                        f"{MAX_SHOCKS:,} are accepted in one scenario (split it into several "
                        "files)")
        raw_shocks = []
    seen: dict[str, int] = {}
    counters: dict[str, int] = {}
    for n, raw in enumerate(raw_shocks):
        shock = _parse_shock(n, raw, dataset, importer, counters, problems)
        if shock is None:
            continue
        if shock.id in seen:
            problems.append(f"shocks[{n}] ({shock.id}): id repeats shocks[{seen[shock.id]}]; "
                            "give each shock its own id")
        seen.setdefault(shock.id, n)
        shocks.append(shock)
    if problems:
        raise ScenarioError(problems, file)
    return Scenario(name=name.strip(), shocks=tuple(shocks), importer=importer, year=year,
                    description=description or "", sources=tuple(sources), file=file,
                    name_ja=(name_ja or "").strip(), description_ja=description_ja or "")


def _parse_shock(n: int, raw: object, dataset: Dataset, importer: str,
                 counters: dict[str, int], problems: list[str]) -> Shock | None:
    if not isinstance(raw, Mapping):
        problems.append(f"shocks[{n}]: must be a table of keys (kind, size, ...)")
        return None
    kind = raw.get("kind")
    counters[str(kind)] = counters.get(str(kind), 0) + 1
    sid = raw.get("id", f"{kind}-{counters[str(kind)]}")
    where = f"shocks[{n}] ({sid})"
    if not isinstance(sid, str) or not sid.strip():
        problems.append(f"shocks[{n}]: 'id' must be text")
        sid = f"shock-{n}"
    if kind not in KINDS:
        close = _close(str(kind), KINDS, 0.5, problems)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}{hint}"
                        if kind is not None else
                        f"{where}: 'kind' is missing; one of {', '.join(KINDS)}")
        return None
    required, optional, default_size = KIND_KEYS[kind]   # SHOCK_KINDS[kind], as a tuple
    allowed = tuple(dict.fromkeys((*COMMON_KEYS, *required, *optional)))
    _unknown_keys(raw, allowed, where, problems)
    before = len(problems)
    for key in required:
        if key not in raw:
            problems.append(f"{where}: '{key}' is required for kind {kind}")
    size = raw.get("size", default_size)
    size = _share(size, "size", where, problems) if size is not None else None
    probability = _share(raw.get("probability", 1.0), "probability", where, problems)
    duration = raw.get("duration_months", MONTHS_PER_YEAR)
    if not _is_number(duration) or not 0 < float(duration) <= MONTHS_PER_YEAR:
        problems.append(f"{where}: duration_months must be a number in (0, 12] (the engine "
                        f"evaluates one year of supply), got {duration!r}")
        duration = MONTHS_PER_YEAR
    fields: dict[str, object] = dict.fromkeys(
        ("country", "commodity", "stage", "chokepoint", "facility", "commodities"))
    ctx = CheckContext(dataset, importer, where, problems)
    for key, check in key_checks().items():     # each kind checks its own keys (shocks/)
        if key in raw:
            fields.update(check(raw[key], ctx))
    source = _text(raw, "source", where, problems)
    note = _text(raw, "note", where, problems)
    if len(problems) > before:
        return None
    return Shock(id=sid, kind=kind, size=float(size), probability=float(probability),
                 duration_months=float(duration), **fields, source=source or "",
                 note=note or "")


def _unknown_keys(raw: Mapping, allowed: Sequence[str], where: str, problems: list[str]) -> None:
    for key in raw:
        if key not in allowed:
            close = _close(str(key), allowed, 0.7, problems)
            hint = f"; did you mean {close[0]!r}?" if close else \
                f"; allowed: {', '.join(allowed)}"
            problems.append(f"{where}: unknown key {key!r}{hint}")


def _close(given: str, choices: Sequence[str], cutoff: float, problems: list[str]) -> list[str]:
    return close_match(given, choices, cutoff, problems)


def _is_number(value: object) -> bool:
    return is_number(value)


def _share(value: object, key: str, where: str, problems: list[str]) -> float:
    if not _is_number(value) or not 0.0 <= float(value) <= 1.0:
        problems.append(f"{where}: {key} must be a number in [0, 1], got {value!r}")
        return 0.0
    return float(value)


def _text(raw: Mapping, key: str, where: str, problems: list[str]) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        problems.append(f"{where}: '{key}' must be text, got {value!r}")
        return None
    return value


# --------------------------------------------------------------------------- compiling


def as_activity(active) -> scipy.sparse.csr_array:
    """An activity matrix (runs x shocks, 1 where a shock happens) as a CSR array."""
    if scipy.sparse.issparse(active):
        out = scipy.sparse.csr_array(active, dtype=float)
    else:
        out = scipy.sparse.csr_array(np.atleast_2d(np.asarray(active, dtype=float)))
    out.sum_duplicates()
    out.eliminate_zeros()
    out.sort_indices()
    return out


def unique_activity(active) -> tuple[scipy.sparse.csr_array, np.ndarray]:
    """Distinct rows of an activity matrix and, per run, the position of its row.

    Rows are grouped by two random-weight fingerprints of the shocks they
    hold, then checked shock by shock against their group's first row, so a
    fingerprint collision can never merge two different patterns.

    Examples
    --------
    >>> import numpy as np
    >>> rows, where = unique_activity(np.array([[1, 0], [0, 0], [1, 0]]))
    >>> rows.toarray().tolist(), where.tolist()
    ([[1.0, 0.0], [0.0, 0.0]], [0, 1, 0])
    """
    active = as_activity(active)
    runs, J = active.shape
    weights = np.random.Generator(np.random.PCG64(20_231)).random((J, 2)) + 0.5
    pattern = (active != 0).astype(float)
    keys = np.column_stack([pattern @ weights[:, 0], pattern @ weights[:, 1],
                            np.diff(active.indptr).astype(float), active @ weights[:, 0]])
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    order = np.argsort(first, kind="stable")          # groups in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    first, inverse = first[order], rank[inverse]
    rep = first[inverse]
    counts = np.diff(active.indptr)
    offsets = np.arange(active.indices.size) - np.repeat(active.indptr[:-1], counts)
    rep_pos = np.repeat(active.indptr[rep], counts) + offsets
    if not (np.array_equal(counts, counts[rep])
            and np.array_equal(active.indices, active.indices[rep_pos])
            and np.array_equal(active.data, active.data[rep_pos])):
        raise RuntimeError("activity fingerprints collided; please report this")
    return active[first], inverse


@dataclass
class CompiledCommodity:
    """The shocks of a scenario turned into matrices for one commodity's model.

    ``log[family]`` is ``(J, n)`` sparse: the log of the share that survives,
    at the targeted column, for every shock ``j`` of that family. A batch of
    ``S`` scenarios, given as an activity matrix ``active`` (``(S, J)``, 1
    where shock ``j`` happens, dense or sparse), has gate
    ``exp(active @ log[family])``: surviving shares multiply. Facility
    outages add up as a share of their country's output (``fac``). A batch
    is one sparse product per gate family, whose cost follows the shocks
    that happen, and the gates stay sparse (the share lost).
    """

    commodity: str
    model: SupplyModel
    log: dict[str, scipy.sparse.csr_array]
    fac: dict[str, scipy.sparse.csr_array]
    lanes: np.ndarray | None
    demand: np.ndarray | None
    secured: pd.DataFrame
    outage: np.ndarray | None
    notes: list[str] = field(default_factory=list)

    def gates(self, active) -> tuple[Gates, dict]:
        """Gates of a batch and the country-level cuts (without facility outages).

        ``cuts`` maps a stage to the share of each country's output lost to
        country-level shocks, ``(S, n)`` sparse.
        """
        active = as_activity(active)
        model = self.model
        gates = model.gates(active.shape[0])
        cuts: dict = {}
        for family, matrix in self.log.items():
            logs = scipy.sparse.csr_array(active @ matrix)
            logs.data = -np.expm1(logs.data)     # share lost: 1 - exp(sum of log survivals)
            gates.set_loss(family, logs)
        for stage in model.flow.stages:
            cuts[stage] = gates.loss(family_name("production", stage))
        for stage, matrix in self.fac.items():
            lost = scipy.sparse.csr_array(active @ matrix)
            lost.data = np.clip(lost.data, 0.0, 1.0)
            name = family_name("production", stage)
            before = gates.loss(name)
            gates.set_loss(name, lost if before is None
                           else before + lost - before.multiply(lost))
        if self.lanes is not None:
            gates.lanes = np.exp(np.asarray(active @ self.lanes))
        return gates, cuts

    def demand_factor(self, active) -> np.ndarray:
        """``(S,)`` factor on the importer's demand (1 = unchanged)."""
        active = as_activity(active)
        if self.demand is None:
            return np.ones(active.shape[0])
        return np.exp(np.asarray(active @ self.demand).reshape(-1))

    def feed_countries(self) -> tuple[str, ...]:
        """Countries whose surviving feed the secured facilities need."""
        return tuple(sorted({str(c) for c, st in zip(self.secured["iso3"], self.secured["stage"],
                                                     strict=True) if st != "mining"}))

    def secured_after(self, active, gates: Gates, cuts: dict,
                      evaluation) -> np.ndarray:
        """``(S, n_facilities)`` secured tonnes of each importer-owned facility after the shocks.

        A mine's secured output survives its country's production cut, the
        facility's own outage and, abroad, its country's ore-export gate and
        the sea route to the importer; a refinery's also needs its ore feed.
        """
        active = as_activity(active)
        table = self.secured
        S = active.shape[0]
        if table.empty:
            return np.zeros((S, 0))
        model = self.model
        out = np.empty((S, len(table)))
        outage = (np.clip(np.asarray(active @ self.outage), 0.0, 1.0)
                  if self.outage is not None else np.zeros((S, len(table))))
        for f, row in enumerate(table.itertuples(index=False)):
            col = model.index(row.iso3)
            survive = 1.0 - outage[:, f]
            if col is not None:
                abroad = row.iso3 != model.importer
                stage = row.stage
                if stage in cuts and cuts[stage] is not None:
                    survive = survive * (1.0 - cuts[stage][:, [col]].toarray()[:, 0])
                if stage != "mining":
                    survive = survive * evaluation.feed_of(row.iso3, stage)
                if abroad:
                    survive = survive * gates.column(family_name("export", stage), col) \
                        * evaluation.route[:, col]
            elif row.iso3 != model.importer and model.routes is not None:
                shares = model.routes.route_shares([row.iso3])
                survive = survive * model.routes.survival(gates.lanes, shares)[:, 0]
            out[:, f] = row.secured_t * survive
        return out


def _sparse_cells(families: dict, J: int, n: int) -> dict[str, scipy.sparse.csr_array]:
    """Family -> ``(J, n)`` CSR from ``{(shock, column): value}`` cells."""
    out = {}
    for family, cells in families.items():
        keys = list(cells)
        rows = np.array([k[0] for k in keys], dtype=np.int64)
        cols = np.array([k[1] for k in keys], dtype=np.int64)
        out[family] = scipy.sparse.csr_array(
            (np.array([cells[k] for k in keys], dtype=float), (rows, cols)), shape=(J, n))
    return out


_SUPPLY_MODELS = "_scenario_supply_models"
"""The dataset's supply models of scenario runs: (commodity, year, importer, routed) -> model."""


def dataset_routes(dataset: Dataset) -> SeaRoutes:
    """The dataset's sea routes to Japan, built once per dataset (the tables do not change)."""
    routes = dataset.__dict__.get("_scenario_sea_routes")
    if routes is None:
        routes = dataset.__dict__["_scenario_sea_routes"] = SeaRoutes.from_dataset(dataset)
    return routes


def supply_model(dataset: Dataset, commodity: str, year: int, importer: str,
                 routes: SeaRoutes | None) -> SupplyModel:
    """The :class:`SupplyModel` of a commodity-year for an importer, shared by scenario runs.

    Built once per dataset over the shared flow model (:func:`scrisk.origins.flow_model`)
    when ``routes`` is ``None`` or :func:`dataset_routes`, so that the scenarios of a
    report reuse each model and its solver state; other routes get a model of their own.
    A model is rebuilt when its flow model has been dropped from the dataset's cache.
    """
    flow = flow_model(dataset, commodity, year)
    if routes is not None and routes is not dataset.__dict__.get("_scenario_sea_routes"):
        return SupplyModel(flow, importer, routes)
    known = dataset.__dict__.setdefault(_SUPPLY_MODELS, {})
    key = (commodity, int(year), importer, routes is not None)
    model = known.get(key)
    if model is None or model.flow is not flow:
        model = known[key] = SupplyModel(flow, importer, routes)
    return model


def compile_commodity(scenario: Scenario, dataset: Dataset, commodity: str, year: int,
                      routes: SeaRoutes | None, secured: pd.DataFrame) -> CompiledCommodity:
    """Build the model of one commodity and the shock matrices of a scenario for it.

    Parameters
    ----------
    scenario : Scenario
    dataset : Dataset
    commodity : str
    year : int
    routes : SeaRoutes or None
    secured : pandas.DataFrame
        Importer-owned operating facilities (from
        :func:`scrisk.metrics.self_sufficiency.secured_shares`).

    Returns
    -------
    CompiledCommodity
    """
    mine = secured.loc[secured["commodity"] == commodity].reset_index(drop=True)
    model = supply_model(dataset, commodity, year, scenario.importer, routes)
    J, n = len(scenario.shocks), len(model.countries)
    log: dict[str, dict[tuple[int, int], float]] = {}
    fac: dict[str, dict[tuple[int, int], float]] = {}
    lanes = np.zeros((J, len(model.chokepoints))) if model.chokepoints else None
    demand = np.zeros(J)
    outage = np.zeros((J, len(mine)))
    ctx = CompileContext(commodity, year, model, dataset.facilities.set_index("facility_id"),
                         mine, log, fac, lanes, demand, outage)
    for j, shock in enumerate(scenario.shocks):
        if shock.applies_to(commodity):
            SHOCK_KINDS[shock.kind].compile(j, shock, ctx)
    notes = ctx.notes
    return CompiledCommodity(commodity, model, _sparse_cells(log, J, n),
                             _sparse_cells(fac, J, n),
                             lanes if lanes is not None and lanes.any() else None,
                             demand if demand.any() else None, mine,
                             outage if outage.any() else None, notes)


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class ScenarioResult:
    """Outcome of one deterministic scenario run.

    Attributes
    ----------
    scenario : Scenario
    year : int
    supply : pandas.DataFrame
        One row per commodity and stage with supply: ``commodity, stage,
        unit, supply_t, after_t, loss_t, loss_share, substituted_t,
        demand_factor, headline`` (``headline`` marks the most processed
        stage of each commodity).
    by_origin : pandas.DataFrame
        ``commodity, stage, origin, country, before_t, after_t, loss_t,
        loss_share`` (share of that stage's supply), by mine origin.
    self_sufficiency : pandas.DataFrame
        Base metals with demand data: ``commodity, year, equity_t,
        equity_after_t, recycling_t, demand_t, demand_after_t, ratio,
        ratio_after, target``.
    battery : pandas.DataFrame
        ``material, commodity, need_t, need_after_t, secured_t,
        secured_after_t, coverage, coverage_after``.
    shocks : pandas.DataFrame
        The shocks with their effective size and whether each changes
        anything on its own (``effective``).
    notes : tuple of str
    substitution : float
    """

    scenario: Scenario
    year: int
    supply: pd.DataFrame
    by_origin: pd.DataFrame
    self_sufficiency: pd.DataFrame
    battery: pd.DataFrame
    shocks: pd.DataFrame
    notes: tuple[str, ...]
    substitution: float = 0.0

    def summary(self) -> pd.DataFrame:
        """Headline stage of each commodity: supply before, after, loss and share lost."""
        head = self.supply.loc[self.supply["headline"]]
        return head.drop(columns=["headline"]).reset_index(drop=True)


class Runner:
    """What a deterministic run and a Monte Carlo share: models, shock matrices, needs.

    Builds one :class:`CompiledCommodity` per commodity the scenario can
    affect (all at once, or one at a time with ``stream=True``: see
    :meth:`compile`), the importer's secured facilities and the battery
    needs; :meth:`evaluate` then turns an activity matrix (runs x shocks)
    into supply, secured supply and demand factors per commodity.
    """

    def __init__(self, dataset: Dataset, scenario: Scenario, year: int | None,
                 gwh: float, battery_scenario: str, stream: bool = False):
        from scrisk.metrics.battery import MATERIAL_OF_COMMODITY, battery_needs
        from scrisk.metrics.self_sufficiency import secured_shares

        if gwh < 0:
            raise ValueError(f"gwh must be >= 0, got {gwh}")
        self.dataset = dataset
        self.scenario = scenario
        self.year = dataset.check_year(year if year is not None
                                       else scenario.year if scenario.year is not None
                                       else default_year(dataset))
        self.notes: list[str] = []
        needs_routes = scenario.importer == ROUTE_DESTINATION
        self.routes = dataset_routes(dataset) if needs_routes else None
        secured = secured_shares(dataset, scenario.importer, year=self.year)
        self.secured = secured.loc[secured["status"] == "operating"].reset_index(drop=True)
        self.commodities = tuple(scenario.commodities(dataset))
        self.compiled: dict[str, CompiledCommodity] = {}
        if not stream:
            for commodity in self.commodities:
                self.compiled[commodity] = self.compile(commodity)
        need = battery_needs(dataset, gwh, battery_scenario)[["material", "tonnes"]]
        material_of = MATERIAL_OF_COMMODITY
        self.battery_need = {c: float(need.loc[need["material"] == mat, "tonnes"].sum())
                             for c, mat in material_of.items()}
        self.material_of = dict(material_of)
        self._battery_stage: dict[str, str | None] = {}
        self.battery_notes: dict[str, str] = {}  # commodity -> note of its battery stage
        self._memo: dict | None = None  # see remember()
        self._secured_of: dict | None = None  # see secured_by_stage()

    def compile(self, commodity: str) -> CompiledCommodity:
        """Compile one commodity (its notes join the run's notes); not kept by the runner.

        A streamed run (``stream=True``) compiles, evaluates and drops one
        commodity at a time, so only one commodity's shock matrices and
        solver state are held at once.
        """
        compiled = compile_commodity(self.scenario, self.dataset, commodity, self.year,
                                     self.routes, self.secured)
        self.notes.extend(compiled.notes)
        return compiled

    def evaluate(self, active, substitution: float,
                 commodities: Sequence[str] | None = None) -> dict:
        """Losses, secured supply and demand factors of a batch, per commodity.

        Runs that activate the same shocks are evaluated once (a Monte Carlo
        batch repeats a few patterns), then spread back to every run.
        ``active`` is runs x shocks, dense or sparse; ``commodities`` limits
        the evaluation to some of :attr:`compiled`.
        """
        unique, inverse = unique_activity(active)
        runs = inverse.size
        out: dict[str, dict] = {}
        for commodity in (commodities if commodities is not None else list(self.compiled)):
            out[commodity] = self.evaluate_known(self.compiled[commodity], unique, inverse,
                                                 substitution, keep_gates=runs == 1)
        return out

    def remember(self) -> None:
        """Keep the result of every distinct set of shocks evaluated from now on.

        A deterministic run, the test of each shock alone and a Monte Carlo of
        the same scenario then evaluate each set of shocks once (see
        :meth:`evaluate_known`). Memory grows with the distinct sets evaluated.
        """
        if self._memo is None:
            self._memo = {}

    def forget(self) -> None:
        """Drop the results kept since :meth:`remember` and keep no more."""
        self._memo = None

    def evaluate_known(self, compiled: CompiledCommodity, unique, inverse: np.ndarray,
                       substitution: float, keep_gates: bool = False) -> dict:
        """:meth:`evaluate_commodity`, evaluating only the sets of shocks not met before.

        Without :meth:`remember` this is :meth:`evaluate_commodity`. With it,
        the rows of ``unique`` evaluated earlier (by any call, for the same
        commodity and substitution) are read back and the others evaluated
        in one batch.
        """
        if self._memo is None or unique.shape[0] == 0:
            return self.evaluate_commodity(compiled, unique, inverse, substitution, keep_gates)
        unique = as_activity(unique)
        known = self._memo.setdefault((compiled.commodity, float(substitution)), {})
        indices = unique.indices.astype(np.int64)
        data = unique.data.astype(float)
        keys = [(indices[a:b].tobytes(), data[a:b].tobytes())
                for a, b in zip(unique.indptr[:-1], unique.indptr[1:], strict=True)]
        first = {}
        for i, key in enumerate(keys):
            first.setdefault(key, i)
        missing = [i for key, i in first.items() if key not in known]
        if missing:
            res = self.evaluate_commodity(compiled, unique[missing], np.arange(len(missing)),
                                          substitution)
            for pos, i in enumerate(missing):
                known[keys[i]] = ({s: v[pos] for s, v in res["after"].items()},
                                  {s: v[pos] for s, v in res["substituted"].items()},
                                  res["secured"][pos], res["demand"][pos])
        rows = [known[key] for key in keys]
        stages = list(rows[0][0]) if rows else []
        secured = (np.vstack([r[2] for r in rows]) if rows
                   else np.zeros((0, len(compiled.secured))))
        return {
            "after": {s: np.array([r[0][s] for r in rows])[inverse] for s in stages},
            "substituted": {s: np.array([r[1][s] for r in rows])[inverse] for s in stages},
            "secured": secured[inverse],
            "demand": np.array([r[3] for r in rows], dtype=float)[inverse],
            "gates": compiled.gates(unique)[0] if keep_gates and unique.shape[0] == 1
            else None,
        }

    @staticmethod
    def evaluate_commodity(compiled: CompiledCommodity, unique, inverse: np.ndarray,
                           substitution: float, keep_gates: bool = False) -> dict:
        """One commodity's results for distinct activity rows, spread back to every run."""
        gates, cuts = compiled.gates(unique)
        ev = compiled.model.evaluate(gates, substitution,
                                     feed_countries=compiled.feed_countries())
        return {
            "after": {s: v[inverse] for s, v in ev.after.items()},
            "substituted": {s: v[inverse] for s, v in ev.substituted.items()},
            "secured": compiled.secured_after(unique, gates, cuts, ev)[inverse],
            "demand": compiled.demand_factor(unique)[inverse],
            "gates": gates if keep_gates and unique.shape[0] == 1 else None,
        }

    def secured_by_stage(self, commodity: str, secured_after: np.ndarray | None,
                         runs: int) -> dict[str, np.ndarray]:
        """Secured (equity) tonnes of one commodity by stage, ``(S,)`` each."""
        out = {}
        if commodity in self.compiled and secured_after is not None:
            stages = self.compiled[commodity].secured["stage"].to_numpy()
            for stage in STAGES:
                out[stage] = secured_after[:, stages == stage].sum(axis=1)
            return out
        if self._secured_of is None:  # each commodity's facilities: stages and tonnes
            self._secured_of = {
                str(c): (part["stage"].to_numpy(), part["secured_t"].to_numpy(dtype=float))
                for c, part in self.secured.groupby("commodity", sort=False, observed=True)}
        stages, tonnes = self._secured_of.get(commodity, (np.zeros(0), np.zeros(0)))
        for stage in STAGES:
            out[stage] = np.full(runs, float(tonnes[stages == stage].sum()))
        return out

    def battery_secured(self, commodity: str, batch: dict | None, runs: int) -> np.ndarray:
        """Secured (equity) supply of a battery commodity: mines, else refineries."""
        before = self.secured_by_stage(commodity, None, 1)
        after = self.secured_by_stage(
            commodity, batch[commodity]["secured"] if batch and commodity in batch else None,
            runs)
        return after["mining"] if before["mining"][0] > 0 else after["refining"]

    def battery_stage(self, commodity: str) -> str | None:
        """The stage whose supply feeds battery makers (``battery_stage`` of the commodity).

        Falls back to the importer's most processed stage with supply when
        the listed stage has no data, and says so in the run's notes.
        """
        if commodity in self._battery_stage:
            return self._battery_stage[commodity]
        if commodity not in self.dataset.commodities_list:
            self._battery_stage[commodity] = None
            return None
        model = flow_model(self.dataset, commodity, self.year)
        rows = self.dataset.select("commodities", commodity=commodity)
        listed = rows["battery_stage"].iloc[0] if "battery_stage" in rows.columns and \
            len(rows) else None
        listed = None if listed is None or pd.isna(listed) or listed == "" else str(listed)
        have = [s for s in model.stages if model.supply(self.scenario.importer, s) > 0]
        stage = listed if listed in have else (have[-1] if have else None)
        if listed is not None and stage != listed:
            self.battery_notes[commodity] = (
                f"{commodity}: no {listed} supply for {self.scenario.importer} in the "
                f"{self.year} data; battery coverage uses the {stage} stage")
            self.notes.append(self.battery_notes[commodity])
        self._battery_stage[commodity] = stage
        return stage

    def battery_supply(self, commodity: str, batch: dict | None, runs: int) -> np.ndarray:
        """The importer's supply at the battery stage of a commodity after a batch, ``(S,)``."""
        stage = self.battery_stage(commodity)
        if stage is None:
            return np.zeros(runs)
        model = flow_model(self.dataset, commodity, self.year)
        # needs of lithium are in tonnes of LCE, the network in tonnes of Li
        factor = (1.0 / LI_PER_LCE if str(self.material_of.get(commodity, "")).endswith("_lce")
                  and model.network.unit == "t Li" else 1.0)
        if batch is not None and commodity in batch and stage in batch[commodity]["after"]:
            return factor * np.asarray(batch[commodity]["after"][stage], dtype=float)
        return np.full(runs, factor * model.supply(self.scenario.importer, stage))

    def effective(self, substitution: float) -> np.ndarray:
        """Whether each shock on its own changes any supply, secured supply or demand."""
        J = len(self.scenario.shocks)
        if J == 0:
            return np.zeros(0, dtype=bool)
        batch = self.evaluate(np.eye(J), substitution)
        base = self.evaluate(np.zeros((1, J)), substitution)
        changed = np.zeros(J, dtype=bool)
        for commodity, res in batch.items():
            for stage in res["after"]:
                changed |= ~np.isclose(res["after"][stage], base[commodity]["after"][stage][0],
                                       rtol=1e-9, atol=1e-9)
            if res["secured"].size:
                changed |= ~np.isclose(res["secured"], base[commodity]["secured"][0],
                                       rtol=1e-9, atol=1e-9).all(axis=1)
            changed |= res["demand"] != 1.0
        return changed


def run_scenario(dataset: Dataset, scenario: Scenario, *, year: int | None = None,
                 substitution: float = 0.0, gwh: float = DEFAULT_GWH,
                 battery_scenario: str = DEFAULT_BATTERY_SCENARIO) -> ScenarioResult:
    """Apply every shock of a scenario at once (a deterministic run).

    Parameters
    ----------
    dataset : Dataset
    scenario : Scenario
    year : int, optional
        Data year; default the scenario's ``year``, else the latest year with
        production and trade data.
    substitution : float
        Off (0) by default. ``L`` in (0, 1]: each direct supplier whose
        shipments to the importer are untouched may raise them by up to ``L``
        times their volume to replace lost supply (see
        ``docs/methods.md``).
    gwh : float
        Annual battery-cell production whose material needs are covered
        (default 150 GWh, Japan's 2030 domestic target).
    battery_scenario : str
        Chemistry mix of ``battery_scenarios.csv``.

    Returns
    -------
    ScenarioResult

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> ds = load_dataset()
    >>> closure = Scenario("Malacca", (Shock("m", "sea_lane_closure", 1.0, chokepoint="malacca",
    ...                    commodities=("cobalt",)),), year=2023)
    >>> result = run_scenario(ds, closure)
    >>> row = result.summary().iloc[0]
    >>> row["commodity"], bool(0 < row["loss_share"] < 1)
    ('cobalt', True)
    """
    if not 0.0 <= substitution <= 1.0:
        raise ValueError(f"substitution must be in [0, 1], got {substitution}")
    return run_with(Runner(dataset, scenario, year, gwh, battery_scenario), substitution)


def run_with(runner: Runner, substitution: float = 0.0) -> ScenarioResult:
    """:func:`run_scenario` on a :class:`Runner` built already (every commodity compiled)."""
    dataset, scenario = runner.dataset, runner.scenario
    J = len(scenario.shocks)
    active = np.ones((1, J))
    batch = runner.evaluate(active, substitution)
    notes = list(runner.notes)
    rows, origin_rows = [], []
    for commodity, compiled in runner.compiled.items():
        model = compiled.model
        res = batch[commodity]
        head = model.headline_stage
        if head is None:
            notes.append(f"{commodity}: {scenario.importer} has no supply in the "
                         f"{runner.year} data")
        for stage in model.stages:
            before = model.supply[stage]
            after = _clean(float(res["after"][stage][0]), before)
            rows.append({"commodity": commodity, "stage": stage,
                         "unit": model.units.get(stage, "t"), "supply_t": before,
                         "after_t": after, "loss_t": before - after,
                         "loss_share": (before - after) / before,
                         "substituted_t": float(res["substituted"][stage][0]),
                         "demand_factor": float(res["demand"][0]),
                         "headline": stage == head})
        table = model.by_origin(res["gates"])
        if not table.empty:
            table["after_t"] = [_clean(a, b) for a, b in zip(table["after_t"], table["before_t"],
                                                             strict=True)]
            table["loss_t"] = table["before_t"] - table["after_t"]
            table.insert(0, "commodity", commodity)
            table["loss_share"] = table["loss_t"] / table["stage"].map(model.supply)
            origin_rows.append(table)
    supply = pd.DataFrame(rows, columns=["commodity", "stage", "unit", "supply_t", "after_t",
                                         "loss_t", "loss_share", "substituted_t",
                                         "demand_factor", "headline"])
    by_origin = (pd.concat(origin_rows, ignore_index=True) if origin_rows else
                 pd.DataFrame(columns=["commodity", "stage", "origin", "before_t", "after_t",
                                       "loss_t", "loss_share"]))
    by_origin.insert(3, "country", [dataset.country_name(c) if len(c) == 3 else c
                                    for c in by_origin["origin"]])
    by_origin = by_origin.sort_values(["commodity", "stage", "loss_t", "before_t", "origin"],
                                      ascending=[True, True, False, False, True],
                                      kind="stable", ignore_index=True)
    effective = runner.effective(substitution)
    shocks = scenario.to_frame()
    shocks["effective"] = effective
    for shock, hit in zip(scenario.shocks, effective, strict=True):
        if not hit:
            notes.append(f"shock {shock.id!r} changes nothing in the {runner.year} data "
                         f"({shock.target()}: no such flow, production or facility reaches "
                         f"{scenario.importer})")
    self_suff, ss_notes = _self_sufficiency_table(runner, batch)
    notes.extend(ss_notes)
    battery = _battery_table(runner, batch)
    notes.extend(n for n in runner.notes if n not in notes)
    return ScenarioResult(scenario, runner.year, supply, by_origin, self_suff, battery,
                          shocks, tuple(notes), substitution)


def _clean(after: float, before: float) -> float:
    """Round away the numerical dust of the look-through solve (relative 1e-9)."""
    if abs(after - before) <= 1e-9 * abs(before):
        return before
    if abs(after) <= 1e-9 * abs(before):
        return 0.0
    return after


def _self_sufficiency_table(runner: Runner, batch: dict) -> tuple[pd.DataFrame, list[str]]:
    from scrisk.metrics.self_sufficiency import self_sufficiency

    ds = runner.dataset
    importer = runner.scenario.importer
    com = ds.commodities
    base_metals = set(com.loc[com["group"] == "base_metal", "commodity"])
    cons = ds.consumption
    cons = cons.loc[(cons["iso3"] == importer) & cons["commodity"].isin(base_metals)
                    & cons["demand_t"].notna()]
    columns = ["commodity", "year", "equity_t", "equity_after_t", "recycling_t", "demand_t",
               "demand_after_t", "ratio", "ratio_after", "target"]
    if cons.empty:
        return pd.DataFrame(columns=columns), []
    years = sorted(int(y) for y in cons["year"].unique())
    usable = [y for y in years if y <= runner.year]
    year = usable[-1] if usable else years[-1]
    notes = []
    if year != runner.year:
        notes.append(f"self-sufficiency uses demand of {year}, the latest year held "
                     f"up to {runner.year}")
    # the same table for every scenario of an importer and year: computed once per dataset
    # (a few rows; the dataset is immutable)
    key = (importer, year, tuple(sorted(set(cons["commodity"]))))
    known = ds.__dict__.setdefault("_scenario_self_sufficiency", {})
    if key not in known:
        known[key] = self_sufficiency(ds, importer, years=[year], commodities=list(key[2]))
    table = known[key]
    rows = []
    for row in table.itertuples(index=False):
        if row.commodity == "base_metals":
            continue
        equity_after = float(runner.secured_by_stage(
            row.commodity, batch.get(row.commodity, {}).get("secured"), 1)["mining"][0])
        factor = float(batch[row.commodity]["demand"][0]) if row.commodity in batch else 1.0
        rows.append({"commodity": row.commodity, "year": row.year, "equity_t": row.equity_t,
                     "equity_after_t": equity_after, "recycling_t": row.recycling_t,
                     "demand_t": row.demand_t, "demand_after_t": row.demand_t * factor,
                     "target": row.target})
    frame = pd.DataFrame(rows)
    total = frame[["equity_t", "equity_after_t", "recycling_t", "demand_t",
                   "demand_after_t"]].sum()
    frame = pd.concat([frame, pd.DataFrame([{"commodity": "base_metals", "year": year,
                                             **total.to_dict(),
                                             "target": frame["target"].iloc[0]}])],
                      ignore_index=True)
    frame["ratio"] = (frame["equity_t"] + frame["recycling_t"]) / frame["demand_t"]
    frame["ratio_after"] = (frame["equity_after_t"] + frame["recycling_t"]) / \
        frame["demand_after_t"]
    return frame[columns], notes


def _battery_table(runner: Runner, batch: dict) -> pd.DataFrame:
    """Battery needs against the importer's supply at each material's battery stage.

    ``coverage`` is supply / need: what the importer's supply chain delivers
    at the stage battery makers buy (``battery_stage``), so a cut in that
    supply lowers it. ``secured_*`` is the equity basis (importer-held
    mines or refineries), hit only by shocks to those facilities.
    """
    rows = []
    for commodity, material in sorted(runner.material_of.items(), key=lambda kv: kv[1]):
        need = runner.battery_need.get(commodity, 0.0)
        factor = float(batch[commodity]["demand"][0]) if commodity in batch else 1.0
        supply = float(runner.battery_supply(commodity, None, 1)[0])
        supply_after = float(runner.battery_supply(commodity, batch, 1)[0])
        before = float(runner.battery_secured(commodity, None, 1)[0])
        after = float(runner.battery_secured(commodity, batch, 1)[0])
        rows.append({"material": material, "commodity": commodity,
                     "stage": runner.battery_stage(commodity), "need_t": need,
                     "need_after_t": need * factor, "supply_t": supply,
                     "supply_after_t": _clean(supply_after, supply),
                     "coverage": supply / need if need > 0 else np.nan,
                     "coverage_after": _clean(supply_after, supply) / (need * factor)
                     if need > 0 else np.nan,
                     "secured_t": before, "secured_after_t": after,
                     "secured_coverage": before / need if need > 0 else np.nan,
                     "secured_coverage_after": after / (need * factor) if need > 0 else np.nan})
    return pd.DataFrame(rows)



def check_battery_scenario(dataset: Dataset, name: str) -> str:
    """Return ``name`` if it is a chemistry-mix scenario of the dataset, else raise."""
    names = sorted(set(dataset.battery_scenarios["scenario"]))
    if name not in names:
        raise UnknownChoiceError("battery scenario", name, names)
    return name
