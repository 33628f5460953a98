"""Vectorised disruption engine over the shared origin model.

One :class:`SupplyModel` holds, for one importer and one commodity-year, the
:class:`scrisk.origins.FlowModel` that exposure and the report read, plus the
sea routes to the importer. A batch of ``S`` scenarios is a :class:`Gates`
object: for every stage of the ladder and every country, the share of its
output (``production:<stage>``), of its exports (``export:<stage>``) and of
its shipments to the importer (``link:<stage>``) that survives, and for every
sea-lane chokepoint the share of its capacity. :meth:`SupplyModel.evaluate`
pushes each distinct scenario through the stage-by-stage system of the
origin model (one small linear solve per stage); Monte Carlo batches repeat
a few distinct patterns of shocks, so they cost one evaluation per pattern.

The rules (``docs/methods.md`` has the formulas and a worked example):

* A country's pool of a stage mixes proportionally; a cut to its output,
  exports or link lowers what it ships, and its plants' output at the next
  stage falls with the share of their traced feed that survives.
* Gates multiply: a tonne hit by two shocks counts once. A single gate's
  loss is linear in its size, and removing a country's mines loses exactly
  its mined share of the importer's supply (the exposure figure).
* Sea routes (``geo/sea_routes.csv``) lead to Japan: they act on the
  importer's imports of every stage (the last leg).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
import scipy.sparse

from scrisk.network import SupplyNetwork
from scrisk.origins import UNATTRIBUTED, FlowModel

GATE_KINDS = ("production", "export", "link")
ROUTE_DESTINATION = "JPN"
LOG_FLOOR = 1e-300  # log(0) stand-in: exp(log(1e-300)) is 0 for any tonnage
UNAFFECTED = 1.0 - 1e-9
BATCH_CELLS = 4_000_000  # scenarios x countries evaluated at once (memory bound, not results)
# the families of the first release, kept as names scenario code may use
LEGACY_FAMILIES = {"mining": "production:mining", "refining": "production:refining",
                   "ore_export": "export:mining", "refined_export": "export:refining",
                   "ore_link": "link:mining", "refined_link": "link:refining"}


def family_name(kind: str, stage: str) -> str:
    """Gate family of a kind and stage, e.g. ``export:intermediate``.

    >>> family_name("export", "refining")
    'export:refining'
    """
    if kind not in GATE_KINDS:
        raise ValueError(f"gate kind must be one of {', '.join(GATE_KINDS)}, got {kind!r}")
    return f"{kind}:{stage}"


# --------------------------------------------------------------------------- sea routes


@dataclass(frozen=True)
class SeaRoutes:
    """Sea routes to one destination: route shares by origin region, chokepoints per route.

    Attributes
    ----------
    destination : str
        ISO3 code of the country the routes lead to (``JPN`` for the shipped table).
    chokepoints : tuple of str
        Chokepoint ids, in table order; position ``h`` of every lane array.
    names : tuple of str
        English names of the chokepoints.
    region_of : Mapping[str, str]
        ISO3 -> origin region.
    route_keys : tuple of (str, str)
        ``(origin_region, route_id)`` of each route.
    route_region : numpy.ndarray
        Region of each route (index into ``regions``).
    regions : tuple of str
    route_share : numpy.ndarray
        Share of a region's shipments taking each route.
    incidence : numpy.ndarray
        ``(R, H)``, 1 where route ``r`` passes chokepoint ``h``.
    """

    destination: str
    chokepoints: tuple[str, ...]
    names: tuple[str, ...]
    region_of: Mapping[str, str]
    route_keys: tuple[tuple[str, str], ...]
    route_region: np.ndarray
    regions: tuple[str, ...]
    route_share: np.ndarray
    incidence: np.ndarray

    @classmethod
    def from_tables(cls, chokepoints: pd.DataFrame, sea_routes: pd.DataFrame,
                    sea_regions: pd.DataFrame,
                    destination: str = ROUTE_DESTINATION) -> SeaRoutes:
        """Build from the ``chokepoints``, ``sea_routes`` and ``sea_regions`` tables.

        Examples
        --------
        >>> from scrisk.disruption.example import example_route_tables
        >>> routes = SeaRoutes.from_tables(**example_route_tables())
        >>> routes.through(["CHN", "IDN", "JPN"]).tolist()
        [[0.0, 0.5, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
        """
        ids = tuple(str(c) for c in chokepoints["chokepoint_id"])
        names = tuple(str(c) for c in chokepoints["name_en"])
        col = {c: h for h, c in enumerate(ids)}
        routes = sea_routes.sort_values(["origin_region", "route_id"], kind="stable")
        regions = tuple(sorted({str(r) for r in routes["origin_region"]}))
        region_index = {r: i for i, r in enumerate(regions)}
        incidence = np.zeros((len(routes), len(ids)))
        keys = []
        for r, row in enumerate(routes.itertuples(index=False)):
            keys.append((str(row.origin_region), str(row.route_id)))
            listed = row.chokepoints if isinstance(row.chokepoints, str) else ""
            for cid in (c.strip() for c in listed.split(";")):
                if cid:
                    if cid not in col:
                        raise ValueError(f"route {keys[-1]} names unknown chokepoint {cid!r}")
                    incidence[r, col[cid]] = 1.0
        region_of = {str(k): str(v) for k, v in
                     zip(sea_regions["iso3"], sea_regions["origin_region"], strict=True)}
        return cls(destination, ids, names, MappingProxyType(region_of), tuple(keys),
                   routes["origin_region"].map(region_index).to_numpy(dtype=int),
                   regions, routes["share"].to_numpy(dtype=float), incidence)

    @classmethod
    def from_dataset(cls, dataset, destination: str = ROUTE_DESTINATION) -> SeaRoutes:
        """Build from the dataset's ``geo/`` tables."""
        return cls.from_tables(dataset.chokepoints, dataset.sea_routes, dataset.sea_regions,
                               destination)

    def route_shares(self, countries: Sequence[str]) -> np.ndarray:
        """``(n, R)`` share of each country's shipments to the destination on each route.

        The destination itself and countries without an origin region get a
        zero row (their shipments pass no modelled chokepoint).
        """
        out = np.zeros((len(countries), len(self.route_keys)))
        for i, iso3 in enumerate(countries):
            region = self.region_of.get(iso3)
            if region is None or iso3 == self.destination or region not in self.regions:
                continue
            g = self.regions.index(region)
            mask = self.route_region == g
            out[i, mask] = self.route_share[mask]
        return out

    def through(self, countries: Sequence[str]) -> np.ndarray:
        """``(n, H)`` share of each country's shipments that passes each chokepoint."""
        return self.route_shares(countries) @ self.incidence

    def survival(self, lanes: np.ndarray, shares: np.ndarray) -> np.ndarray:
        """Share of each country's shipments that gets through, per scenario.

        Parameters
        ----------
        lanes : numpy.ndarray
            ``(S, H)`` surviving capacity of each chokepoint.
        shares : numpy.ndarray
            ``(n, R)`` from :meth:`route_shares`.

        Returns
        -------
        numpy.ndarray
            ``(S, n)``: ``sum_r share[i, r] * prod_{h on r} lanes[h]`` plus the
            unrouted part of each country's shipments.
        """
        route = np.exp(np.log(np.maximum(lanes, LOG_FLOOR)) @ self.incidence.T)
        return route @ shares.T + (1.0 - shares.sum(axis=1))


# --------------------------------------------------------------------------- gates


def _family_key(name: str) -> str:
    name = LEGACY_FAMILIES.get(name, name)
    kind, _, stage = name.partition(":")
    if kind not in GATE_KINDS or not stage:
        raise ValueError(f"unknown gate family {name!r}; expected production:<stage>, "
                         f"export:<stage>, link:<stage> or lanes")
    return name


@dataclass
class Gates:
    """Survival factors of a batch of scenarios (1 = untouched, 0 = fully lost).

    Families are ``production:<stage>``, ``export:<stage>`` and
    ``link:<stage>`` (arrays ``(S, n)`` over :attr:`SupplyModel.countries`)
    and ``lanes`` (``(S, H)`` over :attr:`SupplyModel.chokepoints`). A family
    never set is all ones. A family may be held sparse, as the share lost
    (``1 - gate``, :meth:`set_loss`): a Monte Carlo batch touches a few
    countries per run, so its gates cost memory in proportion to the shocks
    that happen, not to runs x countries; :meth:`family` turns it dense on
    request.

    Examples
    --------
    >>> gates = Gates.ones(2, 3, 1)
    >>> gates.family("export:mining")[0, 1] = 0.0
    >>> gates.family("export:mining").tolist()
    [[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]
    """

    runs: int
    n: int
    lanes: np.ndarray
    arrays: dict
    losses: dict = field(default_factory=dict)

    @classmethod
    def ones(cls, runs: int, n: int, h: int) -> Gates:
        """A batch of ``runs`` scenarios in which nothing happens."""
        return cls(int(runs), int(n), np.ones((runs, h)), {})

    def family(self, name: str) -> np.ndarray:
        """The (writable, dense) array of one family; ``lanes`` included; old names accepted."""
        if name == "lanes":
            return self.lanes
        name = _family_key(name)
        if name in self.losses:
            self.arrays[name] = 1.0 - self.losses.pop(name).toarray()
        if name not in self.arrays:
            self.arrays[name] = np.ones((self.runs, self.n))
        return self.arrays[name]

    def set(self, name: str, array: np.ndarray) -> None:
        """Replace one family's array."""
        if name == "lanes":
            self.lanes = np.asarray(array, dtype=float)
        else:
            name = _family_key(name)
            self.losses.pop(name, None)
            self.arrays[name] = np.asarray(array, dtype=float)

    def set_loss(self, name: str, loss) -> None:
        """Set one family from the share lost, ``(S, n)`` sparse (``1 - gate``)."""
        name = _family_key(name)
        self.arrays.pop(name, None)
        self.losses[name] = scipy.sparse.csr_array(loss, dtype=float)

    def names(self) -> list[str]:
        """Families set (dense or sparse), sorted."""
        return sorted(set(self.arrays) | set(self.losses))

    def loss(self, name: str):
        """Share lost of one family as a CSR array ``(S, n)`` (``None`` if never set)."""
        name = _family_key(name)
        if name in self.losses:
            return self.losses[name]
        if name in self.arrays:
            return scipy.sparse.csr_array(1.0 - self.arrays[name])
        return None

    def rows(self, name: str, rows: np.ndarray) -> np.ndarray:
        """Dense gates of one family for some scenarios, ``(len(rows), n)``."""
        name = _family_key(name)
        if name in self.losses:
            return 1.0 - self.losses[name][rows].toarray()
        if name in self.arrays:
            return self.arrays[name][rows]
        return np.ones((len(rows), self.n))

    def column(self, name: str, col: int) -> np.ndarray:
        """Gates of one family for one country over all scenarios, ``(S,)``."""
        name = _family_key(name)
        if name in self.losses:
            return 1.0 - self.losses[name][:, [col]].toarray()[:, 0]
        if name in self.arrays:
            return self.arrays[name][:, col]
        return np.ones(self.runs)

    def check(self) -> None:
        """Raise ``ValueError`` unless every array has the batch size and lies in [0, 1]."""
        for name, arr in [*self.arrays.items(), ("lanes", self.lanes)]:
            if arr.ndim != 2 or arr.shape[0] != self.runs:
                raise ValueError(f"gates {name} must be 2-D with {self.runs} rows, "
                                 f"got shape {arr.shape}")
            if arr.size and (np.isnan(arr).any() or arr.min() < 0 or arr.max() > 1):
                raise ValueError(f"gates {name} must lie in [0, 1]")
        for name, loss in self.losses.items():
            if loss.shape != (self.runs, self.n):
                raise ValueError(f"gates {name} must have shape {(self.runs, self.n)}, "
                                 f"got {loss.shape}")
            data = loss.data
            if data.size and (np.isnan(data).any() or data.min() < 0 or data.max() > 1):
                raise ValueError(f"gates {name} must lie in [0, 1]")


@dataclass(frozen=True)
class Evaluation:
    """Supply of the importer after each scenario of a batch.

    Attributes
    ----------
    after : Mapping[str, numpy.ndarray]
        Stage -> ``(S,)`` supply after the shocks (and substitution, if on).
    substituted : Mapping[str, numpy.ndarray]
        Stage -> ``(S,)`` tonnes replaced by unaffected suppliers (zeros when off).
    feed : Mapping[str, numpy.ndarray]
        Stage -> ``(S, t)`` surviving share of the traced feed of each
        country of ``feed_countries`` (every country unless the evaluation
        was asked for a few).
    route : numpy.ndarray
        ``(S, n)`` share of each country's shipments to the importer that gets
        through the sea lanes (ones when no routes apply).
    countries : tuple of str
    feed_countries : tuple of str, optional
        The columns of ``feed`` (``None``: ``countries``).
    """

    after: Mapping[str, np.ndarray]
    substituted: Mapping[str, np.ndarray]
    feed: Mapping[str, np.ndarray]
    route: np.ndarray
    countries: tuple[str, ...]
    feed_countries: tuple[str, ...] | None = None

    def feed_of(self, iso3: str, stage: str = "refining") -> np.ndarray:
        """Surviving share of one country's traced feed at a stage, ``(S,)``."""
        arr = self.feed.get(stage)
        columns = self.feed_countries if self.feed_countries is not None else self.countries
        if arr is None or iso3 not in columns:
            return np.ones(self.route.shape[0])
        return arr[:, columns.index(iso3)]


# --------------------------------------------------------------------------- model


class SupplyModel:
    """The importer's supply of one commodity-year, ready for batches of shocks.

    Parameters
    ----------
    network : SupplyNetwork or FlowModel
        The network (its origin model is built) or the shared origin model
        (:func:`scrisk.origins.flow_model`).
    importer : str
        ISO3 code.
    routes : SeaRoutes, optional
        Sea routes; used only when ``routes.destination == importer``.
    keep : iterable of str, optional
        Kept for compatibility (every country of the network is a column).

    Attributes
    ----------
    flow : FlowModel
    countries : tuple of str
        ISO3 codes: the columns of the per-country gate arrays.
    chokepoints : tuple of str
    supply : Mapping[str, float]
        Stage -> the importer's pool (own output plus imports) before any shock.

    Examples
    --------
    The worked example of ``docs/methods.md``: Japan's refined supply is
    70 t; an Indonesian ore-export ban takes 20 t (all Indonesian ore, in
    Japan's own and in China's refineries), and with a Taiwan Strait closure
    34 t (half of the 28 t China still ships: not 20 + 20, tonnes hit by
    both count once).

    >>> from scrisk.disruption.example import example_network, example_route_tables
    >>> model = SupplyModel(example_network(), "JPN",
    ...                     SeaRoutes.from_tables(**example_route_tables()))
    >>> model.supply["refining"]
    70.0
    >>> gates = model.gates(2)
    >>> gates.family("export:mining")[:, model.index("IDN")] = 0.0
    >>> gates.lanes[1, model.chokepoints.index("taiwan_strait")] = 0.0
    >>> (model.supply["refining"] - model.evaluate(gates).after["refining"]).round(6).tolist()
    [20.0, 34.0]
    """

    def __init__(self, network: SupplyNetwork | FlowModel, importer: str,
                 routes: SeaRoutes | None = None, keep: Iterable[str] = ()):
        self.flow = network if isinstance(network, FlowModel) else FlowModel(network)
        self.network = self.flow.network
        self.importer = importer
        self.commodity = self.network.commodity
        self.year = self.network.year
        self.unit = self.network.unit
        self.units = dict(self.network.units)
        self.countries = self.network.countries
        self.routes = routes if routes is not None and routes.destination == importer else None
        self.chokepoints = self.routes.chokepoints if self.routes is not None else ()
        self._present = self.network.has_country(importer)
        self._m = self.network.index(importer) if self._present else -1
        self.supply = MappingProxyType({s: self.flow.supply(importer, s)
                                        for s in self.flow.stages})
        self._shares = (self.routes.route_shares(self.countries)
                        if self.routes is not None else None)
        self._reduced_cache: dict = {}

    def __repr__(self) -> str:
        return (f"SupplyModel({self.commodity!r}, {self.year}, importer={self.importer!r}, "
                f"countries={len(self.countries)}, chokepoints={len(self.chokepoints)})")

    @property
    def stages(self) -> tuple[str, ...]:
        """Stages at which the importer has supply, upstream first."""
        return tuple(s for s in self.flow.stages if self.supply[s] > 0)

    @property
    def headline_stage(self) -> str | None:
        """The most processed stage with supply (the default stage of every analysis)."""
        stages = self.stages
        return stages[-1] if stages else None

    def index(self, iso3: str) -> int | None:
        """Column of a country in :class:`Gates` arrays (``None`` if not in the network)."""
        return self.network.index(iso3) if self.network.has_country(iso3) else None

    def gates(self, runs: int = 1) -> Gates:
        """A batch of ``runs`` untouched scenarios shaped for this model."""
        return Gates.ones(runs, len(self.countries), len(self.chokepoints))

    def route_survival(self, lanes: np.ndarray) -> np.ndarray:
        """``(S, n)`` share of each country's shipments to the importer that gets through.

        Without routes this is a read-only view of ones (no memory).
        """
        if self._shares is None:
            return np.broadcast_to(np.ones((1, 1)), (lanes.shape[0], len(self.countries)))
        return self.routes.survival(lanes, self._shares)

    # ----------------------------------------------------------------- evaluation

    def _scenario(self, gates: Gates, row: int, route: np.ndarray) -> tuple[dict, dict, dict]:
        production, export, link = {}, {}, {}
        for name in gates.names():
            kind, _, stage = name.partition(":")
            {"production": production, "export": export, "link": link}[kind][stage] = \
                gates.rows(name, np.array([row]))[0]
        for stage in self.flow.stages:
            link[stage] = link.get(stage, np.ones(len(self.countries))) * route[row]
        return production, export, link

    def _reduced(self, tracked: np.ndarray) -> tuple[FlowModel, np.ndarray]:
        """The origin model cut down to what the importer's supply can depend on.

        Pools that reach neither the importer nor a tracked country (their
        feed is asked for), at this stage or through later ones, cannot
        change the importer's supply. Keeping the others (closed under
        suppliers, stage by stage) plus one sink that receives every
        shipment to the countries left out gives the same pools, exports
        and kept feed for every country kept: the same numbers on a network
        of about a quarter of the nodes. Returns the model and the kept
        positions (position ``k`` of the model is ``kept[k]`` here).
        """
        key = tuple(int(t) for t in tracked)
        cached = self._reduced_cache.get(key)
        if cached is not None:
            return cached
        net = self.network
        n = len(self.countries)
        seeds = np.zeros(n, dtype=bool)
        seeds[self._m] = True
        seeds[list(key)] = True
        for stage in reversed(self.flow.stages):
            F = net.trade_sparse(stage)
            suppliers = scipy.sparse.csr_array(
                (np.ones(F.nnz), F.indices, F.indptr), shape=(n, n)).T.tocsr()
            seeds |= _closure(suppliers, seeds)
        kept = np.nonzero(seeds)[0]
        if kept.size >= 0.8 * n:
            self._reduced_cache[key] = (self.flow, np.arange(n))
            return self._reduced_cache[key]
        sink = kept.size
        names = tuple(self.countries[i] for i in kept) + ("\x00rest",)
        flows, zeros = {}, {}
        position = np.full(n, sink, dtype=np.int64)
        position[kept] = np.arange(kept.size)
        for stage, matrix in net._sparse["flows"].items():
            coo = matrix.tocoo()
            inside = seeds[coo.row]
            flows[stage] = scipy.sparse.coo_array(
                (coo.data[inside], (position[coo.row[inside]], position[coo.col[inside]])),
                shape=(sink + 1, sink + 1)).tocsr()
            zeros[stage] = scipy.sparse.csr_array((sink + 1, sink + 1))
        production = {s: np.append(np.asarray(v)[kept], 0.0)
                      for s, v in net.production.items()}
        sub = SupplyNetwork(net.commodity, net.year, names, MappingProxyType(production),
                            MappingProxyType(flows), MappingProxyType(zeros),
                            MappingProxyType(dict(zeros)), net.unit,
                            MappingProxyType(dict(net.output_basis)), net.notes)
        reduced = FlowModel(sub)
        result = (reduced, kept) if reduced.stages == self.flow.stages else \
            (self.flow, np.arange(n))
        self._reduced_cache[key] = result
        return result

    def evaluate(self, gates: Gates, substitution: float = 0.0,
                 feed_countries: Sequence[str] | None = None) -> Evaluation:
        """Supply of the importer after each scenario of a batch.

        Parameters
        ----------
        gates : Gates
            Survival factors, ``S`` scenarios (dense or sparse families).
        substitution : float
            0 (default) switches substitution off. A value ``L`` in (0, 1]
            lets every direct supplier whose shipments to the importer are
            untouched by the scenario raise them by up to ``L`` times their
            current volume, to make up (part of) the loss of that stage.
        feed_countries : sequence of str, optional
            Countries whose surviving feed :attr:`Evaluation.feed` keeps
            (default every country: ``S x n`` numbers per stage).

        Returns
        -------
        Evaluation

        Notes
        -----
        Every scenario goes through the same stage systems as a column of one
        sparse solve per stage (batches of about ``BATCH_CELLS / n``
        scenarios); gates on trade are low-rank updates of that solve
        (:meth:`scrisk.origins.FlowModel.evaluate_batch`).
        """
        if not 0.0 <= substitution <= 1.0:
            raise ValueError(f"substitution must be in [0, 1], got {substitution}")
        gates.check()
        if gates.n != len(self.countries) or gates.lanes.shape[1] != len(self.chokepoints):
            raise ValueError("gates do not match this model; build them with model.gates()")
        S = gates.runs
        route = self.route_survival(gates.lanes)
        stages = self.flow.stages
        n = len(self.countries)
        if feed_countries is None:
            tracked = np.arange(n)
            feed_names = None
        else:
            feed_names = tuple(c for c in dict.fromkeys(feed_countries)
                               if self.network.has_country(c))
            tracked = np.array([self.network.index(c) for c in feed_names], dtype=np.int64)
        after = {s: np.zeros(S) for s in stages}
        subs = {s: np.zeros(S) for s in stages}
        feed = {s: np.ones((S, tracked.size)) for s in stages}
        if not self._present or S == 0 or not stages:
            return Evaluation(MappingProxyType(after), MappingProxyType(subs),
                              MappingProxyType(feed), route, self.countries, feed_names)
        flow, kept = self._reduced(tracked)
        position = np.full(n, -1, dtype=np.int64)
        position[kept] = np.arange(kept.size)
        m = int(position[self._m])
        tracked_sub = position[tracked]
        nk = len(flow.network.countries)
        names = gates.names()
        batch = max(1, min(S, BATCH_CELLS // max(nk, 1)))
        for start in range(0, S, batch):
            rows = np.arange(start, min(S, start + batch))
            arrays = {"production": {}, "export": {}, "link": {}}
            for name in names:
                kind, _, stage = name.partition(":")
                if stage in stages:
                    arrays[kind][stage] = _cut(gates.rows(name, rows).T, kept, nk)
            if self._shares is not None:
                for stage in stages:
                    links = arrays["link"]
                    links[stage] = links.get(stage, 1.0) * _cut(route[rows].T, kept, nk)
            production, export, link = arrays["production"], arrays["export"], arrays["link"]
            if not (production or export or link):
                production = {stages[0]: np.ones((nk, rows.size))}
            fed: dict[str, np.ndarray] = {}
            pools = flow.evaluate_batch(production, export, link, m, feed=fed)
            for stage in stages:
                after[stage][rows] = pools[stage][m]
                feed[stage][rows] = fed[stage][tracked_sub].T
                if substitution > 0:
                    subs[stage][rows] = self._substitute(flow, m, stage, pools[stage],
                                                         export.get(stage), link.get(stage),
                                                         substitution)
        if substitution > 0:
            after = {s: after[s] + subs[s] for s in stages}
        return Evaluation(MappingProxyType(after), MappingProxyType(subs),
                          MappingProxyType(feed), route, self.countries, feed_names)

    def _substitute(self, flow: FlowModel, m: int, stage: str, pools: np.ndarray,
                    export: np.ndarray | None, link: np.ndarray | None,
                    limit: float) -> np.ndarray:
        """Tonnes untouched direct suppliers can add, up to ``limit`` x their shipments.

        ``pools`` is ``(n, k)`` after the shocks in ``flow`` (the importer at
        ``m``); ``export`` and ``link`` are ``(n, k)`` gates (``None``:
        untouched). Returns ``(k,)``.
        """
        a = flow.arrays[stage]
        supply = self.supply[stage]
        loss = supply - pools[m]
        before = flow.shipments_to(stage, m)
        sup = np.nonzero(before > 0)[0]
        shipped_before = before[sup][:, None]
        r = np.ones((sup.size, pools.shape[1]))
        ok = a.pool[sup] > 0
        r[ok] = pools[sup[ok]] / a.pool[sup[ok], None]
        gate = np.ones((sup.size, pools.shape[1]))
        if export is not None:
            gate = gate * export[sup]
        if link is not None:
            gate = gate * link[sup]
        traced = a.traced_exports[sup][:, None]
        shipped_after = shipped_before * gate * (traced * r + 1.0 - traced)
        untouched = shipped_after >= shipped_before * UNAFFECTED
        room = limit * (shipped_before * untouched).sum(axis=0)
        out = np.minimum(loss, room)
        out[loss <= 1e-9 * max(supply, 1.0)] = 0.0
        return out

    def losses(self, gates: Gates, substitution: float = 0.0) -> np.ndarray:
        """``(S, len(flow.stages))`` supply lost per scenario at each stage (tonnes)."""
        ev = self.evaluate(gates, substitution)
        return np.column_stack([self.supply[s] - ev.after[s] for s in self.flow.stages])

    def by_origin(self, gates: Gates | None = None) -> pd.DataFrame:
        """Supply before and after one scenario, by origin label, at every stage.

        Parameters
        ----------
        gates : Gates, optional
            One scenario (the first row is used); default: no shock.

        Returns
        -------
        pandas.DataFrame
            ``stage, origin, before_t, after_t, loss_t`` for every origin
            with supply before (``untraced:<ISO3>`` and ``unattributed``
            included). ``after_t`` sums to :meth:`evaluate`'s result without
            substitution.

        Examples
        --------
        >>> from scrisk.disruption.example import example_network
        >>> model = SupplyModel(example_network(), "JPN")
        >>> table = model.by_origin()
        >>> table.loc[table["stage"] == "refining", ["origin", "before_t"]].round(2).to_dict("list")
        {'origin': ['AUS', 'IDN', 'CHN'], 'before_t': [40.0, 20.0, 10.0]}
        """
        columns = ["stage", "origin", "before_t", "after_t", "loss_t"]
        if not self._present:
            return pd.DataFrame(columns=columns)
        gates = gates if gates is not None else self.gates(1)
        route = self.route_survival(gates.lanes[:1])
        production, export, link = self._scenario(gates, 0, route)
        after = self.flow.evaluate(production, export, link, self.importer, by_label=True)
        labels = self.flow.labels
        stages, origins, before_t, after_t = [], [], [], []
        for stage in self.flow.stages:  # upstream first; largest origin first within a stage
            supply = self.supply[stage]
            if supply <= 0:
                continue
            before = self.flow.composition_rows(stage, [self._m])[0] * supply
            now = after[stage][self._m]
            held = np.nonzero(before > 1e-9 * max(supply, 1.0))[0].tolist()
            held.sort(key=lambda k: (-before[k], labels[k]))
            stages.extend([stage] * len(held))
            origins.extend(labels[k] for k in held)
            before_t.extend(float(before[k]) for k in held)
            after_t.extend(float(now[k]) for k in held)
        table = pd.DataFrame({"stage": stages, "origin": origins, "before_t": before_t,
                              "after_t": after_t}, columns=columns[:4])
        table["loss_t"] = table["before_t"] - table["after_t"]
        return table

    # ----------------------------------------------------------------- single-element losses

    def element_gates(self, elements: Sequence[tuple[str, str, float]]) -> Gates:
        """One scenario per element: ``(family, key, surviving share)``.

        ``family`` is a gate family (``production:mining``, ...) or ``lanes``;
        ``key`` an ISO3 code or a chokepoint id. Elements the model does not
        contain leave their scenario untouched.
        """
        gates = self.gates(len(elements))
        for row, (family, key, survive) in enumerate(elements):
            if family == "lanes":
                if key in self.chokepoints:
                    gates.lanes[row, self.chokepoints.index(key)] = survive
                continue
            col = self.index(key)
            if col is not None:
                gates.family(family)[row, col] = survive
        return gates

    def supply_by_supplier(self, stage: str | None = None) -> pd.Series:
        """The importer's pool of a stage by direct supplier (itself for own output)."""
        stage = stage or self.headline_stage
        if stage is None or not self._present:
            return pd.Series(dtype=float)
        a = self.flow.arrays[stage]
        amounts = self.flow.shipments_to(stage, self._m).copy()
        amounts[self._m] = a.output[self._m]
        series = pd.Series(amounts, index=pd.Index(self.countries, name="supplier"))
        return series[series > 0].sort_values(ascending=False, kind="stable")


def _closure(suppliers: scipy.sparse.csr_array, seeds: np.ndarray) -> np.ndarray:
    """Countries from which trade reaches ``seeds`` (``suppliers[c, i]`` = i ships to c)."""
    from scipy.sparse.csgraph import breadth_first_order

    n = seeds.size
    start = np.nonzero(seeds)[0]
    root = scipy.sparse.csr_array((np.ones(start.size), (np.zeros(start.size, dtype=np.int64),
                                                         start)), shape=(1, n + 1))
    graph = scipy.sparse.vstack([scipy.sparse.hstack([suppliers,
                                                      scipy.sparse.csr_array((n, 1))]),
                                 root]).tocsr()
    order = breadth_first_order(graph, n, directed=True, return_predecessors=False)
    out = np.zeros(n, dtype=bool)
    out[order[order < n]] = True
    return out


def _cut(gates: np.ndarray, kept: np.ndarray, size: int) -> np.ndarray:
    """Rows of the kept countries (and an untouched sink row when the model is reduced)."""
    if kept.size == size:
        return gates
    return np.vstack([gates[kept], np.ones((1, gates.shape[1]))])


__all__ = ["SeaRoutes", "Gates", "Evaluation", "SupplyModel", "family_name", "GATE_KINDS",
           "ROUTE_DESTINATION", "UNATTRIBUTED"]
