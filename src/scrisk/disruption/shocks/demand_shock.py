"""``demand_shock``: the importer's demand for a commodity rises by ``size``.

Supply is untouched; self-sufficiency and battery coverage fall because the
demand they are measured against is ``1 + size`` times larger (factors of
several demand shocks multiply).

Examples
--------
In a scenario file::

    [[shocks]]
    kind = "demand_shock"
    commodity = "lithium"
    size = 0.2

>>> from scrisk.disruption.scenarios import Shock
>>> Shock("d", "demand_shock", 0.2, commodity="lithium").target()
'demand for lithium'
"""

from __future__ import annotations

import numpy as np

from scrisk.disruption.shocks.base import CompileContext, ShockKind, register


class DemandShock(ShockKind):
    """A relative rise ``size`` of the importer's demand for one commodity."""

    def target(self, shock) -> str:
        return f"demand for {shock.commodity}"

    def compile(self, j: int, shock, ctx: CompileContext) -> None:
        ctx.demand[j] += float(np.log1p(shock.effective_size))


KIND = register(DemandShock("demand_shock", ("commodity", "size"), (), None))
