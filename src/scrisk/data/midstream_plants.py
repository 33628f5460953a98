"""Battery plants, their owners and anode types: the rules that span rows or files.

The columns of ``minerals/midstream_plants.csv``, ``midstream_plant_owners.csv``
and ``midstream_anode_types.csv`` are in :data:`scrisk.data.schemas.SCHEMAS`.
Checked here at load, every failure collected:

* a plant's descriptive columns (name, stage, scope, country, operator) are
  the same on each of its capacity rows;
* the country is empty only for a company total (``scope`` company);
* the unit fits the stage (GWh for cells, t CAM, t pCAM, t anode);
* every plant has at least one owner, and every owner row names a plant;
* one plant's equity shares add up to at most 1;
* a ``facility_id`` names a site of ``suppliers/facilities.csv`` (when that
  file lists battery plants at all: an overlay holding only mines and
  refineries is not the link's target);
* natural, synthetic and other anode shares of one country, year and measure
  add up to 1.
"""

from __future__ import annotations

import pandas as pd

from scrisk.exceptions import ValidationFailure

PLANTS, OWNERS, ANODE_TYPES = ("midstream_plants", "midstream_plant_owners",
                               "midstream_anode_types")
STAGE_UNIT = {"cell": "GWh", "cathode": "t CAM", "precursor": "t pCAM", "anode": "t anode"}
SAME_PER_PLANT = ("name", "stage", "scope", "iso3", "operator")
TOLERANCE = 1e-6


def check_midstream_plants(t: dict[str, pd.DataFrame], failures: list[ValidationFailure],
                           file_col: str, line_col: str) -> None:
    """Append a failure for every row breaking a rule of the module doc."""

    def fail(row, column: str, value: object, expected: str) -> None:
        failures.append(ValidationFailure(str(getattr(row, file_col)),
                                          int(getattr(row, line_col)), column,
                                          None if value is None else str(value), expected))

    plants = t.get(PLANTS)
    owners = t.get(OWNERS)
    if plants is not None and not plants.empty:
        first = plants.drop_duplicates("plant_id").set_index("plant_id")
        for row in plants.itertuples(index=False):
            ref = first.loc[row.plant_id]
            for col in SAME_PER_PLANT:
                mine, theirs = getattr(row, col), ref[col]
                if not (_blank(mine) and _blank(theirs)) and mine != theirs:
                    fail(row, col, mine, f"{theirs!s} as on the plant's first row "
                                         f"(line {int(ref[line_col])}): one plant, one {col}")
            if _blank(row.iso3) and row.scope != "company":
                fail(row, "iso3", None, "a country (empty only for scope company)")
            expected_unit = STAGE_UNIT.get(row.stage)
            if expected_unit and row.unit != expected_unit:
                fail(row, "unit", row.unit, f"{expected_unit} for the {row.stage} stage")
        facilities = t.get("facilities")
        battery_sites = facilities.loc[facilities["stage"].isin(tuple(STAGE_UNIT))] \
            if facilities is not None and not facilities.empty else pd.DataFrame()
        # the link is informational (no metric reads it): checked against a facilities file
        # that lists battery plants; one without any (an overlay of mines) is not the target
        known = set(facilities["facility_id"].dropna()) if len(battery_sites) else None
        linked = plants.loc[plants["facility_id"].notna()] if known is not None else plants[:0]
        for row in linked.itertuples(index=False):
            if row.facility_id not in known:
                fail(row, "facility_id", row.facility_id,
                     "a facility_id of suppliers/facilities.csv or empty")
        owned = set(owners["plant_id"]) if owners is not None and not owners.empty else set()
        for row in first.reset_index().itertuples(index=False):
            if row.plant_id not in owned:
                fail(row, "plant_id", row.plant_id,
                     "a plant with at least one row in minerals/midstream_plant_owners.csv")
    if owners is not None and not owners.empty:
        ids = set(plants["plant_id"]) if plants is not None else set()
        for row in owners.itertuples(index=False):
            if row.plant_id not in ids:
                fail(row, "plant_id", row.plant_id,
                     "a plant_id of minerals/midstream_plants.csv")
        totals = owners.groupby("plant_id", sort=True)["equity_share"].sum(min_count=1)
        for plant_id, total in totals.items():
            if pd.notna(total) and total > 1 + TOLERANCE:
                row = next(owners.loc[owners["plant_id"] == plant_id].itertuples(index=False))
                fail(row, "equity_share", f"{plant_id}: sum {total:.6g}",
                     "equity shares of one plant adding up to at most 1")
    types = t.get(ANODE_TYPES)
    if types is not None and not types.empty:
        key = ["iso3", "year", "measure"]
        totals = types.groupby(key, sort=True)["share"].sum()
        for (iso3, year, measure), total in totals.items():
            if abs(total - 1.0) > TOLERANCE:
                rows = types.loc[(types["iso3"] == iso3) & (types["year"] == year)
                                 & (types["measure"] == measure)]
                fail(next(rows.itertuples(index=False)), "share",
                     f"{iso3} {year} {measure}: sum {total:.6g}",
                     "natural, synthetic and other shares of one country, year and measure "
                     "adding up to 1")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value == ""
