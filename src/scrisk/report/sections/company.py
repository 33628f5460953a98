"""Companies' own supply mix (``scrisk report --company FILE``).

Presents :class:`scrisk.metrics.company.CompanyRisk` of
:class:`~scrisk.report.tables.ReportData`; computes nothing.
"""

from __future__ import annotations

from scrisk.report.render import Col

TOP_ORIGINS = 5


def company_section(builder) -> dict[str, object]:
    data, t = builder.data, builder.t
    risk = data.company
    home = builder.importer_name()
    blocks: list[dict] = [{"paragraphs": [t("company.intro", importer=home)]}]
    blocks.append({"table": builder.table("companies", risk.table, [
        Col("company", "company"), Col("commodity", "commodity", "commodity"),
        Col("year", "year", "year"), Col("quantity_t", "quantity_t", "tonnes"),
        Col("n_suppliers", "n_suppliers", "int"), Col("hhi", "supplier_hhi", "sig"),
        Col("top_supplier", "top_supplier", "country"),
        Col("top_supplier_share", "top_supplier_share", "pct"),
        Col("import_risk", "import_risk", "sig"), Col("score", "score", "sig"),
        Col("top_origin", "origin_top", "country"),
        Col("top_origin_share", "origin_top_share", "pct"),
        Col("origin_gap_share", "origin_gap", "pct"),
        Col("restricted_direct_share", "restricted_direct", "pct"),
        Col("restricted_mined_share", "restricted_mined", "pct"),
        Col("unit", "unit")],
        title=t("table.companies", importer=home), note=t("table.companies_note"))})
    blocks.append({"table": builder.table("company_origins", risk.top_origins(TOP_ORIGINS), [
        Col("company", "company"), Col("commodity", "commodity", "commodity"),
        Col("stage", "stage", "stage"), Col("origin", "mined_in", "country"),
        Col("tonnes", "quantity_t", "tonnes"), Col("share", "share", "pct")],
        title=t("table.company_origins", n=TOP_ORIGINS))})
    if len(risk.losses):
        blocks.append({"table": builder.table("company_losses", risk.losses, [
            Col("company", "company"), Col("commodity", "commodity", "commodity"),
            Col("scenario", "scenario_name"), Col("quantity_t", "quantity_t", "tonnes"),
            Col("loss_t", "company_loss_t", "tonnes"),
            Col("loss_share", "company_loss_share", "pct"),
            Col("unestimated_t", "unestimated_t", "tonnes")],
            title=t("table.company_losses"), note=t("table.company_losses_note",
                                                    importer=home))})
    if risk.notes:
        blocks.append({"note": {"text": t("company.notes"), "detail": " ".join(
            f"{note}." for note in risk.notes)}})
    return {"id": "company", "title": t("section.company"), "blocks": blocks}
