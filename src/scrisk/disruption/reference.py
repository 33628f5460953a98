"""A slow reference implementation of the engine's rules, for tests and benchmarks.

:func:`naive_pools` applies the same rules as
:meth:`scrisk.origins.FlowModel.evaluate` with plain fixed-point sweeps over
countries and trade links (no linear algebra, no batching), so that the
engine's solves can be checked against an independent computation and timed
against the obvious way to do it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scrisk.origins import FlowModel


def _ratio(after: np.ndarray, before: np.ndarray) -> np.ndarray:
    return np.where(before > 0, np.minimum(after / np.where(before > 0, before, 1.0), 1.0), 0.0)


def naive_pools(flow: FlowModel, production: Mapping[str, np.ndarray],
                export: Mapping[str, np.ndarray], link: Mapping[str, np.ndarray],
                importer: str, sweeps: int = 400) -> dict[str, np.ndarray]:
    """Pools of every stage after one shock, by sweeping country by country.

    Parameters
    ----------
    flow : FlowModel
    production, export, link : Mapping[str, numpy.ndarray]
        Stage -> ``(n,)`` surviving shares, as for :meth:`FlowModel.evaluate`.
    importer : str
    sweeps : int
        Most fixed-point sweeps per stage (re-export loops converge geometrically).

    Returns
    -------
    dict
        Stage -> ``(n,)`` pools after the shock.

    Examples
    --------
    >>> import numpy as np
    >>> from scrisk.origins import FlowModel, example_network
    >>> flow = FlowModel(example_network())
    >>> cut = {"mining": np.array([0.0, 1.0, 1.0])}
    >>> round(float(naive_pools(flow, cut, {}, {}, "JPN")["refining"][2]), 9)
    5.0
    """
    net = flow.network
    n = len(net.countries)
    m = net.index(importer)
    out: dict[str, np.ndarray] = {}
    carry_before = np.zeros(n)
    carry_after = np.zeros(n)
    for s, stage in enumerate(flow.stages):
        a = flow.arrays[stage]
        gp = production.get(stage, np.ones(n))
        ge = export.get(stage, np.ones(n))
        gl = link.get(stage, np.ones(n))

        def gate(i: int, j: int, ge=ge, gl=gl) -> float:
            return ge[i] * (gl[i] if j == m else 1.0)

        if s == 0:
            src = a.output * gp
        else:
            rho = _ratio(carry_after, carry_before)
            src = a.output * gp * (a.feed_used * rho + 1.0 - a.feed_used)
        links = [(i, j, a.flows[i, j]) for i, j in zip(*np.nonzero(a.flows), strict=True)]
        gated_in = np.zeros(n)
        for i, j, f in links:
            gated_in[j] += f * gate(i, j)
        inflow = a.flows.sum(axis=0)
        dead = ~a.reached
        dead_pool = a.pool * np.where(inflow > 0, gated_in / np.where(inflow > 0, inflow, 1), 1)
        pool = a.pool.copy()
        for _ in range(sweeps):
            r = np.where(a.pool > 0, pool / np.where(a.pool > 0, a.pool, 1.0), 1.0)
            new = src.copy()
            for i, j, f in links:
                new[j] += f * gate(i, j) * (a.traced_exports[i] * r[i]
                                            + 1.0 - a.traced_exports[i])
            new = np.where(dead, dead_pool, new)
            if np.allclose(new, pool, atol=1e-12, rtol=0):
                break
            pool = new
        out[stage] = pool
        r = np.where(a.pool > 0, pool / np.where(a.pool > 0, a.pool, 1.0), 1.0)
        shipped = np.zeros(n)
        for i, j, f in links:
            shipped[i] += f * gate(i, j)
        kept = r * np.clip(a.pool - a.traced_exports * shipped, 0.0, None)
        left_before = np.zeros(n) if s == 0 else np.clip(a.feed - a.output, 0.0, None)
        rho = np.zeros(n) if s == 0 else _ratio(carry_after, carry_before)
        carry_before = a.kept + left_before
        carry_after = kept + left_before * rho
    return out


def naive_element_losses(model, limit: int | None = None) -> dict:
    """Each element's loss at every stage, one :func:`naive_pools` run per element.

    Parameters
    ----------
    model : scrisk.disruption.engine.SupplyModel
    limit : int, optional
        Only the first ``limit`` elements of
        :func:`scrisk.disruption.chokepoints.model_elements` (sea lanes left out).

    Returns
    -------
    dict
        ``(family, key)`` -> ``numpy.ndarray`` of losses, one per stage of ``model.flow``.

    Examples
    --------
    >>> from scrisk.disruption.engine import SupplyModel
    >>> from scrisk.disruption.example import example_network
    >>> losses = naive_element_losses(SupplyModel(example_network(), "JPN"))
    >>> losses[("export:refining", "CHN")].round(6).tolist()
    [0.0, 50.0]
    """
    from scrisk.disruption.chokepoints import model_elements

    flow = model.flow
    m = model.index(model.importer)
    base = naive_pools(flow, {}, {}, {}, model.importer)
    out = {}
    elements = [e for e in model_elements(model) if e[0] != "lanes"][:limit]
    for family, key, survive, *_ in elements:
        kind, _, stage = family.partition(":")
        gate = np.ones(len(model.countries))
        gate[model.index(key)] = survive
        cut = {kind: {stage: gate}}
        after = naive_pools(flow, cut.get("production", {}), cut.get("export", {}),
                            cut.get("link", {}), model.importer)
        out[(family, key)] = np.array([base[s][m] - after[s][m] for s in flow.stages])
    return out
