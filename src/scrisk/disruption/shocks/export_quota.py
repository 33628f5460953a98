"""``export_quota``: a country's exports of one stage of a commodity fall by ``size``.

The ``export`` gate of that stage for the country loses the share ``size``
(required), like an ``export_ban`` of that size.

Examples
--------
In a scenario file::

    [[shocks]]
    kind = "export_quota"
    country = "CHN"
    commodity = "graphite"
    stage = "material"
    size = 0.3

>>> from scrisk.disruption.scenarios import Shock
>>> Shock("q", "export_quota", 0.3, country="CHN", commodity="graphite",
...       stage="material").target()
'CHN material exports of graphite'
"""

from __future__ import annotations

from scrisk.disruption.shocks.base import CompileContext, ShockKind, compile_gate, register


class ExportQuota(ShockKind):
    """A cut of the share ``size`` of a country's exports at one stage."""

    def target(self, shock) -> str:
        return f"{shock.country} {shock.stage} exports of {shock.commodity}"

    def compile(self, j: int, shock, ctx: CompileContext) -> None:
        compile_gate(j, shock, ctx, "export")


KIND = register(ExportQuota("export_quota", ("country", "commodity", "stage", "size"), (),
                            None))
