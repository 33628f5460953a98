"""The one place where the report reads the look-through exposure tables.

:func:`scrisk.metrics.exposure.lookthrough_exposure` returns one row per
origin label: ``iso3`` (a mining country, ``untraced:<ISO3>`` or
``unattributed``), ``country``, ``kind`` (mined / untraced / unattributed),
``mined_t``, ``mined_share``, ``direct_t``, ``direct_share``. If those names
change, :data:`COLUMNS` is the one line to edit. Nothing here computes: the
functions select and sum the metric's own columns for display.
"""

from __future__ import annotations

import pandas as pd

# report name -> column of lookthrough_exposure()
COLUMNS = {"origin": "iso3", "kind": "kind", "share": "mined_share", "tonnes": "mined_t",
           "direct_share": "direct_share", "direct_t": "direct_t"}
# report name -> column of lookthrough_bounds()
BOUND_COLUMNS = {"min_share": "min_share", "max_share": "max_share"}
MINED = "mined"


def exposure(dataset, importer: str, commodity: str, year: int, stage: str | None = None
             ) -> pd.DataFrame:
    """``lookthrough_exposure`` with the report's column names (``origin, kind, share, ...``)."""
    from scrisk.metrics.exposure import lookthrough_exposure

    table = lookthrough_exposure(dataset, importer, commodity, year, stage)
    out = table.rename(columns={v: k for k, v in COLUMNS.items()})
    out.attrs = dict(table.attrs)
    return out


def with_bounds(table: pd.DataFrame, dataset, importer: str, commodity: str, year: int
                ) -> pd.DataFrame:
    """The exposure table with the least and most share of each origin beside it.

    Reads :func:`scrisk.metrics.lookthrough_bounds.lookthrough_bounds` for the
    table's stage; rows it does not bound (direct suppliers without a mined
    share) are left empty. ``attrs["bounds_notes"]`` holds its notes.
    """
    from scrisk.metrics.lookthrough_bounds import lookthrough_bounds

    stage = table.attrs.get("stage")
    if not len(table) or stage in (None, "none"):
        return table
    limits = lookthrough_bounds(dataset, importer, commodity, year, stage).set_index("iso3")
    out = table.copy()
    for name, column in BOUND_COLUMNS.items():
        out[name] = out["origin"].map(limits[column]).astype(float)
    out.attrs = dict(table.attrs, bounds_notes=list(limits.attrs.get("notes", [])))
    return out


def mined_origins(table: pd.DataFrame) -> pd.Series:
    """Mining country -> share of the supply (origins that are data gaps left out)."""
    rows = table.loc[(table["kind"] == MINED) & (table["share"] > 0)]
    return pd.Series(rows["share"].to_numpy(float), index=rows["origin"].astype(str))


def gap_share(table: pd.DataFrame) -> float:
    """Share of the supply not traced to a mine (``untraced:*`` and ``unattributed`` rows)."""
    return float(table.loc[table["kind"] != MINED, "share"].sum())


def origin_gaps(data, threshold: float = 0.005) -> pd.Series:
    """Commodity -> untraced share of the headline stage, for the detail commodities."""
    gaps = {}
    for commodity, cd in data.details.items():
        table = cd.imports.get(cd.main_stage) if cd.main_stage else None
        if table is not None and len(table) and "kind" in table:
            share = gap_share(table)
            if share >= threshold:
                gaps[commodity] = share
    return pd.Series(gaps, dtype=float).sort_values(ascending=False, kind="stable")


def flows(dataset, importer: str, commodity: str, year: int, stage: str) -> pd.DataFrame:
    """``origin, via, share`` from :func:`scrisk.metrics.exposure.partner_origin_flows`."""
    from scrisk.metrics.exposure import partner_origin_flows

    table = partner_origin_flows(dataset, importer, commodity, year, stage)
    total = float(table["tonnes"].sum()) if len(table) else 0.0
    if total <= 0:
        return pd.DataFrame({"origin": pd.Series(dtype=object), "via": pd.Series(dtype=object),
                             "share": pd.Series(dtype=float)})
    return pd.DataFrame({"origin": table["origin"].astype(str),
                         "via": table["supplier"].astype(str),
                         "share": table["tonnes"].to_numpy(float) / total})
