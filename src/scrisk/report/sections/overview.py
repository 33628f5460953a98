"""Risk overview of the priority commodities and the appendix of the other commodities.

Presents tables of :class:`~scrisk.report.tables.ReportData`; computes nothing.
"""

from __future__ import annotations

import pandas as pd

from scrisk.report import figures as fg
from scrisk.report import maps
from scrisk.report.render import UNATTRIBUTED, Col, Table


def overview_section(builder) -> dict[str, object]:
    data, t = builder.data, builder.t
    importer = builder.importer_name()
    priority = data.headline.loc[~data.headline["commodity"].isin(list(data.appendix))]
    blocks: list[dict] = [{"paragraphs": [t("exec.overview_note")]},
                          {"table": _headline_table(builder, "headline", priority)}]
    blocks.extend(_overview_figures(builder))
    if len(data.criticality):
        names = {c: builder.loc.commodity(c) for c in data.criticality["commodity"]}
        blocks.append({"figure": builder.figure(
            fg.criticality_matrix, t("fig.criticality.alt"),
            t("fig.criticality.caption", importer=importer, year=data.year),
            builder.sources("trade", "production", "wgi"), frame=data.criticality,
            names=names)})
        blocks.append({"details": t("summary.criticality_table"), "closed": True,
                       "table": builder.table("criticality", data.criticality, [
                           Col("commodity", "commodity", "commodity"),
                           Col("group", "group", "group"),
                           Col("supply_risk", "supply_risk", "sig"),
                           Col("economic_importance", "economic_importance", "num1"),
                           Col("ghhi_world", "ghhi_world", "sig"),
                           Col("ghhi_sourcing", "ghhi_sourcing", "sig"),
                           Col("import_reliance", "import_reliance", "pct"),
                           Col("eol_rir", "eol_rir", "pct"),
                           Col("import_value_kusd", "import_value_kusd", "num"),
                           Col("score", "gpr_score", "sig")],
                           title=t("table.criticality", importer=importer, year=data.year),
                           note=t("table.criticality_note"))})
    return {"id": "overview", "title": t("exec.overview"), "blocks": blocks}

def _overview_figures(builder) -> list[dict]:
    """Trend of concentration and the production map, each with an interactive twin."""
    from scrisk.report import interactive as iv

    data, t, loc = builder.data, builder.t, builder.loc
    blocks: list[dict] = []
    trend = data.trend
    if len(trend):
        names = {c: loc.commodity(c) for c in trend["commodity"].unique()}
        values = trend.assign(
            commodity_name=trend["commodity"].map(names),
            stage_name=[t(f"stage.{s}") for s in trend["stage"]])
        spec = iv.line_chart(values, x="year", y="top1_share", series="stage_name",
                             chooser="commodity_name",
                             chooser_label=t("exec.choose_commodity"),
                             x_title=t("fig.year"), y_title=t("exec.top_share_axis"))
        blocks.append({"figure": builder.figure(
            fg.top_share_trend_chart, t("exec.trend_alt"),
            t("exec.trend_caption", first=int(trend["year"].min()),
              last=int(trend["year"].max())),
            builder.sources("production", "shares"), spec=spec, trend=trend, names=names)})
    shares = [cd.shares.loc[cd.shares["stage"] == "mining"].assign(commodity=c)
              for c, cd in data.details.items() if len(cd.shares)]
    shares = [s for s in shares if len(s)]
    if shares:
        frame = pd.concat(shares, ignore_index=True)
        frame = frame.loc[~frame["iso3"].isin([UNATTRIBUTED, fg.OTHER, "ROW"])]
        frame = frame.assign(commodity_name=[loc.commodity(c) for c in frame["commodity"]],
                             name=[loc.country(c) for c in frame["iso3"]])
        yearly = data.mine_shares
        if len(yearly):
            yearly = yearly.assign(
                commodity_name=[loc.commodity(c) for c in yearly["commodity"]],
                name=[loc.country(c) for c in yearly["iso3"]])
        spec = iv.share_map(yearly if len(yearly) else frame,
                            choosers={"commodity_name": t("exec.choose_commodity"),
                                      **({"year": t("fig.year")} if len(yearly) else {})},
                            zoom_label=t("exec.zoom"),
                            legend=t("fig.map_production.legend"),
                            name_title=t("col.country"), share_title=t("col.share"))
        first = frame.loc[frame["commodity"] == frame["commodity"].iloc[0]]
        blocks.append({"figure": builder.figure(
            maps.choropleth, t("exec.map_alt"), t("exec.map_caption", year=data.year),
            builder.sources("production", "geo"), spec=spec,
            values=maps.map_values(first), chokepoints=builder.ds.chokepoints,
            legend_label=t("fig.map_production.legend"), highlight=data.importer,
            title=loc.commodity(first["commodity"].iloc[0]))})
    return blocks

def appendix_section(builder) -> dict[str, object]:
    data, t = builder.data, builder.t
    rest = data.headline.loc[data.headline["commodity"].isin(list(data.appendix))]
    return {"id": "appendix-commodities", "title": t("exec.appendix"), "blocks": [
        {"paragraphs": [t("exec.appendix_intro")]},
        {"table": _headline_table(builder, "headline_other", rest)}]}

def _headline_table(builder, key: str, table: pd.DataFrame) -> Table:
    data, t, loc = builder.data, builder.t, builder.loc
    values = data.import_value
    now = (values.loc[values["year"] == data.year].set_index("commodity")["value_kusd"]
           if len(values) else pd.Series(dtype=float))
    frame = table.assign(**{
        f"{k}_text": [loc.with_share(c, v) for c, v in zip(
            table[f"{k}_iso3"], table[f"{k}_share"], strict=True)]
        for k in ("mining_top", "refining_top", "direct_top", "origin_top")})
    frame["import_musd"] = frame["commodity"].map(now).astype(float) / 1000.0
    # a score resting on the missing-value weight says so beside the number
    fallback = frame.get("score_fallback", pd.Series("", index=frame.index)).fillna("")
    frame["score_note"] = [
        loc.cat("fmt.gpr_fallback", partners=", ".join(loc.country(p) for p in text.split(";")),
                share=loc.cell("pct", share)) if text else ""
        for text, share in zip(fallback, frame.get("score_fallback_share", fallback),
                               strict=True)]
    return builder.table(key, frame, [
        Col("commodity", "commodity", "commodity"),
        Col("score", "gpr_score", "sig"), Col("score_note", "gpr_note", "text"),
        Col("score_change", "gpr_change", "sig"),
        Col("import_musd", "import_musd", "num1"),
        Col("mining_top_text", "mining_top", "text", "html"),
        Col("mining_top_iso3", "mining_top", "country", "xlsx"),
        Col("mining_top_share", "mining_top_share", "pct", "xlsx"),
        Col("mining_hhi", "mining_hhi", "sig"),
        Col("refining_top_text", "refining_top", "text", "html"),
        Col("refining_top_iso3", "refining_top", "country", "xlsx"),
        Col("refining_top_share", "refining_top_share", "pct", "xlsx"),
        Col("refining_hhi", "refining_hhi", "sig", "xlsx"),
        Col("import_stage", "import_stage", "stage", "xlsx"),
        Col("direct_top_text", "direct_top", "text", "html"),
        Col("direct_top_iso3", "direct_top", "country", "xlsx"),
        Col("direct_top_share", "direct_top_share", "pct", "xlsx"),
        Col("origin_top_text", "origin_top", "text", "html"),
        Col("origin_top_iso3", "origin_top", "country", "xlsx"),
        Col("origin_top_share", "origin_top_share", "pct", "xlsx"),
        Col("origin_gap_share", "origin_gap", "pct"),
    ], title=t("table.headline", importer=builder.importer_name(), year=data.year),
        note=t("table.headline_note", first=data.years[0] if data.years else data.year))
