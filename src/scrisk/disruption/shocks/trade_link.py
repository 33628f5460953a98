"""``trade_link``: a country's shipments to the importer at one stage are lost.

The ``link`` gate of that stage for the country: only the direct link to the
importer, not what the country ships elsewhere. ``size`` defaults to 1.

Examples
--------
In a scenario file::

    [[shocks]]
    kind = "trade_link"
    country = "CHL"
    commodity = "copper"
    stage = "intermediate"
    size = 0.5

>>> from scrisk.disruption.scenarios import Shock
>>> Shock("l", "trade_link", 0.5, country="CHL", commodity="copper",
...       stage="intermediate").target()
'CHL -> importer, intermediate copper'
"""

from __future__ import annotations

from scrisk.disruption.shocks.base import CompileContext, ShockKind, compile_gate, register


class TradeLink(ShockKind):
    """A cut of one country's shipments to the importer at one stage."""

    def target(self, shock) -> str:
        return f"{shock.country} -> importer, {shock.stage} {shock.commodity}"

    def compile(self, j: int, shock, ctx: CompileContext) -> None:
        compile_gate(j, shock, ctx, "link")


KIND = register(TradeLink("trade_link", ("country", "commodity", "stage"), (), 1.0))
