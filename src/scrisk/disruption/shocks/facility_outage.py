"""``facility_outage``: the share ``size`` of one facility's output is lost.

The facility (``suppliers/facilities.csv``) gives the commodity and stage;
its ``output_t`` as a share of its country's production of that stage is
lost from the country's output (outages in one country add up, capped at
the whole production), and an importer-owned facility also loses that share
of its secured output. ``size`` defaults to 1.

Examples
--------
In a scenario file::

    [[shocks]]
    kind = "facility_outage"
    facility = "CU-CHL-ESCONDIDA"
    size = 0.5

>>> from scrisk.disruption.scenarios import Shock
>>> Shock("f", "facility_outage", 0.5, facility="CU-CHL-ESCONDIDA", commodity="copper",
...       stage="mining").target()
'facility CU-CHL-ESCONDIDA (copper, mining)'
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.disruption.shocks.base import (
    CheckContext,
    CompileContext,
    ShockKind,
    check_choice,
    register,
)

_METAL_UNIT = re.compile(r"^t( [A-Z][a-z]?)?$")


def same_unit(a: str, b: str, commodity: str = "") -> bool:
    """Whether two quantity units are the same tonnes (``t``, ``t Cu``, ``t graphite`` ...).

    Tonnes of the element itself may be written ``t``, ``t <symbol>`` or
    ``t <commodity>``; oxide or compound units (``t Li2O``, ``t LCE``,
    ``t REO``) only match themselves.

    Examples
    --------
    >>> same_unit("t", "t Cu"), same_unit("t graphite", "t", "graphite"), same_unit("t LCE", "t Li2O")
    (True, True, False)
    """
    a, b = str(a).strip(), str(b).strip()
    if a == b:
        return True

    def metal(u: str) -> bool:
        return bool(_METAL_UNIT.match(u)) or (bool(commodity) and u == f"t {commodity}")

    return metal(a) and metal(b)


def _production_unit(dataset: Dataset, commodity: str, stage: str) -> str | None:
    prod = dataset.production
    rows = prod.loc[(prod["commodity"] == commodity) & (prod["stage"] == stage), "unit"]
    if len(rows):
        return str(rows.iloc[0])
    if stage == "refining":
        shares = dataset.processing_shares
        rows = shares.loc[(shares["commodity"] == commodity) & (shares["stage"] == stage), "unit"]
        if len(rows):
            return str(rows.iloc[0])
    return None


def _check_facility_output(dataset: Dataset, facility: str, row: pd.Series, where: str,
                           problems: list[str]) -> None:
    output = row["output_t"]
    if output is None or pd.isna(output) or float(output) <= 0:
        problems.append(f"{where}: facility {facility!r} has no output_t in "
                        "suppliers/facilities.csv, so its outage cannot be sized; use a "
                        "production_cut of its country instead")
        return
    unit = _production_unit(dataset, str(row["commodity"]), str(row["stage"]))
    if unit is not None and not same_unit(str(row["unit"]), unit, str(row["commodity"])):
        problems.append(f"{where}: facility {facility!r} reports output in {row['unit']!r} but "
                        f"{row['commodity']} {row['stage']} production is in {unit!r}; use a "
                        "production_cut of its country with the share instead")


def check_facility(value: object, ctx: CheckContext) -> dict[str, object]:
    """A facility with an ``output_t`` in its production's unit; sets commodity and stage."""
    dataset = ctx.dataset
    facility = check_choice(value, dataset.facilities["facility_id"], "facility",
                            f"{ctx.where}: facility", ctx.problems, "suppliers/facilities.csv")
    if facility is None:
        return {"facility": None}
    row = dataset.facilities.set_index("facility_id").loc[facility]
    _check_facility_output(dataset, facility, row, ctx.where, ctx.problems)
    return {"facility": facility, "commodity": str(row["commodity"]),
            "stage": str(row["stage"])}


class FacilityOutage(ShockKind):
    """A loss of the share ``size`` of one facility's output."""

    def target(self, shock) -> str:
        return f"facility {shock.facility} ({shock.commodity}, {shock.stage})"

    def compile(self, j: int, shock, ctx: CompileContext) -> None:
        model = ctx.model
        network = model.flow.network
        row = ctx.facilities.loc[shock.facility]
        iso3 = str(row["iso3"])
        col = model.index(iso3)
        production = network.production.get(shock.stage)
        national = (float(production[network.index(iso3)])
                    if production is not None and network.has_country(iso3) else 0.0)
        if col is not None and national > 0:
            share = min(1.0, float(row["output_t"]) / national)
            if float(row["output_t"]) > national * (1 + 1e-9):
                ctx.notes.append(f"{shock.id}: facility output {float(row['output_t']):,.0f} "
                                 f"exceeds {row['iso3']}'s {shock.stage} production "
                                 f"{national:,.0f} in {ctx.year}; capped at the whole "
                                 "production")
            cells = ctx.fac.setdefault(shock.stage, {})
            cells[(j, col)] = cells.get((j, col), 0.0) + share * shock.effective_size
        hit = np.nonzero(ctx.mine["facility_id"].to_numpy() == shock.facility)[0]
        ctx.outage[j, hit] += shock.effective_size


KIND = register(FacilityOutage("facility_outage", ("facility",), (), 1.0,
                               {"facility": check_facility}, derives_target=True))
