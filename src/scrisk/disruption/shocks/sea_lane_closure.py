"""``sea_lane_closure``: shipments to the importer through a chokepoint are lost.

Routes come from ``geo/sea_routes.csv`` and lead to Japan only, so another
importer cannot close a lane. The closure lowers the share surviving the
chokepoint on every route through it; ``commodities`` limits it to some
commodities (default: all). ``size`` defaults to 1.

Examples
--------
In a scenario file::

    [[shocks]]
    kind = "sea_lane_closure"
    chokepoint = "malacca"
    commodities = ["nickel", "cobalt"]
    duration_months = 3

>>> from scrisk.disruption.scenarios import Shock
>>> Shock("m", "sea_lane_closure", 1.0, chokepoint="malacca",
...       commodities=("cobalt", "nickel")).target()
'malacca (cobalt, nickel)'
"""

from __future__ import annotations

from scrisk.disruption.engine import ROUTE_DESTINATION
from scrisk.disruption.shocks.base import (
    MAX_LIST,
    CheckContext,
    CompileContext,
    ShockKind,
    check_choice,
    check_commodity,
    log_survival,
    register,
)


def check_chokepoint(value: object, ctx: CheckContext) -> dict[str, object]:
    """A chokepoint of ``geo/chokepoints.csv``, on a scenario whose importer has sea routes."""
    chokepoint = check_choice(value, ctx.dataset.chokepoints["chokepoint_id"], "chokepoint",
                              f"{ctx.where}: chokepoint", ctx.problems, "geo/chokepoints.csv")
    if ctx.importer != ROUTE_DESTINATION:
        ctx.problems.append(f"{ctx.where}: the sea routes of geo/sea_routes.csv lead to "
                            f"{ROUTE_DESTINATION}; importer {ctx.importer} has none")
    return {"chokepoint": chokepoint}


def check_commodities(value: object, ctx: CheckContext) -> dict[str, object]:
    """A non-empty list of known commodities (sorted, without repeats)."""
    if not isinstance(value, list) or not value:
        ctx.problems.append(f"{ctx.where}: 'commodities' must be a non-empty list of "
                            "commodities")
    elif len(value) > MAX_LIST:
        ctx.problems.append(f"{ctx.where}: 'commodities' lists {len(value):,} entries; at most "
                            f"{MAX_LIST:,} are accepted")
    else:
        checked = [check_commodity(ctx.dataset, c, f"{ctx.where}: commodities", ctx.problems)
                   for c in value]
        return {"commodities": tuple(sorted({c for c in checked if c is not None}))}
    return {"commodities": None}


class SeaLaneClosure(ShockKind):
    """A closure of one chokepoint on the sea routes to the importer."""

    def target(self, shock) -> str:
        return f"{shock.chokepoint}" + ("" if shock.commodities is None
                                        else f" ({', '.join(shock.commodities)})")

    def commodities(self, shock) -> tuple[str, ...] | None:
        return shock.commodities

    def applies_to(self, shock, commodity: str) -> bool:
        return shock.commodities is None or commodity in shock.commodities

    def compile(self, j: int, shock, ctx: CompileContext) -> None:
        if ctx.lanes is not None:
            ctx.lanes[j, ctx.model.chokepoints.index(shock.chokepoint)] += \
                log_survival(shock.effective_size)


KIND = register(SeaLaneClosure("sea_lane_closure", ("chokepoint",), ("commodities",), 1.0,
                               {"chokepoint": check_chokepoint,
                                "commodities": check_commodities}))
