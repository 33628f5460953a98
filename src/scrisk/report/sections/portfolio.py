"""Candidate projects, the recommended portfolio and the budget frontier.

Presents tables of :class:`~scrisk.report.tables.ReportData`; computes nothing.
"""

from __future__ import annotations

import pandas as pd

from scrisk.report import figures as fg
from scrisk.report.render import Col


def portfolio_section(builder) -> dict[str, object]:
    data, t, cat = builder.data, builder.t, builder.cat
    blocks: list[dict] = [{"paragraphs": [t("portfolio.intro",
                                            budget=cat.num(data.params.get(
                                                "budget_oku_yen")),
                                            year=data.params.get("target_year"))]}]
    if data.candidates is not None:
        cand = data.candidates
        if "illustrative" in builder.ds.candidates and builder.ds.candidates["illustrative"].any():
            blocks.append({"warning": t("portfolio.illustrative")})
        blocks.append({"table": builder.table("candidates", cand.head(20), [
            Col("rank", "rank", "int"), Col("project_id", "project_id"),
            Col("name", "name"), Col("commodity", "commodity", "commodity"),
            Col("stage", "stage", "stage"), Col("iso3", "country", "country"),
            Col("secured_t", "secured_t", "tonnes"), Col("cost_oku_yen", "cost", "num"),
            Col("online_year", "online_year", "year"), Col("score", "score", "num1")],
            title=t("table.candidates"), note=t("table.candidates_note"))})
    else:
        blocks.append({"note": builder.missing(data.status.get("candidates"))})
    result = data.portfolio
    if result is not None:
        selected = pd.DataFrame(result.selected)
        blocks.append({"table": builder.table("portfolio", selected, [
            Col("project_id", "project_id"), Col("name", "name"),
            Col("commodity", "commodity", "commodity"), Col("iso3", "country", "country"),
            Col("stake", "stake", "pct"), Col("cost_oku_yen", "cost", "num"),
            Col("secured_t", "secured_t", "tonnes"),
            Col("online_year", "online_year", "year")],
            title=t("table.portfolio", spend=cat.num(result.spend_oku_yen),
                    budget=cat.num(data.params.get("budget_oku_yen"))))})
        targets = pd.DataFrame(result.targets).copy()
        for col in ("target", "baseline", "achieved"):
            if col in targets:
                targets[col] = targets[col] / 100.0
        if "shortfall" in targets:
            targets["shortfall"] = targets["shortfall"] / 100.0
        targets["label_text"] = [_target_label(builder, n) for n in targets.get("name", [])]
        blocks.append({"table": builder.table("portfolio_targets", targets, [
            Col("label_text", "target_name"), Col("baseline", "baseline", "pct"),
            Col("achieved", "achieved", "pct"), Col("target", "required", "pct"),
            Col("shortfall", "gap", "pp"), Col("met", "met", "bool")],
            title=t("table.portfolio_targets"))})
        blocks.append({"details": t("portfolio.solver"), "closed": True,
                       "table": builder.table("portfolio_summary", result.summary, [
                           Col("measure", "measure"), Col("value", "value", "sig"),
                           Col("unit", "unit")], title=t("table.portfolio_summary"))})
    else:
        blocks.append({"note": builder.missing(data.status.get("portfolio"))})
    frontier = data.frontier
    if frontier is not None and len(frontier):
        progress = [c for c in frontier.columns if c.startswith("progress:")]
        if progress:
            long = frontier.melt(id_vars=["budget_oku_yen"], value_vars=progress,
                                 var_name="target", value_name="progress")
            long["target"] = long["target"].str.removeprefix("progress:")
            labels = {n: _target_label(builder, n) for n in long["target"].unique()}
            blocks.append({"figure": builder.figure(
                fg.budget_frontier_chart, t("fig.frontier.alt"), t("fig.frontier.caption"),
                builder.sources("suppliers", "consumption", "scrisk"), frontier=long,
                labels=labels)})
        cols = [Col("budget_oku_yen", "budget", "num"), Col("spend_oku_yen", "spend", "num")]
        cols += [Col(c, f"achieved_of:{c.removeprefix('achieved:')}", "num1")
                 for c in frontier.columns if c.startswith("achieved:")]
        cols += [Col("total_shortfall_pp", "total_shortfall", "num1"),
                 Col("mean_hhi", "mean_hhi", "sig"), Col("status", "status")]
        blocks.append({"table": builder.table("frontier", frontier, cols,
                                           title=t("table.frontier"))})
    else:
        blocks.append({"note": builder.missing(data.status.get("frontier"))})
    return {"id": "portfolio", "title": t("section.portfolio"), "blocks": blocks}

def _target_label(builder, name: str) -> str:
    return builder.loc.target_label(name, builder.data.gwh)
