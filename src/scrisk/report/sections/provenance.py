"""Appendix: data provenance (sources, licences, files).

Presents tables of :class:`~scrisk.report.tables.ReportData`; computes nothing.
"""

from __future__ import annotations

import pandas as pd

from scrisk.report.render import Col


def provenance_section(builder) -> dict[str, object]:
    data, t = builder.data, builder.t
    fam = data.provenance.assign(basis=[
        t(f"licence_basis.{b}") if b else "" for b in data.provenance["licence_basis"]])
    families = builder.table("sources", fam, [
        Col("family", "publisher"), Col("year", "year", "year"),
        Col("licence", "licence"), Col("basis", "licence_basis"),
        Col("tables", "tables"), Col("citations", "citations", "int"),
        Col("rows", "rows", "int")], title=t("table.sources"),
        note=t("table.sources_note"))
    citations = builder.table("citations", data.citations, [
        Col("table", "table"), Col("source", "citation"), Col("year", "year", "year"),
        Col("licence", "licence"), Col("rows", "rows", "int")],
        title=t("table.citations"))
    files = pd.DataFrame({"file": list(data.files)})
    file_table = builder.table("files", files, [Col("file", "file")], title=t("table.files"))
    return {"id": "provenance", "title": t("section.provenance"), "blocks": [
        {"paragraphs": [t("provenance.intro", fingerprint=data.fingerprint),
                        t("provenance.methods"), t("provenance.font")]},
        {"table": families},
        # hundreds of rows: on screen and in the workbook, not on paper (print says where)
        {"details": t("provenance.all_citations"), "table": citations,
         "screen_only": t("exec.screen_only", sheet="citations" if builder.lang == "en"
                          else citations.title[:31])},
        {"details": t("provenance.files"), "table": file_table}]}
