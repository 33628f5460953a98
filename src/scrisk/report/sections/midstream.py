"""Domestic cell capacity against the goal, the goal's materials and the mines behind them.

Presents :meth:`scrisk.metrics.midstream.BatteryGoal.tables`; computes nothing.
"""

from __future__ import annotations

from scrisk.report.render import Col


def midstream_section(builder) -> dict[str, object]:
    data, t, cat = builder.data, builder.t, builder.cat
    mid = data.midstream
    title = t("section.midstream", target=cat.num(mid["target_gwh"]))
    latest = mid["latest"]
    intro = t("midstream.intro", importer=builder.importer_name(),
              target=cat.num(mid["target_gwh"]), year=mid["target_year"] or "")
    blocks: list[dict] = [{"paragraphs": [intro]}]
    if latest is not None:
        blocks[0]["paragraphs"].append(t(
            "midstream.latest", year=latest["year"], capacity=cat.num(latest["capacity_gwh"]),
            status=t(f"midstream.status_{latest['status']}"),
            share=cat.pct(latest["share_of_target"])))
    capacity = mid["capacity"].assign(status=[t(f"midstream.status_{v.replace(' ', '_')}")
                                              for v in mid["capacity"]["status"]])
    blocks.append({"table": builder.table("midstream_capacity", capacity, [
        Col("year", "year", "year"), Col("capacity_gwh", "capacity_gwh", "num1"),
        Col("status", "capacity_status", "text"), Col("target_gwh", "target_gwh", "num1"),
        Col("gap_gwh", "gap_gwh", "num1"), Col("share_of_target", "share_of_target", "pct"),
        Col("quality", "quality", "text"), Col("source", "source_col", "text", "xlsx"),
        Col("note", "note_col", "text", "xlsx")],
        title=t("table.midstream_capacity"), note=t("table.midstream_capacity_note"))})
    if mid.get("plants") is not None:
        blocks.append({"table": builder.table("midstream_plants", mid["plants"], [
            Col("year", "year", "year"), Col("published_gwh", "published_gwh", "num1"),
            Col("operating_gwh", "operating_gwh", "num1"),
            Col("if_realised_gwh", "if_realised_gwh", "num1"),
            Col("cancelled_gwh", "cancelled_gwh", "num1"),
            Col("difference_gwh", "difference_gwh", "num1"),
            Col("gap_to_target_gwh", "gap_to_target_gwh", "num1")],
            title=t("table.midstream_plants"), note=t("table.midstream_plants_note"))})
        for note in mid.get("plant_notes", ()):
            blocks.append({"note": {"text": t("midstream.data_note"), "detail": note}})
    blocks.append({"table": builder.table("midstream_needs", mid["needs"], [
        Col("commodity", "commodity", "commodity"), Col("need_t", "need_t", "tonnes"),
        Col("unit", "unit_col", "text"), Col("lce_t", "lce_t", "tonnes"),
        Col("top_mine", "top_mine", "country"), Col("top_mine_share", "top_mine_share", "pct"),
        Col("traced_share", "traced_share", "pct")],
        title=t("table.midstream_needs", target=cat.num(mid["target_gwh"]),
                year=mid["network_year"]),
        note=t("table.midstream_needs_note"))})
    blocks.append({"table": builder.table("midstream_chokepoints", mid["chokepoints"], [
        Col("node", "node", "text"), Col("commodity", "commodity", "commodity"),
        Col("loss_t", "loss_t", "tonnes"), Col("loss_share", "loss_share", "pct")],
        title=t("table.midstream_chokepoints"))})
    chain = mid.get("chain")
    if chain is not None:  # scrisk.disruption.midstream.MidstreamChokepointResult.tables
        blocks.append({"table": builder.table("midstream_chain_chokepoints", chain["ranking"], [
            Col("node", "node", "text"), Col("iso3", "country", "country"),
            Col("loss_share", "cell_loss_share", "pct"),
            Col("loss_product", "cell_loss_gwh", "num1"),
            Col("world_market_share", "world_market_share", "pct"),
            Col("elements", "elements_lost", "text", "xlsx")],
            title=t("table.midstream_chain_chokepoints", target=cat.num(chain["product_need"]),
                    year=chain["network_year"]),
            note=t("table.midstream_chain_chokepoints_note"))})
    for note in mid["notes"]:
        blocks.append({"note": {"text": t("midstream.data_note"), "detail": note}})
    return {"id": "midstream", "title": title, "blocks": blocks}
