"""``export_ban``: a country's exports of one stage of a commodity stop.

What it ships, and what it produced that others re-export, is lost (the
``export`` gate of that stage for the country). ``size`` defaults to 1; a
smaller ``size`` is the same as an ``export_quota``.

Examples
--------
In a scenario file::

    [[shocks]]
    kind = "export_ban"
    country = "Indonesia"
    commodity = "nickel"
    stage = "mining"

>>> from scrisk.disruption.scenarios import Shock
>>> Shock("ban", "export_ban", 1.0, country="IDN", commodity="nickel", stage="mining").target()
'IDN mining exports of nickel'
"""

from __future__ import annotations

from scrisk.disruption.shocks.base import CompileContext, ShockKind, compile_gate, register


class ExportBan(ShockKind):
    """A stop (or, with ``size``, a cut) of a country's exports at one stage."""

    def target(self, shock) -> str:
        return f"{shock.country} {shock.stage} exports of {shock.commodity}"

    def compile(self, j: int, shock, ctx: CompileContext) -> None:
        compile_gate(j, shock, ctx, "export")


KIND = register(ExportBan("export_ban", ("country", "commodity", "stage"), (), 1.0))
