"""Synthetic supply networks for the scale benchmarks (illustrative numbers, not data).

:func:`synthetic_parts` draws, from a seed, a contained-metal network of
``n`` nodes (countries or firms) over the ladder mining -> intermediate ->
refining: a few per cent of the nodes mine, process or refine; every producer
ships part of its output to a handful of partners chosen with a
heavy-tailed preference (a few hubs receive much of the trade), and traders
re-export part of what they receive, which closes re-export loops. Refiners
get feed from the stage below plus some feed the data do not show
(``untraced``), as in the shipped data. Node ``JPN`` is a refiner that also
imports every stage, so it can serve as the importer.

The parts are plain numpy arrays (coordinates and quantities of the trade
links), so the same network can be built by today's sparse code
(:func:`synthetic_network`) and by an older dense implementation in another
process (the benchmarks compare the two side by side).

Everything here is illustrative: the numbers mean nothing about any real
commodity.

Examples
--------
>>> parts = synthetic_parts(300, seed=1)
>>> net = synthetic_network(parts)
>>> len(net.countries), net.stages
(300, ('mining', 'intermediate', 'refining'))
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

STAGES3 = ("mining", "intermediate", "refining")
IMPORTER = "JPN"


def _partners(rng: np.random.Generator, n: int, sources: np.ndarray, degree: float,
              weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Destinations of each source: 1 + Poisson(degree - 1) partners, heavy-tailed choice."""
    counts = 1 + rng.poisson(max(degree - 1.0, 0.0), size=sources.size)
    total = int(counts.sum())
    dest = rng.choice(n, size=total, p=weight)
    src = np.repeat(sources, counts)
    keep = src != dest
    return src[keep], dest[keep]


def synthetic_parts(n: int, seed: int = 0, degree: float = 8.0,
                    producer_share: float = 0.05) -> dict:
    """Draw one synthetic network of ``n`` nodes (see the module docstring).

    Parameters
    ----------
    n : int
        Number of nodes (>= 20).
    seed : int
        Seed of ``numpy.random.PCG64``: the same seed gives the same network.
    degree : float
        Mean number of partners of each exporter.
    producer_share : float
        Share of the nodes producing at each stage.

    Returns
    -------
    dict
        ``countries`` (tuple), ``production`` (stage -> ``(n,)``), ``links``
        (stage -> ``(exporter, importer, tonnes)`` arrays, duplicates summed
        by the builder).
    """
    if n < 20:
        raise ValueError(f"n must be >= 20, got {n}")
    rng = np.random.Generator(np.random.PCG64(seed))
    countries = (IMPORTER, *(f"S{k:05d}" for k in range(1, n)))
    # heavy-tailed attractiveness: a few hubs take much of the trade
    weight = rng.pareto(1.2, size=n) + 0.05
    weight[0] = weight.max()           # the importer is a hub
    weight /= weight.sum()
    k_prod = max(3, int(round(producer_share * n)))
    production: dict[str, np.ndarray] = {}
    links: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    kept = np.zeros(n)
    for s, stage in enumerate(STAGES3):
        X = np.zeros(n)
        makers = rng.choice(np.arange(1, n), size=k_prod, replace=False)
        if stage == "refining":
            makers = np.unique(np.append(makers, 0))
        if s == 0:
            X[makers] = rng.lognormal(8.0, 1.5, size=makers.size)
        else:
            # output from the feed kept below (most of it) plus untraced feed
            fed = np.nonzero(kept > 0)[0]
            chosen = np.unique(np.concatenate([makers, rng.choice(fed, size=min(fed.size,
                                                                                  k_prod))]))
            X[chosen] = kept[chosen] * rng.uniform(0.6, 1.3, size=chosen.size) \
                + rng.lognormal(5.0, 1.0, size=chosen.size) * (rng.random(chosen.size) < 0.3)
        production[stage] = X
        producers = np.nonzero(X > 0)[0]
        src, dst = _partners(rng, n, producers, degree, weight)
        share = rng.uniform(0.2, 0.8, size=producers.size)
        per_link = np.zeros(n)
        counts = np.bincount(src, minlength=n)
        per_link[producers] = X[producers] * share / np.maximum(counts[producers], 1)
        qty = per_link[src]
        # traders re-export part of what they receive (closes re-export loops)
        received = np.bincount(dst, weights=qty, minlength=n)
        traders = np.nonzero((received > 0) & (X == 0))[0]
        traders = traders[rng.random(traders.size) < 0.3]
        t_src, t_dst = _partners(rng, n, traders, degree / 2, weight)
        t_counts = np.bincount(t_src, minlength=n)
        t_qty = (received * 0.5 / np.maximum(t_counts, 1))[t_src]
        src, dst, qty = (np.concatenate([src, t_src]), np.concatenate([dst, t_dst]),
                         np.concatenate([qty, t_qty]))
        # the importer buys every stage from a few large producers
        big = producers[np.argsort(-X[producers], kind="stable")[:5]]
        big = big[big != 0]
        src, dst = np.concatenate([src, big]), np.concatenate([dst, np.zeros(big.size, int)])
        qty = np.concatenate([qty, X[big] * 0.05])
        links[stage] = (src.astype(np.int64), dst.astype(np.int64), qty)
        pool = X + np.bincount(dst, weights=qty, minlength=n)
        kept = np.clip(pool - np.bincount(src, weights=qty, minlength=n), 0.0, None)
    return {"countries": countries, "production": production, "links": links}


def synthetic_network(parts: dict, dense: bool = False):
    """A :class:`scrisk.network.SupplyNetwork` from :func:`synthetic_parts`.

    ``dense=True`` passes ``(n, n)`` arrays (what an older, dense
    implementation takes); the default passes ``scipy.sparse`` matrices.
    """
    import scipy.sparse

    from scrisk.network import SupplyNetwork

    countries = parts["countries"]
    n = len(countries)
    flows = {}
    for stage, (src, dst, qty) in parts["links"].items():
        mat = scipy.sparse.coo_array((qty, (src, dst)), shape=(n, n)).tocsr()
        mat.sum_duplicates()
        flows[stage] = mat.toarray() if dense else mat
    zeros = {s: (np.zeros((n, n)) if dense else scipy.sparse.csr_array((n, n)))
             for s in flows}
    basis = {s: "statistics" for s in parts["production"]}
    return SupplyNetwork("synthetic", 2024, tuple(countries),
                         MappingProxyType(dict(parts["production"])), MappingProxyType(flows),
                         MappingProxyType(zeros), MappingProxyType(dict(zeros)), "t",
                         MappingProxyType(basis), ("synthetic network: illustrative",))


def synthetic_shocks(parts: dict, seed: int = 0, per_node: float = 0.25,
                     probability: tuple[float, float] = (0.001, 0.01)) -> list:
    """Shocks on a synthetic network: production cuts and export quotas with probabilities.

    Returns a list of ``(family, node index, surviving share, probability)``;
    about ``per_node`` shocks per node, on producers and exporters.
    """
    rng = np.random.Generator(np.random.PCG64(seed + 10_000))
    n = len(parts["countries"])
    out = []
    for stage in STAGES3:
        X = parts["production"][stage]
        src = np.unique(parts["links"][stage][0])
        for family, pool in (("production:" + stage, np.nonzero(X > 0)[0]),
                             ("export:" + stage, src)):
            take = pool[rng.random(pool.size) < min(1.0, per_node * n / (6 * max(pool.size, 1)))]
            for node in take:
                out.append((family, int(node), float(rng.uniform(0.0, 0.9)),
                            float(rng.uniform(*probability))))
    return out
