"""Self-sufficiency by metal and year against the target, and the facilities held.

Presents tables of :class:`~scrisk.report.tables.ReportData`; computes nothing.
"""

from __future__ import annotations

from scrisk.report import figures as fg
from scrisk.report.render import Col


def ssr_section(builder) -> dict[str, object]:
    data, t = builder.data, builder.t
    status = data.status.get("self_sufficiency")
    blocks: list[dict] = []
    if status is not None and not status.available:
        blocks.append({"note": builder.missing(status)})
        return {"id": "builder-sufficiency", "title": t("section.ssr"), "blocks": blocks}
    ss = data.self_sufficiency
    blocks.append({"paragraphs": [t("ssr.intro")]})
    names = {c: builder.loc.commodity(c) for c in ss["commodity"].unique()}
    blocks.append({"figure": builder.figure(
        fg.self_sufficiency_chart, t("fig.ssr.alt"),
        t("fig.ssr.caption", importer=builder.importer_name()),
        builder.sources("consumption", "suppliers"), table=ss, target=data.ssr_target,
        target_year=data.ssr_target_year, reported=data.ssr_reported, names=names)})
    blocks.append({"table": builder.table("self_sufficiency", ss, [
        Col("commodity", "commodity", "commodity"), Col("year", "year", "year"),
        Col("equity_t", "equity_t", "tonnes"), Col("procured_t", "procured_t", "tonnes"),
        Col("recycling_t", "recycling_t", "tonnes"),
        Col("demand_t", "demand_t", "tonnes"), Col("ratio_procured", "ratio", "pct"),
        Col("ratio_entitlement", "ratio_entitlement", "pct"),
        Col("reported_ratio", "reported_ratio", "pct"), Col("target", "target", "pct"),
        ], title=t("table.ssr"),
        note=t("table.ssr_note"))})
    if len(data.secured):
        secured = data.secured.assign(name=[builder.loc.facility(f, n) for f, n in zip(
            data.secured["facility_id"], data.secured["name"], strict=True)])
        if "owners" in secured:
            sep = builder.t("fmt.list_sep")
            secured["owners"] = [sep.join(builder.loc.company(o) for o in str(v).split(";"))
                                 if isinstance(v, str) and v else "" for v in secured["owners"]]
        blocks.append({"table": builder.table("secured_facilities", secured, [
            Col("name", "facility"), Col("owners", "owners"),
            Col("commodity", "commodity", "commodity"),
            Col("stage", "stage", "stage"), Col("iso3", "country", "country"),
            Col("status", "status_facility", "status"),
            Col("output_t", "output_t", "tonnes"), Col("unit", "unit"),
            Col("secured_share", "secured_share", "pct"),
            Col("secured_t", "secured_t", "tonnes")],
            title=t("table.secured", importer=builder.importer_name()),
            note=t("table.secured_note"))})
    return {"id": "builder-sufficiency", "title": t("section.ssr"), "blocks": blocks}
