"""`scrisk metrics ...`: concentration, dependency, GeoPolRisk, exposure, self-sufficiency, battery."""

from __future__ import annotations

from typing import Annotated

import typer

from scrisk.cli import DataOption, FormatOption, OutputFormat, app, emit, load, table_command

metrics_app = typer.Typer(help="Supply-risk metrics of the dataset.", no_args_is_help=True)
app.add_typer(metrics_app, name="metrics")

CommodityOption = Annotated[str | None, typer.Option(
    "--commodity", help="Commodity: as listed or by English or Japanese name (cobalt, コバルト).")]
YearOption = Annotated[int | None, typer.Option("--year", help="Year (default: latest held).")]
ImporterOption = Annotated[str, typer.Option(
    "--importer", help="Importer: ISO3 code, English or Japanese name (JPN, Japan, 日本); "
    "GeoPolRisk also takes groups (EU27, G7).")]
StageOption = Annotated[str | None, typer.Option(
    "--stage", help="mining or refining (concentration and exposure also: precursor, cathode, "
    "anode, cell).")]


def _stage(stage: str | None, default: str | None = None) -> str | None:
    from scrisk.data.schemas import STAGES
    from scrisk.exceptions import UnknownChoiceError

    if stage is None:
        return default
    if stage not in STAGES:
        raise UnknownChoiceError("stage", stage, STAGES)
    return stage


def _year(ds, year: int | None, table: str = "production") -> int:
    return ds.check_year(year, table) if year is not None else ds.years(table)[-1]


def _commodity(ds, commodity: str | None, default: str) -> str:
    return ds.check_commodity(commodity if commodity is not None else default)


@metrics_app.command("concentration")
@table_command
def concentration_cmd(commodity: CommodityOption = None, year: YearOption = None,
                      stage: StageOption = None, data: DataOption = None,
                      scale: Annotated[float, typer.Option(help="HHI scale: 1 or 10000.")] = 1.0,
                      companies: Annotated[bool, typer.Option(
                          help="Owner-level concentration from suppliers/ instead.")] = False,
                      fmt: FormatOption = OutputFormat.table) -> None:
    """Country concentration per commodity and stage: HHI, top-1/top-3, governance HHI."""
    from scrisk.metrics.concentration import company_concentration, concentration

    ds = load(data)
    from scrisk.cli.midstream import concentration_midstream, is_midstream

    if is_midstream(stage):  # battery products: scrisk.metrics.midstream (owners: --companies)
        concentration_midstream(ds, stage, year, scale, fmt, by_owner=companies)
        return
    if commodity is not None:
        ds.check_commodity(commodity)
    if companies:
        table = company_concentration(ds, commodity or "copper", _stage(stage, "mining"),
                                      scale=scale)
        title = (f"Owners of {commodity or 'copper'} facilities ({_stage(stage, 'mining')} "
                 f"stage, operating; latest output held): HHI {table.attrs['hhi']:.3f}, "
                 f"coverage of world output {table.attrs.get('coverage', float('nan')):.0%}")
        emit(table, fmt, title=title)
        return
    table = concentration(ds, commodity, _stage(stage), _year(ds, year), scale=scale)
    emit(table, fmt, title=f"Supply concentration ({_stage(stage) or 'all stages'}, "
                           f"{_year(ds, year)})")


@metrics_app.command("dependency")
@table_command
def dependency_cmd(commodity: CommodityOption = None, year: YearOption = None,
                   importer: ImporterOption = "JPN", stage: StageOption = None,
                   data: DataOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """An importer's partner shares, net import reliance and shares from country groups."""
    from scrisk.metrics.dependency import import_dependency

    ds = load(data)
    dep = import_dependency(ds, importer, _commodity(ds, commodity, "copper"),
                            _year(ds, year, "trade"), _stage(stage))
    if fmt is OutputFormat.json:
        payload = {"summary": dep.summary().iloc[0].to_dict(),
                   "partners": dep.partners.to_dict(orient="records"),
                   "groups": dep.groups.to_dict(orient="records")}
        emit(dep.partners, fmt, json_payload=_jsonable(payload))
        return
    if fmt is OutputFormat.table:
        emit(dep.summary(), fmt, title=f"Import dependency ({_label(dep.summary())})")
        emit(dep.groups, fmt, title=f"Imports from country groups ({_label(dep.summary())})")
    emit(dep.partners, fmt, title=f"Import partners ({_label(dep.summary())})")


@metrics_app.command("geopolrisk")
@table_command(groups=True)
def geopolrisk_cmd(commodity: CommodityOption = None, year: YearOption = None,
                   importer: ImporterOption = "JPN", data: DataOption = None,
                   governance: Annotated[str, typer.Option(
                       "--governance", help="Partner weights: published (WGI as published) or "
                       "reference (the reference package's table, to quote its published "
                       "factors).")] = "published",
                   fmt: FormatOption = OutputFormat.table) -> None:
    """GeoPolRisk score and characterisation factor of an importer (or a group, e.g. EU27)."""
    from scrisk.metrics.geopolrisk import GeoPolRiskOptions, basis_note, geopolrisk

    options = GeoPolRiskOptions(governance=governance)
    ds = load(data)
    result = geopolrisk(ds, importer, _commodity(ds, commodity, "copper"),
                        _year(ds, year), options)
    payload = result.as_dict()
    if fmt is OutputFormat.json:
        emit(result.summary(), fmt, json_payload=_jsonable(payload))
        return
    summary = result.summary()
    emit(summary, fmt, title=f"GeoPolRisk ({_label(summary)})",
         show=[c for c in summary.columns if c not in ("governance", "governance_fallback_share")])
    for note in result.notes:  # fallbacks are said next to the number (csv: on stderr)
        typer.echo(f"note: {note}", err=fmt is OutputFormat.csv)
    # the method's own basis differs from every other table's contained metal: say so
    typer.echo(f"note: {basis_note(ds, result.commodity)}", err=fmt is OutputFormat.csv)


@metrics_app.command("exposure")
@table_command
def exposure_cmd(commodity: CommodityOption = None, year: YearOption = None,
                 importer: ImporterOption = "JPN", stage: StageOption = None,
                 data: DataOption = None, fmt: FormatOption = OutputFormat.table,
                 bounds: Annotated[bool, typer.Option(
                     "--bounds", help="Also the least and most share of each origin when "
                     "re-exporters may pass on any mix of what they hold (one linear "
                     "programme per origin).")] = False) -> None:
    """Where an importer's supply of a stage was mined, beside its direct suppliers.

    Quantities are contained metal. The stage defaults to the most processed
    stage at which the importer has supply; the year to the latest year with
    production and trade. Untraced feed (``untraced:<ISO3>``) and re-exports
    with nothing behind them (``unattributed``) are data gaps, listed after
    the table.
    """
    from scrisk.cli.midstream import exposure_midstream, is_midstream
    from scrisk.metrics.exposure import lookthrough_exposure

    ds = load(data)
    if is_midstream(stage):  # battery products: through the element networks to the mines
        exposure_midstream(ds, importer, stage, year, fmt)
        return
    commodity = _commodity(ds, commodity, "cobalt")
    year = _year(ds, year, "trade")
    table = lookthrough_exposure(ds, importer, commodity, year,
                                 _stage(stage) if stage is not None else None)
    attrs = dict(table.attrs)
    emit(table, fmt, title=f"Mined origin of {attrs.get('importer', importer)}'s {commodity} "
                           f"supply, {attrs.get('stage')} stage, {year} "
                           f"(contained, {attrs.get('unit', 't')}; total "
                           f"{attrs.get('supply_t', 0.0):,.0f} t)")
    if fmt is OutputFormat.table:
        for note in attrs.get("notes", []):
            typer.echo(f"note: {note}")
    if bounds:
        from scrisk.metrics.lookthrough_bounds import lookthrough_bounds

        limits = lookthrough_bounds(ds, importer, commodity, year, attrs.get("stage"))
        emit(limits, fmt, key="bounds",
             title=f"Bounds on the origin shares of what {attrs.get('importer', importer)} "
                   f"keeps, {attrs.get('stage')} stage, {year} (proportional share beside "
                   f"the least and most any mix of re-exports allows)")
        if fmt is OutputFormat.table:
            for note in limits.attrs.get("notes", []):
                typer.echo(f"note: {note}")


@metrics_app.command("self-sufficiency")
@table_command
def self_sufficiency_cmd(importer: ImporterOption = "JPN", data: DataOption = None,
                         year: Annotated[int | None, typer.Option(
                             "--year", help="Year (default: the latest year with demand data).")
                         ] = None,
                         basis: Annotated[str, typer.Option(
                             "--basis", help="procured (default), entitlement or both.")
                         ] = "procured",
                         share_basis: Annotated[str, typer.Option(
                             "--share-basis", help="How an owner's share is read: "
                             "offtake_or_equity, equity or offtake.")] = "offtake_or_equity",
                         all_years: Annotated[bool, typer.Option(
                             "--all-years", help="Every year with demand data.")] = False,
                         fmt: FormatOption = OutputFormat.table) -> None:
    """Base-metal self-sufficiency (copper, zinc, lead and together) beside the published ratio.

    Stakes count only in the years they were held, with that year's mine output.
    """
    _self_sufficiency_run(importer, data, year, basis, share_basis, all_years, fmt)


def _self_sufficiency_run(importer, data, year, basis, share_basis, all_years, fmt) -> None:
    from scrisk.exceptions import ScriskError, UnknownChoiceError
    from scrisk.metrics.self_sufficiency import (
        BASE_METALS_ROW,
        DEFAULT_BASIS,
        SHARE_BASES,
        self_sufficiency,
    )

    ds = load(data)
    iso3 = ds.check_country(importer)
    if basis not in ("procured", "entitlement", "both"):
        raise UnknownChoiceError("basis", basis, ("procured", "entitlement", "both"))
    if share_basis not in SHARE_BASES:
        raise UnknownChoiceError("share basis", share_basis, SHARE_BASES)
    cons = ds.consumption
    held = sorted(int(y) for y in cons.loc[(cons["iso3"] == iso3) & cons["demand_t"].notna(),
                                           "year"].unique())
    if not held:
        raise UnknownChoiceError("country with demand data in consumption.csv", iso3,
                                 sorted(set(cons.loc[cons["demand_t"].notna(), "iso3"])))
    if year is not None and not held[0] <= year <= held[-1]:
        raise ScriskError(f"--year {year}: demand data cover {held[0]}-{held[-1]}; "
                          "for later years use `scrisk metrics trajectory`")
    years = held if all_years else [year if year is not None else held[-1]]
    table = self_sufficiency(ds, iso3, years=years, basis=basis, share_basis=share_basis)
    shown = _ssr_columns(basis)
    how = ("year given" if year is not None else
           "all years with demand data" if all_years else
           "latest year with demand data; give --year for another")
    used = basis if basis != "both" else f"both; gap on the default {DEFAULT_BASIS}"
    emit(table[shown], fmt, title=f"Self-sufficiency, {iso3}, {', '.join(map(str, years))} "
                                  f"({how}; basis: {used})")
    if fmt is OutputFormat.table:
        for line in _ssr_closing_lines(table, BASE_METALS_ROW):
            typer.echo(line)


def _ssr_columns(basis: str) -> list[str]:
    cols = ["commodity", "year", "demand_t", "recycling_t"]
    if basis in ("entitlement", "both"):
        cols += ["entitled_t", "ratio_entitlement"]
    if basis in ("procured", "both"):
        cols += ["procured_t", "ratio_procured"]
    return cols + ["published", "target", "gap_to_target_pp", "flag"]


def _ssr_closing_lines(table, total_row: str) -> list[str]:
    """One line per year: computed ratios beside the published one, and the flags."""
    lines = []
    for row in table.loc[table["commodity"] == total_row].itertuples(index=False):
        text = (f"{row.year}: base metals {row.ratio_procured:.0%} procured, "
                f"{row.ratio_entitlement:.0%} entitlement (equity share of every held mine's "
                "output, wherever it is sold: an upper bound, not a ratio to quote)")
        if row.published == row.published:  # not NaN
            text += (f"; published {row.published:.0%} (METI). The computed ratios count all "
                     "secondary cathode as recycling and every equity tonne (entitlement) or "
                     "the mine country's export share to Japan (procured); METI counts "
                     "companies' reported procurement and domestic scrap only "
                     "(docs/methods.md, self-sufficiency)")
        lines.append(text)
    flags = sorted({f for text in table["flag"] for f in str(text).split(";") if f})
    if flags:
        lines.append("fallbacks used: " + ", ".join(flags))
    return lines


@metrics_app.command("trajectory")
@table_command
def trajectory_cmd(importer: ImporterOption = "JPN", data: DataOption = None,
                   projects: Annotated[str | None, typer.Option(
                       "--projects", help="Candidate project ids, comma-separated "
                       "(suppliers/candidates.csv), counted from their online year.")] = None,
                   basis: Annotated[str, typer.Option(
                       "--basis", help="procured (default) or entitlement.")] = "procured",
                   first: Annotated[int, typer.Option("--from", help="First year.")] = 2023,
                   last: Annotated[int, typer.Option("--to", help="Last year.")] = 2035,
                   fmt: FormatOption = OutputFormat.table) -> None:
    """Base-metal self-sufficiency per year to 2035: existing stakes plus chosen projects."""
    _trajectory_run(importer, data, projects, basis, first, last, fmt)


def _trajectory_run(importer, data, projects, basis, first, last, fmt) -> None:
    from scrisk.exceptions import ScriskError
    from scrisk.metrics.self_sufficiency import BASE_METALS_ROW
    from scrisk.metrics.trajectory import trajectory

    ds = load(data)
    iso3 = ds.check_country(importer)
    if not 1990 <= first <= last <= 2100:
        raise ScriskError(f"--from/--to must be years with --from <= --to, got {first}-{last}")
    chosen = [p.strip() for p in projects.split(",") if p.strip()] if projects else None
    table = trajectory(ds, chosen, years=range(first, last + 1), basis=basis, iso3=iso3)
    if fmt is OutputFormat.json:
        from scrisk.metrics.trajectory import trajectory_payload

        emit(table, fmt, json_payload=_jsonable(trajectory_payload(table)))
        return
    shown = table if fmt is OutputFormat.csv else table.loc[
        table["commodity"] == BASE_METALS_ROW, ["year", "demand_t", "demand_source",
                                                 "recycling_t", "existing_t", "portfolio_t",
                                                 "ratio_existing", "ratio", "published",
                                                 "target", "gap_to_target_pp"]]
    label = f"with {len(chosen)} project(s)" if chosen else "existing stakes only"
    emit(shown, fmt, title=f"Self-sufficiency trajectory, {iso3}, {first}-{last} "
                           f"({label}; basis: {basis})")
    if fmt is OutputFormat.table:
        notes = table.attrs.get("notes", [])
        for note in notes:
            typer.echo(note)


@metrics_app.command("battery")
@table_command
def battery_cmd(gwh: Annotated[float, typer.Option(help="Annual cell production, GWh.")] = 150.0,
                scenario: Annotated[str | None, typer.Option(
                    help="Chemistry-mix scenario (default: every scenario).")] = None,
                importer: ImporterOption = "JPN", data: DataOption = None,
                fmt: FormatOption = OutputFormat.table) -> None:
    """Material needs of a battery production target and coverage by secured supply."""
    import pandas as pd

    from scrisk.metrics.battery import battery_coverage

    ds = load(data)
    scenarios = [scenario] if scenario else sorted(ds.battery_scenarios["scenario"].unique())
    parts = []
    for name in scenarios:
        part = battery_coverage(ds, gwh, name, ds.check_country(importer))
        part.insert(0, "scenario", name)
        parts.append(part)
    emit(pd.concat(parts, ignore_index=True), fmt,
         title=f"Battery needs for {gwh:g} GWh/yr ({importer}; secured supply: facilities' "
               "latest output)")


@metrics_app.command("criticality")
@table_command
def criticality_cmd(importer: ImporterOption = "JPN", year: YearOption = None,
                    data: DataOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Criticality matrix: supply risk vs economic importance per commodity."""
    from scrisk.metrics.criticality import criticality

    ds = load(data)
    if year is None:  # the function's own default, named in the title
        year = min(ds.years("production")[-1], ds.years("trade")[-1])
    table = criticality(ds, importer, year)
    notes = table.attrs.get("notes", [])
    emit(table.sort_values("supply_risk", ascending=False, ignore_index=True), fmt,
         title=f"Criticality (supply risk x economic importance) ({importer}, {year}; world "
               "mining concentration; import reliance, sourcing and import value over the "
               "traded stages, contained metal)")
    if fmt is OutputFormat.table:
        for note in notes:
            typer.echo(f"note: {note}")


def _label(summary) -> str:
    """``JPN, cobalt, refining stage, 2024`` from a one-row summary's key columns."""
    row = summary.iloc[0] if len(summary) else {}
    parts = [str(row[k]) for k in ("importer", "commodity") if k in row]
    if "stage" in row and row["stage"] not in (None, ""):
        parts.append(f"{row['stage']} stage")
    if "year" in row:
        parts.append(str(row["year"]))
    return ", ".join(parts)


def _jsonable(value):
    """Turn numpy/pandas scalars into plain JSON values (NaN -> null)."""
    import math

    import numpy as np

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
