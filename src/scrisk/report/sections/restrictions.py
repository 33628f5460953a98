"""Export restrictions in force: the share of the importer's supply under them, and the inventory.

Presents ``ReportData.restrictions`` (:func:`scrisk.metrics.restrictions.restriction_shares`,
rows with a share above zero); computes nothing.
"""

from __future__ import annotations

from scrisk.report.render import Col


def restrictions_section(builder) -> dict[str, object]:
    data, t, cat = builder.data, builder.t, builder.cat
    title = t("section.restrictions")
    status = data.status.get("restrictions")
    result = data.restrictions
    if result is None:
        note = builder.missing(status) or {"text": t("note.no_data"),
                                           "detail": "minerals/export_restrictions.csv"}
        return {"id": "restrictions", "title": title, "blocks": [{"note": note}]}
    measures = result.measures
    years = sorted({int(y) for y in result.table["year"]}) if len(result.table) else []
    blocks: list[dict] = [{"paragraphs": [
        t("restrictions.intro", importer=builder.importer_name(), count=cat.num(len(measures))),
        t("restrictions.rule")]}]
    if len(result.table):
        shown = result.table.assign(measures=[str(m).replace(";", "; ")
                                              for m in result.table["measures"]])
        blocks.append({"table": builder.table("restrictions", shown, [
            Col("commodity", "commodity", "commodity"), Col("stage", "stage", "stage"),
            Col("year", "year", "year"), Col("supply_t", "supply_t", "tonnes"),
            Col("unit", "unit"), Col("direct_share", "restricted_direct", "pct"),
            Col("crossed_share", "restricted_crossed", "pct"),
            Col("mined_share", "restricted_mined", "pct"), Col("measures", "measures")],
            title=t("table.restrictions", importer=builder.importer_name(),
                    first=years[0], last=years[-1]),
            note=t("table.restrictions_note"))})
    else:
        blocks.append({"paragraphs": [t("restrictions.none", importer=builder.importer_name())]})
    listed = measures.assign(
        type_text=[cat.get(f"restriction_type.{v}", v) for v in measures["type"]],
        status_text=[cat.get(f"restriction_status.{v}", v) for v in measures["status"]],
        end_text=[v or t("restrictions.open") for v in measures["end_date"]])
    blocks.append({"table": builder.table("restriction_measures", listed, [
        Col("measure_id", "restriction_measure"), Col("country", "country", "country"),
        Col("commodity", "commodity", "commodity"), Col("stage", "stage", "stage"),
        Col("type_text", "restriction_type"), Col("start_date", "start_date"),
        Col("end_text", "end_date"), Col("scope", "scope"),
        Col("years", "years_counted"), Col("status_text", "restriction_status"),
        Col("data_note", "data_note", where="xlsx")],
        title=t("table.restriction_measures"), note=t("table.restriction_measures_note"))})
    return {"id": "restrictions", "title": title, "blocks": blocks}
