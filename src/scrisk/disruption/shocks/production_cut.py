"""``production_cut``: the share ``size`` of a country's output of one stage is lost.

The ``production`` gate of that stage for the country: lost wherever the
output goes (a mining cut also starves the plants abroad that use the ore).

Examples
--------
In a scenario file::

    [[shocks]]
    kind = "production_cut"
    country = "COD"
    commodity = "cobalt"
    stage = "mining"
    size = 0.5

>>> from scrisk.disruption.scenarios import Shock
>>> Shock("c", "production_cut", 0.5, country="COD", commodity="cobalt",
...       stage="mining").target()
'COD mining of cobalt'
"""

from __future__ import annotations

from scrisk.disruption.shocks.base import CompileContext, ShockKind, compile_gate, register


class ProductionCut(ShockKind):
    """A cut of the share ``size`` of a country's output of one stage."""

    def target(self, shock) -> str:
        return f"{shock.country} {shock.stage} of {shock.commodity}"

    def compile(self, j: int, shock, ctx: CompileContext) -> None:
        compile_gate(j, shock, ctx, "production")


KIND = register(ProductionCut("production_cut", ("country", "commodity", "stage", "size"), (),
                              None))
