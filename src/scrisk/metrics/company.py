"""A company's own supply mix: concentration, import risk, mined origins, restrictions, scenarios.

Staff survey companies (cell makers, smelters, trading houses) on where they
buy. A procurement file (schema ``COMPANY_PROCUREMENT`` of
:mod:`scrisk.data.schemas`; templates in ``templates/``) lists, per company,
commodity, stage, supplier country (optionally the supplier facility) and
year, the quantity bought in contained metal. The file stays the user's: it
is read and checked here, never merged into the dataset.

Per company, commodity and year (``docs/methods.md``, "A company's supply
mix", has the formulas and a worked example):

* **concentration**: HHI of the purchase shares by supplier country;
* **import risk** (GeoPolRisk-style, the company standing in for the
  importer): ``sum_i g_i q_i / sum_i q_i`` with ``g_i`` the partner weight of
  :func:`scrisk.metrics.geopolrisk.partner_weight` (WGI political stability)
  and purchases from the home country counted as domestic (weight 0), and
  the score ``HHI of world mine production x import risk`` with the HHI of
  :func:`scrisk.metrics.geopolrisk.geopolrisk_table`;
* **mined origins**: each purchase carries the origin mix of its supplier's
  shipments to the home country (:func:`scrisk.metrics.exposure.partner_origin_flows`,
  the shared origin model), else the supplier's pool mix;
* **under export restrictions**: purchases from suppliers, and metal mined in
  countries, with a measure in force (:mod:`scrisk.metrics.restrictions`, when
  the inventory is part of the build);
* **scenario loss**: for every scenario file, the share of each origin the
  scenario removes from the home country's supply of that stage
  (:func:`scrisk.disruption.run_scenario`), applied to the company's origins.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.exceptions import DataValidationError, UnknownChoiceError, ValidationFailure

__all__ = ["CompanyOptions", "CompanyRisk", "read_procurement", "company_risk",
           "SUMMARY_COLUMNS", "STAGE_NAMES_JA"]

# Japanese stage names accepted in the stage column (those of the report's catalogue)
STAGE_NAMES_JA = {"採掘": "mining", "中間品": "intermediate", "製錬": "refining",
                  "材料": "material", "電池材料・磁石": "material"}
SUMMARY_COLUMNS = ["company", "commodity", "year", "stages", "unit", "quantity_t",
                   "n_suppliers", "hhi", "top_supplier", "top_supplier_share",
                   "import_risk", "world_hhi", "score", "top_origin", "top_origin_share",
                   "origin_gap_share", "restricted_direct_share", "restricted_mined_share"]
_TINY = 1e-12


@dataclass(frozen=True)
class CompanyOptions:
    """What :func:`company_risk` computes (shared by the CLI, the report and the API).

    Attributes
    ----------
    home : str
        Country the companies buy for (ISO3 or name): purchases from it are
        domestic, and the origin model and scenarios are read for it.
    scenarios : tuple of path-like
        Scenario files (TOML/YAML) whose loss is computed; none by default.
    """

    home: str = "JPN"
    scenarios: tuple[str | os.PathLike, ...] = ()


@dataclass(frozen=True)
class CompanyRisk:
    """Result of :func:`company_risk`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per company, commodity and year (:data:`SUMMARY_COLUMNS`).
    suppliers : pandas.DataFrame
        ``company, commodity, year, stage, supplier, tonnes, share, weight``
        (``weight``: the partner weight g, 0 for the home country).
    origins : pandas.DataFrame
        ``company, commodity, year, stage, origin, kind, tonnes, share``.
    losses : pandas.DataFrame
        ``company, commodity, year, scenario, quantity_t, loss_t, loss_share,
        unestimated_t`` (tonnes whose origin the home country's supply lacks).
    notes : tuple of str
        Data gaps and fallbacks, worded for a reader.
    restrictions_available : bool
        Whether the export-restriction inventory was part of the build.
    """

    home: str
    table: pd.DataFrame
    suppliers: pd.DataFrame
    origins: pd.DataFrame
    losses: pd.DataFrame
    notes: tuple[str, ...] = ()
    restrictions_available: bool = False
    scenario_names: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> pd.DataFrame:
        """One row per company, commodity and year."""
        return self.table

    def top_origins(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` largest origins of each company, commodity and year (all stages)."""
        ordered = self.origins.sort_values(["company", "commodity", "year", "tonnes"],
                                           ascending=[True, True, True, False], kind="stable")
        return ordered.groupby(["company", "commodity", "year"], sort=False).head(max(n, 0)
                                                                               ).reset_index(
            drop=True)


# --------------------------------------------------------------------------- reading


def read_procurement(path: str | os.PathLike, dataset: Dataset) -> pd.DataFrame:
    """Read and check a company procurement file; every problem is reported at once.

    English headers (``company, commodity, stage, supplier_country,
    supplier_facility, quantity, unit, year, note``) or the Japanese ones of
    ``templates/company_procurement_ja.csv`` (:data:`scrisk.data.schemas.PROCUREMENT_HEADERS_JA`).

    Parameters
    ----------
    path : path-like
        A CSV file (UTF-8).
    dataset : Dataset
        Resolves countries, commodities and facilities; gives the contained unit
        of each commodity and the years with data.

    Returns
    -------
    pandas.DataFrame
        ``company, commodity, stage, supplier_country, supplier_facility,
        quantity, unit, year, note, line, quantity_t`` (contained tonnes).

    Raises
    ------
    DataValidationError
        With every failure: file, line, column, value and what was expected.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> from scrisk.metrics.company import template_path
    >>> table = read_procurement(template_path("en"), load_dataset())
    >>> sorted(table["company"].unique())[:2]
    ['Example Cells KK', 'Example Smelting KK']
    """
    from scrisk.data.load import read_user_file
    from scrisk.data.schemas import COMPANY_PROCUREMENT, PROCUREMENT_HEADERS_JA
    from scrisk.network import contained_unit

    label = Path(path).name
    frame, failures = read_user_file(path, COMPANY_PROCUREMENT,
                                     dataset.countries_resolver, PROCUREMENT_HEADERS_JA)
    if frame is None:
        raise DataValidationError(failures)
    key = ",".join(COMPANY_PROCUREMENT.key)  # checked below, after names are resolved
    failures = [f for f in failures if not (f.column == "stage" and _ja_stage(f.value))
                and f.column != key]
    frame["stage"] = [STAGE_NAMES_JA.get(s, s) if isinstance(s, str) else s
                      for s in frame["stage"]]

    def fail(line, column, value, expected) -> None:
        failures.append(ValidationFailure(label, int(line), column,
                                          None if value is None else str(value), expected))

    commodities = []
    for line, value in zip(frame["line"], frame["commodity"], strict=True):
        name = None
        if isinstance(value, str):
            try:
                name = dataset.resolve_commodity(value)
            except UnknownChoiceError as err:
                close = f"; did you mean {err.suggestions[0]}?" if err.suggestions else ""
                fail(line, "commodity", value, f"a commodity of the dataset{close}")
        commodities.append(name)
    frame["commodity"] = commodities
    years = set(dataset.years("trade")) & set(dataset.years("production"))
    span = f"{min(years)}-{max(years)}" if years else "none"
    facilities = dataset.facilities.drop_duplicates("facility_id").set_index("facility_id")
    tonnes = np.full(len(frame), np.nan)
    for k, row in enumerate(frame.itertuples(index=False)):
        if row.year is not None and not pd.isna(row.year) and int(row.year) not in years:
            fail(row.line, "year", row.year, f"a year with production and trade data ({span})")
        if isinstance(row.commodity, str) and isinstance(row.unit, str):
            unit, _ = contained_unit(dataset, row.commodity)
            factor = _unit_factor(row.unit, unit)
            if factor is None:
                fail(row.line, "unit", row.unit, f"the contained unit of {row.commodity}: "
                     f"'{unit}' or '{_kilo(unit)}' (contained metal, not gross product)")
            elif row.quantity is not None and not pd.isna(row.quantity):
                tonnes[k] = float(row.quantity) * factor
        facility = row.supplier_facility
        if isinstance(facility, str) and facility:
            if facility not in facilities.index:
                fail(row.line, "supplier_facility", facility,
                     "a facility_id of suppliers/facilities.csv (or empty)")
            else:
                where = facilities.loc[facility]
                if isinstance(row.supplier_country, str) and where["iso3"] != row.supplier_country:
                    fail(row.line, "supplier_facility", facility,
                         f"a facility in {row.supplier_country} (this one is in "
                         f"{where['iso3']})")
                if isinstance(row.commodity, str) and where["commodity"] != row.commodity:
                    fail(row.line, "supplier_facility", facility,
                         f"a {row.commodity} facility (this one is {where['commodity']})")
    _check_duplicates(frame, label, failures)
    if failures:
        raise DataValidationError(sorted(failures, key=lambda f: (f.row or 0, f.column or "")))
    frame["quantity_t"] = tonnes
    frame["year"] = frame["year"].astype(int)
    return frame.reset_index(drop=True)


def _check_duplicates(frame: pd.DataFrame, label: str, failures: list) -> None:
    """One row per company, commodity, stage, supplier, facility and year (names resolved)."""
    from scrisk.data.schemas import COMPANY_PROCUREMENT

    key = list(COMPANY_PROCUREMENT.key)
    # an empty facility is a value of the key here (the dataset loader skips such rows)
    keys = frame[key].astype(object).where(frame[key].notna(), "")
    first: dict[tuple, int] = {}
    for line, values in zip(frame["line"], keys.itertuples(index=False, name=None),
                            strict=True):
        if any(v == "" for k, v in zip(key, values, strict=True) if k != "supplier_facility"):
            continue  # a blank key value is reported already
        if values in first:
            failures.append(ValidationFailure(
                label, int(line), ",".join(key), "|".join(str(v) for v in values),
                f"a unique key ({', '.join(key)}); first seen on line {first[values]}"))
        else:
            first[values] = int(line)


def _ja_stage(value: str | None) -> bool:
    return value is not None and value.strip() in STAGE_NAMES_JA


def _kilo(unit: str) -> str:
    return f"k{unit}" if unit.startswith("t") else unit


def _unit_factor(given: str, unit: str) -> float | None:
    """Tonnes per unit given, when ``given`` is the contained unit (or its kilotonnes)."""
    text = " ".join(given.split())
    if text == unit:
        return 1.0
    if text == _kilo(unit):
        return 1000.0
    return None


def template_path(lang: str = "en") -> Path:
    """The shipped procurement template (``en`` or ``ja`` headers).

    >>> template_path("ja").name
    'company_procurement_ja.csv'
    """
    if lang not in ("en", "ja"):
        raise UnknownChoiceError("template language", lang, ("en", "ja"))
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "templates" / f"company_procurement_{lang}.csv"
        if candidate.is_file():
            return candidate
    return here.parents[1] / "templates" / f"company_procurement_{lang}.csv"


# --------------------------------------------------------------------------- metrics


def company_risk(dataset: Dataset, procurement: pd.DataFrame | str | os.PathLike,
                 options: CompanyOptions | None = None) -> CompanyRisk:
    """Supply risk of each company's own purchases.

    Parameters
    ----------
    dataset : Dataset
    procurement : pandas.DataFrame or path-like
        A table from :func:`read_procurement`, or the file to read.
    options : CompanyOptions, optional

    Returns
    -------
    CompanyRisk

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> ds = load_dataset()
    >>> risk = company_risk(ds, template_path("en"))
    >>> row = risk.summary().iloc[0]
    >>> bool(0 < row["hhi"] <= 1 and 0 <= row["import_risk"] <= 1)
    True
    """
    options = options or CompanyOptions()
    if not isinstance(procurement, pd.DataFrame):
        procurement = read_procurement(procurement, dataset)
    home = dataset.check_country(options.home)
    notes: list[str] = []
    restrictions = _restrictions_api()
    if restrictions is None:
        notes.append("the export-restriction inventory is not part of this build: the "
                     "restricted shares are left empty (hook: "
                     "scrisk.metrics.restrictions.measures_in_force)")
    scenarios = _scenarios(dataset, options.scenarios)
    keys = ["company", "commodity", "year"]
    rows, supplier_rows, origin_rows, loss_rows = [], [], [], []
    world_hhi: dict = {}
    runs: dict = {"commodities": {int(y): tuple(sorted(set(g))) for y, g in
                                  procurement.groupby("year")["commodity"]}}
    ordered = procurement.sort_values([*keys, "stage", "supplier_country"], kind="stable")
    for (company, commodity, year), lines in ordered.groupby(keys, sort=True):
        year = int(year)
        suppliers = _suppliers(dataset, lines, home, year)
        unweighted = sorted(set(suppliers.loc[suppliers["no_estimate"], "supplier"]))
        if unweighted:
            notes.append(f"{company}, {commodity} {year}: no WGI estimate for "
                         f"{', '.join(unweighted)} in {year}: weighted 0.5 (GeoPolRisk's "
                         "missing-value rule)")
        origins, origin_notes = _origins(dataset, lines, home, commodity, year)
        notes.extend(f"{company}, {commodity} {year}: {n}" for n in origin_notes)
        total = float(lines["quantity_t"].sum())
        row = {"company": company, "commodity": commodity, "year": year,
               "stages": ", ".join(dict.fromkeys(lines["stage"])),
               "unit": _unit(dataset, commodity), "quantity_t": total}
        row.update(_concentration(suppliers, total))
        if (commodity, year) not in world_hhi:
            world_hhi[(commodity, year)] = _world_hhi(dataset, commodity, year)
        world = world_hhi[(commodity, year)]
        if world is None:
            notes.append(f"{commodity}: no GeoPolRisk HS codes in commodities.csv, so no "
                         "world-production HHI and no score")
        row["world_hhi"] = np.nan if world is None else world
        row["score"] = row["world_hhi"] * row["import_risk"]
        mined = origins.loc[origins["kind"] == "mined"].groupby("origin")["tonnes"].sum()
        if len(mined) and total > 0:
            top = mined.sort_values(ascending=False, kind="stable")
            row["top_origin"], row["top_origin_share"] = top.index[0], top.iloc[0] / total
        else:
            row["top_origin"], row["top_origin_share"] = None, np.nan
        gap = float(origins.loc[origins["kind"] != "mined", "tonnes"].sum())
        row["origin_gap_share"] = gap / total if total > 0 else np.nan
        row.update(_restricted(restrictions, dataset, suppliers, origins, home, commodity,
                               year, total))
        rows.append(row)
        for table, out in ((suppliers, supplier_rows), (origins, origin_rows)):
            part = table.copy()
            part.insert(0, "company", company)
            part.insert(1, "commodity", commodity)
            part.insert(2, "year", year)
            part["share"] = part["tonnes"] / total if total > 0 else np.nan
            out.append(part)
        for name, scenario in scenarios:
            loss, unknown, loss_notes = _scenario_loss(dataset, scenario, origins, home,
                                                       commodity, year, runs)
            notes.extend(f"{company}, {commodity} {year}, {name}: {n}" for n in loss_notes)
            loss_rows.append({"company": company, "commodity": commodity, "year": year,
                              "scenario": name, "quantity_t": total, "loss_t": loss,
                              "loss_share": loss / total if total > 0 else np.nan,
                              "unestimated_t": unknown})
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    suppliers = _concat(supplier_rows, ["company", "commodity", "year", "stage", "supplier",
                                        "tonnes", "weight", "share"])
    origins = _concat(origin_rows, ["company", "commodity", "year", "stage", "origin", "kind",
                                    "tonnes", "share"])
    losses = pd.DataFrame(loss_rows, columns=["company", "commodity", "year", "scenario",
                                              "quantity_t", "loss_t", "loss_share",
                                              "unestimated_t"])
    return CompanyRisk(home, table, suppliers, origins, losses,
                       tuple(dict.fromkeys(notes)), restrictions is not None,
                       tuple(name for name, _ in scenarios))


def _concat(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def _unit(dataset: Dataset, commodity: str) -> str:
    from scrisk.network import contained_unit

    return contained_unit(dataset, commodity)[0]


def _suppliers(dataset: Dataset, lines: pd.DataFrame, home: str, year: int) -> pd.DataFrame:
    """Tonnes per stage and supplier country, with the partner weight g (0 at home)."""
    from scrisk.metrics.geopolrisk import partner_weight

    table = (lines.groupby(["stage", "supplier_country"], sort=True)["quantity_t"].sum()
             .reset_index().rename(columns={"supplier_country": "supplier",
                                            "quantity_t": "tonnes"}))
    gov = dataset.governance
    gov = gov.loc[gov["year"] == year].set_index("iso3")["wgi_political_stability"]
    estimate = gov.reindex(table["supplier"]).to_numpy(dtype=float)
    weight = partner_weight(estimate)
    table["weight"] = np.where(table["supplier"] == home, 0.0, weight)
    table["no_estimate"] = np.isnan(estimate) & (table["supplier"] != home).to_numpy()
    return table


def _concentration(suppliers: pd.DataFrame, total: float) -> dict[str, object]:
    by_country = suppliers.groupby("supplier")["tonnes"].sum()
    if total <= 0:
        return {"n_suppliers": int((by_country > 0).sum()), "hhi": np.nan,
                "top_supplier": None, "top_supplier_share": np.nan, "import_risk": np.nan}
    shares = (by_country / total).sort_values(ascending=False, kind="stable")
    risk = float((suppliers["weight"] * suppliers["tonnes"]).sum() / total)
    return {"n_suppliers": int((shares > 0).sum()), "hhi": float((shares**2).sum()),
            "top_supplier": shares.index[0], "top_supplier_share": float(shares.iloc[0]),
            "import_risk": risk}


def _world_hhi(dataset: Dataset, commodity: str, year: int) -> float | None:
    """HHI of world mine production as GeoPolRisk computes it (None without HS codes)."""
    from scrisk.metrics.geopolrisk import geopolrisk_table

    try:
        table = geopolrisk_table(dataset, [dataset.countries["iso3"].iloc[0]], [commodity],
                                 [year])
    except UnknownChoiceError:
        return None
    return float(table["hhi"].iloc[0])


def _origins(dataset: Dataset, lines: pd.DataFrame, home: str, commodity: str, year: int
             ) -> tuple[pd.DataFrame, list[str]]:
    """The purchases split by mining origin, stage by stage, and the fallbacks used."""
    from scrisk.metrics.exposure import partner_origin_flows
    from scrisk.origins import flow_model, label_kind, untraced_label

    model = flow_model(dataset, commodity, year)
    net = model.network
    notes: list[str] = []
    rows: list[tuple[str, str, float]] = []
    for stage, part in lines.groupby("stage", sort=True):
        flows = (partner_origin_flows(dataset, home, commodity, year, stage)
                 if stage in model.stages else pd.DataFrame(columns=["supplier", "origin",
                                                                      "tonnes"]))
        by_supplier = {s: g.groupby("origin", sort=False)["tonnes"].sum()
                       for s, g in flows.groupby("supplier", sort=True)}
        for supplier, tonnes in part.groupby("supplier_country", sort=True)["quantity_t"].sum(
                ).items():
            mix = by_supplier.get(supplier)
            if mix is None and stage in model.stages and net.has_country(supplier) \
                    and model.supply(supplier, stage) > 0:
                mix = model.origin_shares(stage).loc[supplier]
                notes.append(f"{home} has no {stage} imports from {supplier} in the data: the "
                             f"purchase carries {supplier}'s {stage} pool mix")
            if mix is None or float(mix.sum()) <= 0:
                notes.append(f"{supplier} has no {stage} supply of {commodity} in the {year} "
                             f"data: {tonnes:,.0f} t shown as untraced")
                rows.append((stage, untraced_label(supplier), float(tonnes)))
                continue
            mix = mix[mix > 0] / float(mix.sum())
            rows.extend((stage, str(o), float(tonnes) * float(s)) for o, s in mix.items())
    table = pd.DataFrame(rows, columns=["stage", "origin", "tonnes"])
    table = table.groupby(["stage", "origin"], sort=True)["tonnes"].sum().reset_index()
    table.insert(2, "kind", [label_kind(o) for o in table["origin"]])
    table = table.sort_values(["stage", "tonnes", "origin"], ascending=[True, False, True],
                              kind="stable", ignore_index=True)
    return table, notes


def _restrictions_api():
    """``measures_in_force`` of the restriction inventory, or None when not in this build."""
    try:
        from scrisk.metrics.restrictions import measures_in_force
    except ImportError:
        return None
    return measures_in_force


def _restricted(measures_in_force, dataset: Dataset, suppliers: pd.DataFrame,
                origins: pd.DataFrame, home: str, commodity: str, year: int, total: float
                ) -> dict[str, float]:
    """Shares bought from suppliers, and mined in countries, with a measure in force.

    Direct: the supplier country has a measure on the commodity at the stage
    bought, in force in the year and covering the home country. Mined: the
    origin country has a measure on the commodity at any stage.
    """
    empty = {"restricted_direct_share": np.nan, "restricted_mined_share": np.nan}
    if measures_in_force is None or total <= 0:
        return empty
    active = measures_in_force(dataset, year, commodity, destination=home)
    if active is None or not len(active):
        return {"restricted_direct_share": 0.0, "restricted_mined_share": 0.0}
    pairs = set(zip(active["country"].astype(str), active["stage"].astype(str), strict=True))
    countries = set(active["country"].astype(str))
    direct = sum(float(t) for s, c, t in zip(suppliers["stage"], suppliers["supplier"],
                                              suppliers["tonnes"], strict=True)
                 if (c, s) in pairs)
    mined = float(origins.loc[(origins["kind"] == "mined")
                              & origins["origin"].isin(countries), "tonnes"].sum())
    return {"restricted_direct_share": direct / total, "restricted_mined_share": mined / total}


def _scenarios(dataset: Dataset, files: Sequence[str | os.PathLike]) -> list[tuple[str, object]]:
    """(name, Scenario) for every file; every file is checked before any is run."""
    if not files:
        return []
    from scrisk.disruption import load_scenario

    return [(Path(f).stem, load_scenario(f, dataset)) for f in files]


def _battery_scenario(dataset: Dataset) -> str:
    """The run's chemistry mix (battery needs are not used here; any mix of the data will do)."""
    from scrisk.disruption.scenarios import DEFAULT_BATTERY_SCENARIO

    names = list(dict.fromkeys(dataset.battery_scenarios["scenario"].astype(str)))
    return DEFAULT_BATTERY_SCENARIO if DEFAULT_BATTERY_SCENARIO in names or not names \
        else names[0]


def _narrow(scenario, commodities: Sequence[str]):
    """The scenario with only the shocks that can touch ``commodities``.

    Each commodity's supply is evaluated on its own network, so leaving the
    other commodities out changes none of their numbers; a sea-lane closure
    for every commodity is narrowed to the ones asked.
    """
    from dataclasses import replace

    shocks = []
    for shock in scenario.shocks:
        if shock.kind == "sea_lane_closure":
            keep = tuple(c for c in (shock.commodities or commodities) if c in commodities)
            if keep:
                shocks.append(replace(shock, commodities=keep))
        elif shock.commodity in commodities:
            shocks.append(shock)
    return replace(scenario, shocks=tuple(shocks))


def _scenario_loss(dataset: Dataset, scenario, origins: pd.DataFrame, home: str,
                   commodity: str, year: int, runs: dict) -> tuple[float, float, list[str]]:
    """Tonnes the company loses, and tonnes whose loss the home country's supply cannot say.

    Each origin (per stage) of the company loses the share the scenario
    removes from the home country's supply of that origin and stage, run on
    the purchases' year.
    """
    from scrisk.disruption import run_scenario

    notes = []
    if scenario.importer != home:
        notes.append(f"the scenario is written for {scenario.importer}; its losses are read "
                     f"for {scenario.importer}'s supply")
    key = (id(scenario), year)
    if key not in runs:  # one run per scenario and year, for every company's commodities
        narrowed = _narrow(scenario, runs["commodities"][year])
        runs[key] = (run_scenario(dataset, narrowed, year=year,
                                  battery_scenario=_battery_scenario(dataset))
                     if narrowed.shocks else None)
    result = runs[key]
    if result is None:
        return 0.0, 0.0, notes  # no shock of the scenario touches the companies' commodities
    if scenario.year is not None and scenario.year != year:
        notes.append(f"run on the purchases' year {year} (the file's own year is "
                     f"{scenario.year})")
    by_origin = result.by_origin
    rows = by_origin.loc[by_origin["commodity"] == commodity]
    if rows.empty:
        return 0.0, 0.0, notes  # the scenario does not touch this commodity
    share = {(s, o): (b - a) / b for s, o, b, a in zip(rows["stage"], rows["origin"],
                                                      rows["before_t"], rows["after_t"],
                                                      strict=True) if b > _TINY}
    loss = unknown = 0.0
    floor = 1e-9 * float(origins["tonnes"].sum())
    for stage, origin, tonnes in zip(origins["stage"], origins["origin"], origins["tonnes"],
                                     strict=True):
        if tonnes <= floor:
            continue  # numerical dust of the origin split
        if (stage, origin) in share:
            loss += float(tonnes) * share[(stage, origin)]
        else:
            unknown += float(tonnes)
    if unknown > 0:
        notes.append(f"{unknown:,.0f} t come from origins outside {scenario.importer}'s "
                     "supply of that stage: their loss is not estimated (counted as none)")
    return loss, unknown, notes


def company_names(table: pd.DataFrame) -> list[str]:
    """Companies of a procurement table, in file order."""
    return list(dict.fromkeys(table["company"]))


def scenario_files(paths: Iterable[str | os.PathLike]) -> tuple[str, ...]:
    """Scenario files of files and folders (``*.toml``, ``*.yaml``, ``*.yml``), sorted."""
    out: list[str] = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            out.extend(str(f) for f in sorted(p.iterdir())
                       if f.suffix in (".toml", ".yaml", ".yml"))
        else:
            out.append(str(p))
    return tuple(out)
