"""Battery material needs against secured supply.

Presents tables of :class:`~scrisk.report.tables.ReportData`; computes nothing.
"""

from __future__ import annotations

from scrisk.report import figures as fg
from scrisk.report.render import Col


def battery_section(builder) -> dict[str, object]:
    data, t, cat = builder.data, builder.t, builder.cat
    bat = data.battery
    title = t("section.battery", gwh=cat.num(data.gwh))
    if bat is None or bat.empty:
        return {"id": "battery", "title": title, "blocks": [{"note": {
            "text": t("note.no_data"), "detail": "minerals/battery_*.csv"}}]}
    blocks: list[dict] = [{"paragraphs": [t("battery.intro", gwh=cat.num(data.gwh))]}]
    blocks.append({"figure": builder.figure(
        fg.battery_coverage_chart, t("fig.battery.alt"),
        t("fig.battery.caption", gwh=cat.num(data.gwh), importer=builder.importer_name()),
        builder.sources("battery", "suppliers"), coverage=bat)})
    basis = bat.attrs.get("published_basis_gwh")
    blocks.append({"table": builder.table("battery", bat, [
        Col("scenario", "scenario", "scenario"), Col("material", "material", "material"),
        Col("need_t", "need_t", "tonnes"), Col("secured_t", "secured_t", "tonnes"),
        Col("coverage", "coverage", "pct"),
        Col("published_need_t", "published_need_t", "tonnes")],
        title=t("table.battery", gwh=cat.num(data.gwh)),
        note=t("table.battery_note", basis=cat.num(basis)) if basis else "")})
    return {"id": "battery", "title": title, "blocks": blocks}
