"""One subsection per commodity: concentration, shares, import sources, origins, trend, chokepoints.

Presents tables of :class:`~scrisk.report.tables.ReportData`; computes nothing.
"""

from __future__ import annotations

import pandas as pd

from scrisk.report import figures as fg
from scrisk.report import maps
from scrisk.report.render import NO_CHOKEPOINT, UNROUTED, Col


def commodity_section(builder) -> dict[str, object]:
    data, t = builder.data, builder.t
    subsections = []
    for commodity, cd in data.details.items():
        name = builder.loc.commodity(commodity)
        names = builder.loc.countries(set(cd.shares["iso3"]) | set(cd.flows.get("origin", []))
                                   | set(cd.flows.get("via", [])) | {data.importer})
        blocks: list[dict] = []
        conc = cd.concentration.assign(unit=cd.concentration["stage"].map(cd.units))
        blocks.append({"table": builder.table(f"conc_{commodity}", conc, [
            Col("stage", "stage", "stage"), Col("n_countries", "n_countries", "int"),
            Col("hhi", "hhi", "sig"), Col("top1_iso3", "top1", "country"),
            Col("top1_share", "top1_share", "pct"), Col("top3_share", "top3_share", "pct"),
            Col("effective_suppliers", "effective_suppliers", "num1"),
            Col("gov_hhi", "gov_hhi", "sig"), Col("unit", "unit")],
            title=t("table.concentration", commodity=name, year=data.year))})
        if len(cd.shares):
            blocks.append({"figure": builder.figure(
                fg.stage_shares_chart, t("fig.shares.alt", commodity=name),
                t("fig.shares.caption", commodity=name, year=data.year),
                builder.sources("production", "shares"), shares=cd.shares, names=names)})
            # the production map of every commodity is one interactive map in the
            # overview (menu per commodity); here the bars carry the same shares
        blocks.extend(_imports_blocks(builder, commodity, cd, name, names))
        if len(cd.trend) and cd.trend["score"].notna().any():
            blocks.append({"figure": builder.figure(
                fg.risk_trend_chart, t("fig.trend.alt", commodity=name),
                t("fig.trend.caption", commodity=name, importer=builder.importer_name()),
                builder.sources("production", "trade", "wgi"), trend=cd.trend)})
        else:
            blocks.append({"note": {"text": t("note.no_gpr", commodity=name),
                                    "detail": ""}})
        blocks.extend(_chokepoint_blocks(builder, commodity, cd, name))
        subsections.append({"id": f"commodity-{commodity}", "title": name,
                            "blocks": blocks})
    return {"id": "commodities", "title": t("section.commodities"), "blocks": [
        {"paragraphs": [t("commodities.intro", importer=builder.importer_name(),
                          year=data.year)]}], "subsections": subsections}

def _imports_blocks(builder, commodity, cd, name, names) -> list[dict]:
    t, data = builder.t, builder.data
    blocks: list[dict] = []
    if not cd.imports:
        return [{"note": {"text": t("note.no_imports", commodity=name,
                                    importer=builder.importer_name(), year=data.year),
                          "detail": ""}}]
    for stage, table in cd.imports.items():
        top = table.head(12)
        cols = [Col("origin", "country", "country"), Col("direct_t", "direct_t", "tonnes"),
                Col("direct_share", "direct_share", "pct"),
                Col("share", "mined_share", "pct")]
        note = t("table.imports_note")
        if "min_share" in table:
            cols += [Col("min_share", "min_share", "pct"), Col("max_share", "max_share", "pct")]
            note = f"{note} {t('table.bounds_note')}"
        blocks.append({"table": builder.table(
            f"imports_{commodity}_{stage}", top, cols,
            title=t("table.imports", commodity=name, importer=builder.importer_name(),
                    stage=t(f"stage.{stage}"), year=data.year),
            note=note)})
    if len(cd.flows):
        via = t("fig.flow.refined_in") if cd.main_stage == "refining" else \
            t("fig.flow.shipped_from")
        blocks.append({"figure": builder.figure(
            fg.flow_diagram, t("fig.flow.alt", commodity=name),
            t("fig.flow.caption", commodity=name, importer=builder.importer_name(),
              stage=t(f"stage.{cd.main_stage}")),
            builder.sources("trade", "production", "shares"), flows=cd.flows,
            importer=data.importer, names=names, via_label=via)})
    if len(cd.exposure):
        blocks.append({"figure": builder.figure(
            maps.choropleth, t("fig.map_exposure.alt", commodity=name),
            t("fig.map_exposure.caption", commodity=name, importer=builder.importer_name()),
            builder.sources("trade", "production", "geo"), values=cd.exposure,
            chokepoints=builder.ds.chokepoints, legend_label=t("fig.map_exposure.legend"),
            highlight=data.importer)})
    return blocks

def _chokepoint_blocks(builder, commodity, cd, name) -> list[dict]:
    t = builder.t
    blocks: list[dict] = [{"heading": t("chokepoints.heading")}]
    if cd.chokepoints is None:
        return blocks + [{"note": builder.missing(cd.chokepoint_status)}]
    lanes = cd.chokepoints.loc[~cd.chokepoints["chokepoint"].isin(
        [NO_CHOKEPOINT, UNROUTED])]
    if lanes.empty:
        return blocks + [{"paragraphs": [t("chokepoints.none", commodity=name)]}]
    stage = cd.main_stage if cd.main_stage in set(lanes["stage"]) else lanes["stage"].iloc[0]
    main = lanes.loc[lanes["stage"] == stage].head(10)
    values = pd.Series(main["import_share"].to_numpy(dtype=float),
                       index=[builder.loc.chokepoint(c) for c in main["chokepoint"]])
    blocks.append({"figure": builder.figure(
        fg.bar_chart, t("fig.chokepoints.alt", commodity=name),
        t("fig.chokepoints.caption", commodity=name, importer=builder.importer_name(),
          stage=t(f"stage.{stage}")),
        builder.sources("trade", "geo", "scrisk"), values=values,
        xlabel=t("fig.chokepoints.x"))})
    blocks.append({"table": builder.table(f"chokepoints_{commodity}", cd.chokepoints, [
        Col("stage", "stage", "stage"), Col("chokepoint", "chokepoint", "chokepoint"),
        Col("imports_t", "direct_t", "tonnes"), Col("import_share", "import_share", "pct"),
        Col("supply_share", "supply_share", "pct")],
        title=t("table.chokepoints", commodity=name, importer=builder.importer_name()),
        note=t("table.chokepoints_note"))})
    return blocks
