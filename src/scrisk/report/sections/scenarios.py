"""Disruption scenarios: shocks, losses, Monte Carlo.

Presents tables of :class:`~scrisk.report.tables.ReportData`; computes nothing.
"""

from __future__ import annotations

import pandas as pd

from scrisk.report import figures as fg
from scrisk.report.render import Col


def scenario_section(builder) -> dict[str, object]:
    data, t, cat = builder.data, builder.t, builder.cat
    status = data.status.get("scenarios")
    blocks: list[dict] = [{"paragraphs": [t("scenarios.intro")]}]
    if status is not None and not status.available:
        blocks.append({"note": builder.missing(status)})
        return {"id": "scenarios", "title": t("section.scenarios"), "blocks": blocks}
    losses = [sc.table.assign(scenario_name=builder.scenario_name(sc))
              for sc in data.scenarios]
    if losses:
        from scrisk.report import interactive as iv

        frame = pd.concat(losses, ignore_index=True)
        frame = frame.loc[frame["loss_share"].fillna(0) > 0]
        if len(frame):
            frame = frame.assign(commodity_name=[builder.loc.commodity(c)
                                                 for c in frame["commodity"]])
            spec = iv.bar_chart(frame, category="commodity_name", value="loss_share",
                                chooser="scenario_name",
                                chooser_label=t("exec.choose_scenario"),
                                value_title=t("col.loss_all"),
                                category_title=t("col.commodity"))
            first = frame.loc[frame["scenario_name"] == frame["scenario_name"].iloc[0]]
            blocks.append({"figure": builder.figure(
                fg.bar_chart, t("exec.losses_alt"),
                t("exec.losses_caption", importer=builder.importer_name()),
                builder.sources("trade", "production", "geo", "scrisk"), spec=spec,
                values=pd.Series(first["loss_share"].to_numpy(float),
                                 index=first["commodity_name"]),
                xlabel=t("col.loss_all"), title=first["scenario_name"].iloc[0])})
    subsections = []
    for k, sc in enumerate(data.scenarios, start=1):
        sub: list[dict] = []
        name = builder.scenario_name(sc)
        text = [t("scenarios.file", file=sc.file, shocks=len(sc.shocks))]
        if builder.scenario_description(sc):
            text.insert(0, builder.scenario_description(sc))
        if "effective" in sc.shocks and not sc.shocks["effective"].all():
            idle = sc.shocks.loc[~sc.shocks["effective"].astype(bool), "id"]
            text.append(t("scenarios.no_effect", ids=", ".join(map(str, idle)),
                          year=int(sc.shocks["run_year"].iloc[0])))
        sub.append({"paragraphs": text})
        shocks = sc.shocks.assign(
            kind_text=[cat.get(f"shock.{k}", k) for k in sc.shocks["kind"]],
            target=[builder.shock_target(r) for r in sc.shocks.itertuples(index=False)]
            if "country" in sc.shocks else sc.shocks["target"])
        sub.append({"table": builder.table(f"scenario{k}_shocks", shocks, [
            Col("id", "shock"), Col("kind_text", "kind"), Col("target", "target_of"),
            Col("size", "size", "pct"), Col("probability", "probability", "pct")],
            title=t("table.shocks", name=name))})
        top = sc.table.loc[sc.table["loss_share"].fillna(0) >= 0.005]  # a visible loss
        if len(sc.losses) and len(top):
            keep = list(top.sort_values("mean_loss_share", ascending=False,
                                        kind="stable")["commodity"].head(5))
            frame = sc.losses.loc[sc.losses["commodity"].isin(keep)].copy()
            frame["label"] = [builder.loc.commodity(v) for v in frame["commodity"]]
            sub.append({"figure": builder.figure(
                fg.loss_distribution_chart, t("fig.loss.alt"),
                t("fig.loss.caption", importer=builder.importer_name(),
                  draws=cat.num(data.params.get("draws")), name=name),
                builder.sources("trade", "production", "geo", "scrisk"),
                losses=frame[["label", "loss"]])})
        sub.append({"table": builder.table(f"scenario{k}_results", sc.table, [
            Col("commodity", "commodity", "commodity"), Col("stage", "stage", "stage"),
            Col("supply_t", "supply_t", "tonnes"), Col("unit", "unit"),
            Col("loss_share", "loss_all", "pct"),
            Col("mean_loss_share", "loss_mean", "pct"),
            Col("p95_loss_share", "loss_p95", "pct"),
            Col("prob_loss", "prob_loss", "pct")],
            title=t("table.scenario_results", name=name),
            note=t("table.scenario_note", draws=cat.num(data.params.get("draws")),
                   seed=data.params.get("seed")))})
        subsections.append({"id": f"scenario-{k}", "title": name, "blocks": sub})
    return {"id": "scenarios", "title": t("section.scenarios"), "blocks": blocks,
            "subsections": subsections}
