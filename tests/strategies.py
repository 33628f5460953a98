"""Hypothesis strategies shared by the property tests: small random supply networks."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
from hypothesis import strategies as st

from scrisk.network import SupplyNetwork

LADDER = ("mining", "intermediate", "refining")


@st.composite
def supply_networks(draw, stages: tuple[str, ...] | None = None) -> SupplyNetwork:
    """A network of 3-5 countries (the importer ``JPN`` last).

    ``stages`` fixes the ladder; by default it is the first two or three stages of
    ``LADDER``. About half of the outputs and a third of the links are non-zero.
    """
    n = draw(st.integers(3, 5))
    names = tuple(f"C{i}" for i in range(n - 1)) + ("JPN",)
    if stages is None:
        stages = LADDER[:draw(st.integers(2, 3))]
    amount = st.integers(1, 100).map(float)

    def vec():
        return np.array([draw(amount) if draw(st.booleans()) else 0.0 for _ in range(n)])

    def mat():
        m = np.array([[draw(amount) if draw(st.integers(0, 2)) == 0 else 0.0
                       for _ in range(n)] for _ in range(n)])
        np.fill_diagonal(m, 0.0)
        return m

    production = {s: vec() for s in stages}
    flows = {s: mat() for s in stages}
    return SupplyNetwork("x", 2023, names, MappingProxyType(production),
                         MappingProxyType(flows), MappingProxyType(dict(flows)),
                         MappingProxyType(dict(flows)), "t")
