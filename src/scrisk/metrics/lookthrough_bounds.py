"""Bounds on look-through: the least and most of an importer's supply each origin can hold.

The origin model (:mod:`scrisk.origins`) mixes every pool proportionally: a
re-exporter passes on the average of what it holds. Trade statistics do not
say that; a trader may pass on only what it bought from one source. This
module asks, for one importer, stage and year, how small and how large each
origin's share can be when every country may pass on (export, process, or
keep) **any mix of what it holds**, subject to the same trade flows, outputs
and mass balance as the proportional model. One linear programme per origin
and direction, solved with OR-Tools GLOP; the formulation and a worked
example are in ``docs/methods.md`` ("Bounds on look-through").

The bounds are on what the importer **keeps** of the stage (its pool less
its exports). Under proportional mixing a pool and what it keeps have the
same mix, so the proportional share sits inside the bounds; measured on the
kept part, metal that leaves a country and comes back (a round trip) cancels
and cannot be given an origin the data do not support.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scrisk.exceptions import SolverError, UnknownChoiceError
from scrisk.origins import UNATTRIBUTED, FlowModel, label_kind, untraced_label

__all__ = ["origin_bounds", "lookthrough_bounds", "small_network", "BOUND_COLUMNS"]

BOUND_COLUMNS = ("iso3", "kind", "share", "min_share", "max_share")
_TINY = 1e-12


@dataclass
class _Row:
    """A kept-balance row of the programme: its constraint and the node it belongs to."""

    constraint: object
    stage: int
    country: int


def origin_bounds(model: FlowModel, importer: str, stage: str | None = None,
                  labels: Sequence[str] | None = None) -> pd.DataFrame:
    """Least and most share of each origin in what an importer keeps of one stage.

    Parameters
    ----------
    model : FlowModel
        The origin model (read, never changed).
    importer : str
        ISO3 code of a country of the network.
    stage : str, optional
        A stage of the model; default: the most processed stage at which the
        importer has supply.
    labels : sequence of str, optional
        Origin labels to bound; default: every label with a positive
        proportional share (a label no flow path connects to the importer
        has 0 in every mix).

    Returns
    -------
    pandas.DataFrame
        ``iso3`` (origin label), ``kind``, ``share`` (proportional mixing),
        ``min_share``, ``max_share``; largest proportional share first.
        ``attrs``: ``importer``, ``stage``, ``kept_t`` (the base of the
        shares), ``supply_t``, ``solves`` (linear programmes solved) and
        ``notes``.

    Examples
    --------
    A trader (HUB) buys 50 t from each of two mines (A, B) and sells 50 t
    to Japan: proportional mixing says half and half; any split from all-A
    to all-B fits the same flows.

    >>> from scrisk.origins import FlowModel
    >>> net = small_network(("A", "B", "HUB", "JPN"), {"mining": [100, 100, 0, 0]},
    ...                     {"mining": [("A", "HUB", 50), ("B", "HUB", 50), ("HUB", "JPN", 50)]})
    >>> origin_bounds(FlowModel(net), "JPN")[["iso3", "share", "min_share", "max_share"]]
      iso3  share  min_share  max_share
    0    A    0.5        0.0        1.0
    1    B    0.5        0.0        1.0
    """
    net = model.network
    if not net.has_country(importer):
        raise UnknownChoiceError("country of the network", importer, net.countries)
    if stage is None:
        held = [s for s in model.stages if model.supply(importer, s) > 0]
        stage = held[-1] if held else None
    elif stage not in model.stages:
        raise UnknownChoiceError("stage of the network", stage, model.stages)
    m = net.index(importer)
    empty = pd.DataFrame({c: pd.Series(dtype=object if c in ("iso3", "kind") else float)
                          for c in BOUND_COLUMNS})
    if stage is None:
        empty.attrs.update(importer=importer, stage=None, kept_t=0.0, supply_t=0.0, solves=0,
                           notes=[f"{importer} has no supply in the network"])
        return empty
    supply = model.supply(importer, stage)
    kept = float(model.arrays[stage].kept[m])
    proportional = model.composition[stage][m]
    if labels is None:
        order = np.argsort(-proportional, kind="stable")
        labels = [model.labels[k] for k in order if proportional[k] > 1e-12]
    else:
        unknown = [lab for lab in labels if lab not in model.labels]
        if unknown:
            raise UnknownChoiceError("origin label", unknown[0], model.labels)
    base = dict(importer=importer, stage=stage, kept_t=kept, supply_t=supply)
    if kept <= supply * 1e-9 or kept <= _TINY:
        table = empty
        table.attrs.update(base, solves=0, notes=[
            f"{importer} re-exports all of its {stage} supply: it keeps none, so no bounds"])
        return table
    programme = _Programme(model, m, model.stages.index(stage), kept)
    rows = []
    for label in labels:
        k = model.labels.index(label)
        low, high = programme.bounds(label)
        rows.append((label, label_kind(label), float(proportional[k]), low, high))
    table = pd.DataFrame(rows, columns=list(BOUND_COLUMNS))
    table = table.sort_values(["share", "iso3"], ascending=[False, True], kind="stable",
                              ignore_index=True)
    notes = []
    if kept < supply * (1 - 1e-9):
        notes.append(f"bounds are shares of what {importer} keeps ({kept:,.0f} of "
                     f"{supply:,.0f} t): its re-exports are left out")
    table.attrs.update(base, solves=programme.solves, notes=notes)
    return table


def lookthrough_bounds(dataset, importer: str, commodity: str, year: int | None = None,
                       stage: str | None = None) -> pd.DataFrame:
    """Proportional mined-origin shares of an importer beside their least and most.

    The dataset-level entry point of :func:`origin_bounds`: it reads the
    shared origin model (:func:`scrisk.origins.flow_model`) for the
    commodity and year.

    Parameters
    ----------
    dataset : Dataset
    importer : str
        ISO3 code or country name.
    commodity : str
    year : int, optional
        Default: :func:`scrisk.network.default_year`.
    stage : str, optional
        Default: the most processed stage at which the importer has supply.

    Returns
    -------
    pandas.DataFrame
        As :func:`origin_bounds`, with a ``country`` column and ``year``,
        ``commodity``, ``unit`` in ``attrs``.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> b = lookthrough_bounds(load_dataset(), "JPN", "cobalt", 2023)
    >>> bool(((b["min_share"] <= b["share"] + 1e-6) & (b["share"] <= b["max_share"] + 1e-6)).all())
    True
    """
    from scrisk.metrics.exposure import _label_name
    from scrisk.network import default_year
    from scrisk.origins import flow_model

    importer = dataset.check_country(importer)
    dataset.check_commodity(commodity)
    year = default_year(dataset) if year is None else dataset.check_year(int(year))
    model = flow_model(dataset, commodity, year)
    if not model.network.has_country(importer):
        table = origin_bounds(model, model.network.countries[0], None, labels=[])
        table.attrs.update(importer=importer, kept_t=0.0, supply_t=0.0,
                           notes=[f"{importer} has no {commodity} in the network in {year}"])
    else:
        table = origin_bounds(model, importer, stage)
    table.insert(1, "country", [_label_name(dataset, lab) for lab in table["iso3"]])
    table.attrs.update(year=year, commodity=commodity, unit=model.network.unit)
    return table


class _Programme:
    """The bounding linear programme of one importer and stage, rebuilt per label by bounds.

    Variables per stage ``s`` and country ``c`` upstream of the importer
    (amounts of the bounded label ``k``, in units of the importer's kept
    amount): kept ``kappa`` in ``[0, K]``, each trade flow's share ``z`` in
    ``[0, F]``, exports to countries that cannot reach the importer ``out``
    in ``[0, sum F]``, the traced output ``t`` in ``[0, T]`` and the
    unprocessed feed ``lam`` in ``[0, Phi - T]``. Rows: the kept balance
    ``kappa - t - sum_in z + sum_out z + out = const_k`` and the feed split
    ``t + lam = kappa_prev + lam_prev``. Only ``const_k`` changes with the
    label: mine output of ``k``, untraced feed of ``k``, or exports beyond a
    pool (``unattributed``).
    """

    def __init__(self, model: FlowModel, m: int, last: int, kept: float):
        from ortools.linear_solver import pywraplp

        self.model = model
        self.solves = 0
        solver = pywraplp.Solver.CreateSolver("GLOP")
        if solver is None:  # pragma: no cover - GLOP ships in every ortools wheel
            raise SolverError("OR-Tools GLOP linear solver is not available")
        # The programmes of one importer differ only in a few constants, solved one after
        # another: without GLOP's presolve each solve starts from the last optimal basis
        # instead of from scratch (half the time on the shipped data; the optima agree to
        # GLOP's tolerance, 1e-8 in a share, docs/methods.md).
        solver.SetSolverSpecificParametersAsString("use_preprocessing: false")
        self.solver = solver
        scale = 1.0 / kept
        net = model.network
        stages = model.stages[:last + 1]
        relevant = _upstream(model, stages, m)
        self.kept_rows: list[_Row] = []
        self.constants: dict[str, list[tuple[int, float]]] = {}
        previous: dict[int, tuple] = {}
        objective_var = None
        for s, stage in enumerate(stages):
            arrays = model.arrays[stage]
            nodes = relevant[s]
            inside = np.zeros(len(net.countries), dtype=bool)
            inside[nodes] = True
            flows = net.trade_sparse(stage).tocoo()
            kappa, t, lam, balance = {}, {}, {}, {}
            mining_first = s == 0 and stage == "mining"
            for c in nodes:
                kappa[c] = solver.NumVar(0.0, float(arrays.kept[c]) * scale, "")
                balance[c] = solver.Constraint(0.0, 0.0)
                balance[c].SetCoefficient(kappa[c], 1.0)
                if not mining_first:
                    output = float(arrays.output[c])
                    feed = float(arrays.feed[c])
                    traced = min(feed, output) if output > _TINY else 0.0
                    t[c] = solver.NumVar(0.0, traced * scale, "")
                    lam[c] = solver.NumVar(0.0, max(feed - traced, 0.0) * scale, "")
                    balance[c].SetCoefficient(t[c], -1.0)
                    split = solver.Constraint(0.0, 0.0)
                    split.SetCoefficient(t[c], 1.0)
                    split.SetCoefficient(lam[c], 1.0)
                    if c in previous:
                        split.SetCoefficient(previous[c][0], -1.0)
                        split.SetCoefficient(previous[c][1], -1.0)
                    if output > traced + _TINY:
                        self._constant(untraced_label(net.countries[c]),
                                       len(self.kept_rows), (output - traced) * scale)
                elif arrays.output[c] > 0:
                    self._constant(net.countries[c], len(self.kept_rows),
                                   float(arrays.output[c]) * scale)
                beyond = float(arrays.exports[c] - arrays.pool[c])
                if beyond > _TINY:
                    self._constant(UNATTRIBUTED, len(self.kept_rows), beyond * scale)
                self.kept_rows.append(_Row(balance[c], s, c))
            outside = np.zeros(len(net.countries))
            for i, j, q in zip(flows.row, flows.col, flows.data, strict=True):
                if q <= 0 or not inside[i]:
                    continue
                if inside[j]:
                    z = solver.NumVar(0.0, float(q) * scale, "")
                    balance[i].SetCoefficient(z, 1.0)
                    balance[j].SetCoefficient(z, -1.0)
                else:
                    outside[i] += q
            for c in nodes:
                if outside[c] > 0:
                    balance[c].SetCoefficient(solver.NumVar(0.0, outside[c] * scale, ""), 1.0)
            if mining_first:
                # nothing of the mine stage is left unprocessed: the next feed is what is kept
                zero = solver.NumVar(0.0, 0.0, "")
                previous = {c: (kappa[c], zero) for c in nodes}
            else:
                previous = {c: (kappa[c], lam[c]) for c in nodes}
            if s == len(stages) - 1:
                objective_var = kappa[m]
        self.objective = solver.Objective()
        self.objective.SetCoefficient(objective_var, 1.0)
        self._set: list[int] = []

    def _constant(self, label: str, row: int, amount: float) -> None:
        self.constants.setdefault(label, []).append((row, amount))

    def bounds(self, label: str) -> tuple[float, float]:
        """(least, most) share of ``label`` in the importer's kept amount."""
        for row in self._set:
            self.kept_rows[row].constraint.SetBounds(0.0, 0.0)
        self._set = []
        for row, amount in self.constants.get(label, []):
            self.kept_rows[row].constraint.SetBounds(amount, amount)
            self._set.append(row)
        out = []
        for maximise in (False, True):
            if maximise:
                self.objective.SetMaximization()
            else:
                self.objective.SetMinimization()
            status = self.solver.Solve()
            self.solves += 1
            if status != self.solver.OPTIMAL:
                raise SolverError(f"look-through bounds: GLOP returned status {status} for "
                                  f"origin {label} (the proportional mix is always feasible, "
                                  "so this is a numerical failure; please report it)")
            out.append(min(max(self.objective.Value(), 0.0), 1.0))
        return out[0], out[1]


def _upstream(model: FlowModel, stages: Sequence[str], m: int) -> list[np.ndarray]:
    """Per stage, the countries whose holdings can reach the importer's last-stage pool.

    Countries that cannot reach it are left out of the programme: whatever
    they receive, proportional mixing among them is feasible, so they never
    restrict the bounds.
    """
    net = model.network
    n = len(net.countries)
    seeds = np.zeros(n, dtype=bool)
    seeds[m] = True
    out: list[np.ndarray] = [np.array([], dtype=int)] * len(stages)
    for s in range(len(stages) - 1, -1, -1):
        flows = net.trade_sparse(stages[s])
        reverse = (flows.T > 0).astype(np.int8).tocsr()
        reached = seeds.copy()
        frontier = np.nonzero(seeds)[0]
        while frontier.size:
            nxt = np.unique(reverse[frontier].indices)
            nxt = nxt[~reached[nxt]]
            reached[nxt] = True
            frontier = nxt
        out[s] = np.nonzero(reached)[0]
        seeds = reached
    return out


def small_network(countries: Sequence[str], production: dict[str, Sequence[float]],
                  flows: dict[str, Sequence[tuple[str, str, float]]], commodity: str = "x",
                  year: int = 2023, unit: str = "t"):
    """A :class:`~scrisk.network.SupplyNetwork` written out by hand (examples and tests).

    Parameters
    ----------
    countries : sequence of str
    production : dict
        Stage -> output per country, in the order of ``countries``.
    flows : dict
        Stage -> ``(exporter, importer, quantity)`` triples.

    Examples
    --------
    >>> net = small_network(("A", "JPN"), {"mining": [10, 0]}, {"mining": [("A", "JPN", 4)]})
    >>> net.stages, float(net.trade("mining")[0, 1])
    (('mining',), 4.0)
    """
    from types import MappingProxyType

    from scrisk.network import SupplyNetwork

    index = {c: i for i, c in enumerate(countries)}
    n = len(countries)
    stages = list(dict.fromkeys([*production, *flows]))
    out = {s: np.asarray(production.get(s, np.zeros(n)), dtype=float) for s in stages}
    matrices = {}
    for s in stages:
        matrix = np.zeros((n, n))
        for a, b, q in flows.get(s, ()):
            matrix[index[a], index[b]] += float(q)
        matrices[s] = matrix
    zeros = {s: np.zeros((n, n)) for s in stages}
    return SupplyNetwork(commodity, year, tuple(countries), MappingProxyType(out),
                         MappingProxyType(matrices), MappingProxyType(zeros),
                         MappingProxyType(dict(zeros)), unit)
