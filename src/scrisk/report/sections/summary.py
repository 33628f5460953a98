"""Executive summary: the decision page (findings, targets, portfolio, risks, caveats).

It presents numbers computed by :mod:`scrisk.metrics.summary` (findings,
target path, disruption ranking), :mod:`scrisk.metrics.self_sufficiency`,
:mod:`scrisk.metrics.battery` and :mod:`scrisk.optimize` (through
:class:`~scrisk.report.tables.ReportData`); it only chooses words for them.
A change smaller than :data:`FLAT` is written as "about the same", and a
portfolio that does not move a ratio says so instead of "raises".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrisk.metrics.summary import shortfall
from scrisk.report import figures as fg
from scrisk.report.exposure import origin_gaps

FLAT = 0.005  # half a percentage point: below this a ratio or share "does not move"


def _present(value) -> bool:
    return value is not None and value is not pd.NA and not (
        isinstance(value, float | np.floating) and np.isnan(value))


def _trend_key(prefix: str, change) -> str:
    if not _present(change) or abs(float(change)) < FLAT:
        return f"{prefix}_flat"
    return f"{prefix}_up" if change > 0 else f"{prefix}_down"


def _concentration_key(row) -> str:
    """The sentence of a concentration finding: no comparison when it has no earlier year."""
    if not _present(row.first_year) or int(row.first_year) >= int(row.year):
        return "exec.conc_single"
    return _trend_key("exec.conc", row.change)


def _in_sentence(builder, name: str) -> str:
    """A commodity or material name inside an English sentence is written in lower case."""
    return name[:1].lower() + name[1:] if builder.lang == "en" else name


def finding_text(builder, row) -> str:
    """One finding of :func:`scrisk.metrics.summary.key_findings` as a sentence."""
    cat, t, loc, data = builder.cat, builder.t, builder.loc, builder.data
    if row.kind == "self_sufficiency":
        return t(_trend_key("exec.ssr", row.change), value=cat.pct(row.value), year=row.year,
                 first=cat.pct(row.first_value), first_year=row.first_year,
                 reference=cat.pct(row.reference),
                 reference_year=row.reference_year if _present(row.reference_year) else "",
                 target=cat.pct(row.target), target_year=row.target_year or "")
    if row.kind == "battery":
        material = _in_sentence(builder, cat.get(f"material.{row.commodity}", row.commodity))
        key = "exec.battery_some" if row.value >= FLAT else "exec.battery_none"
        return t(key, gwh=cat.num(data.gwh), material=material, value=cat.pct(row.value),
                 target_year=data.params.get("target_year"))
    stage = t(f"stage.{row.stage}")
    if builder.lang == "en":
        stage = stage.lower()
    return t(_concentration_key(row), country=loc.country(row.iso3),
             value=cat.pct(row.value), stage=stage,
             commodity=_in_sentence(builder, loc.commodity(row.commodity)),
             year=row.year, first=cat.pct(row.first_value), first_year=row.first_year)


def summary_section(builder) -> dict[str, object]:
    """The executive summary's section dictionary (blocks for the template)."""
    from scrisk.report.render import Col

    data, t, cat = builder.data, builder.t, builder.cat
    importer = builder.importer_name()
    first_year = (int(data.trend["year"].min()) if len(data.trend)
                  else (data.years[0] if data.years else data.year))
    blocks: list[dict] = [{"paragraphs": [t("exec.lead", importer=importer, year=data.year,
                                            first_year=first_year)]}]
    findings = [finding_text(builder, r) for r in data.findings.itertuples(index=False)]
    blocks.append({"heading": t("exec.findings"), "list": findings, "ordered": True})

    # targets vs status, and the path to the self-sufficiency target
    blocks.append({"heading": t("exec.targets")})
    blocks.append({"table": builder.table("targets", target_rows(builder), [
        Col("target", "target_name"), Col("current", "current", "pct"),
        Col("basis", "basis"), Col("required", "required", "pct"),
        Col("year", "target_year", "year"), Col("gap", "gap", "pp")],
        title=t("table.targets"))})
    path = data.ssr_path
    if len(path) > 1:
        step = float(path["required"].iloc[1] - path["required"].iloc[0])
        paragraphs = [t("exec.path", target=cat.pct(data.ssr_target),
                                        target_year=data.ssr_target_year,
                                        start=cat.pct(path["required"].iloc[0]),
                                        start_year=int(path["year"].iloc[0]),
                                        step=cat.pp(step, 1))]
        traj = data.trajectory
        if len(traj):
            last = traj.sort_values("year").iloc[-1]
            key = ("exec.trajectory_up" if last["ratio"] - last["ratio_existing"] >= FLAT / 10
                   else "exec.trajectory_same")
            paragraphs.append(t(key, year=int(last["year"]),
                                existing=cat.pct(last["ratio_existing"], 1),
                                with_portfolio=cat.pct(last["ratio"], 1),
                                target=cat.pct(data.ssr_target)))
        blocks.append({"paragraphs": paragraphs})
        ss = data.self_sufficiency
        base = ss.loc[ss["commodity"] == "base_metals"] if len(ss) else ss
        blocks.append({"figure": builder.figure(
            fg.target_path_chart, t("fig.ssr.alt"),
            t("fig.ssr.caption", importer=importer),
            builder.sources("consumption", "suppliers"), path=path, estimates=base,
            reported=data.ssr_reported, target=data.ssr_target,
            target_year=data.ssr_target_year, small=True,
            trajectory=data.trajectory if len(data.trajectory) else None)})

    # the needs path of the policy demand path and its coverage gap
    blocks.extend(demand_blocks(builder))

    # the portfolio: cost and effect
    blocks.append({"heading": t("exec.portfolio"), "paragraphs": [portfolio_text(builder)]})

    # disruption risks weighted by value at risk
    blocks.append({"heading": t("exec.risks")})
    risks = data.disruptions
    if risks is not None and len(risks):
        names = [builder.scenario_name(data.scenarios[int(k)]) for k in risks["scenario"]]
        frame = risks.assign(name=names, import_musd=risks["import_value_kusd"] / 1000.0,
                             risk_musd=risks["value_at_risk_kusd"] / 1000.0)
        blocks.append({"table": builder.table("top_risks", frame, [
            Col("name", "scenario_name"), Col("commodity", "commodity", "commodity"),
            Col("loss_share", "loss_all", "pct"), Col("p95_loss_share", "loss_p95", "pct"),
            Col("import_musd", "import_musd", "num1"), Col("risk_musd", "risk_musd", "num1")],
            title=t("exec.risks"), note=t("exec.risks_note", year=data.year))})
    else:
        blocks.append({"paragraphs": [t("exec.risks_none")]})

    blocks.append({"heading": t("exec.caveats"), "list": caveats(builder)})
    return {"id": "summary", "title": t("section.summary"), "blocks": blocks,
            "class": "summary"}


def target_rows(builder) -> pd.DataFrame:
    """Rows of the targets table: self-sufficiency (estimate, reported) and battery coverage."""
    data, t, cat = builder.data, builder.t, builder.cat
    rows = []
    ss = data.self_sufficiency
    base = ss.loc[ss["commodity"] == "base_metals"].sort_values("year") if len(ss) else ss
    if len(base):
        column = "ratio_procured" if "ratio_procured" in base else "ratio"
        last = base.loc[base[column].notna()].iloc[-1]
        rows.append({"target": t("target.ssr"), "current": last[column],
                     "basis": t("target.basis_estimate", year=int(last["year"])),
                     "required": data.ssr_target, "year": data.ssr_target_year,
                     "gap": shortfall(last[column], data.ssr_target)})
    if len(data.ssr_reported):
        rep = data.ssr_reported.iloc[-1]
        rows.append({"target": t("target.ssr"), "current": rep["ratio"],
                     "basis": t("target.basis_reported", year=int(rep["year"])),
                     "required": data.ssr_target, "year": data.ssr_target_year,
                     "gap": shortfall(rep["ratio"], data.ssr_target)})
    bat = data.battery
    if bat is not None and len(bat):
        scenarios = list(dict.fromkeys(bat["scenario"]))
        focus = "balanced" if "balanced" in scenarios else scenarios[0]
        for row in bat.loc[bat["scenario"] == focus].itertuples(index=False):
            rows.append({"target": t("target.battery", material=cat.get(
                f"material.{row.material}", row.material), gwh=cat.num(data.gwh)),
                "current": row.coverage,
                "basis": t("target.basis_battery", scenario=cat.get(
                    f"scenario.{row.scenario}", row.scenario)),
                "required": 1.0, "year": data.params.get("target_year"),
                "gap": shortfall(row.coverage, 1.0)})
    return pd.DataFrame(rows, columns=["target", "current", "basis", "required", "year", "gap"])


def demand_blocks(builder) -> list[dict]:
    """Heading, sentence and table of the demand path's needs (empty without them)."""
    from scrisk.report.render import Col

    data, t, cat = builder.data, builder.t, builder.cat
    table = data.demand
    if table is None or not len(table):
        return []
    attrs = table.attrs
    gwh = attrs["gwh"]
    year, (first_year, last_year) = attrs["target_year"], attrs["years"]
    head = table.iloc[0]
    name = attrs.get("path_ja") if builder.lang == "ja" and attrs.get("path_ja") else attrs["path"]
    text = t("exec.demand_text", path=name, first_year=first_year,
             first_gwh=cat.num(gwh[first_year], 1), year=year, gwh=cat.num(head["need_t"], 1),
             low=cat.num(head["need_low_t"], 1), high=cat.num(head["need_high_t"], 1),
             last_year=last_year, last_gwh=cat.num(gwh[last_year], 1),
             ratio=cat.pct(head["ratio_to_150gwh"]), domestic=cat.num(attrs["domestic_gwh"]))
    text += t("exec.demand_cover_portfolio" if attrs.get("projects") else
              "exec.demand_cover_existing", year=year)
    frame = table.assign(name=[cat.get(f"material.{m}", m) for m in table["material"]])
    return [{"heading": t("exec.demand")}, {"paragraphs": [text]},
            {"table": builder.table("demand_path", frame, [
                Col("name", "material"), Col("need_low_t", "need_low_t", "tonnes"),
                Col("need_t", "need_t", "tonnes"), Col("need_high_t", "need_high_t", "tonnes"),
                Col("covered_t", "covered_t", "tonnes"), Col("coverage", "coverage", "pct"),
                Col("gap_t", "gap_t", "tonnes"), Col("at_150gwh_t", "at_150gwh_t", "tonnes")],
                title=t("exec.demand_table", year=year), note=t("exec.demand_note"))}]


def portfolio_text(builder) -> str:
    """Cost and effect of the recommended portfolio, honest when a ratio does not move."""
    data, t, cat = builder.data, builder.t, builder.cat
    result = data.portfolio
    if result is None:
        return t("exec.portfolio_none")
    targets = pd.DataFrame(result.targets)
    common = {"n": len(result.selected), "spend": cat.num(result.spend_oku_yen),
              "budget": cat.num(data.params.get("budget_oku_yen")),
              "target_year": data.params.get("target_year")}
    if targets.empty:
        return t("exec.portfolio_same", what="-", baseline="-", **common)
    ssr = targets.loc[targets["name"].astype(str).str.startswith("self_sufficiency")]
    row = ssr.iloc[0] if len(ssr) else targets.assign(
        gain=targets["achieved"] - targets["baseline"]).sort_values(
        "gain", ascending=False, kind="stable").iloc[0]
    what = (t("target.ssr") if str(row["name"]) == "self_sufficiency:base_metals"
            else builder.loc.target_label(str(row["name"]), data.gwh))
    if builder.lang == "en":
        what = _in_sentence(builder, what)
    baseline, achieved = float(row["baseline"]) / 100, float(row["achieved"]) / 100
    if achieved - baseline >= FLAT / 10:
        return t("exec.portfolio_up", what=what, baseline=cat.pct(baseline, 1),
                 achieved=cat.pct(achieved, 1), **common)
    return t("exec.portfolio_same", what=what, baseline=cat.pct(baseline, 1), **common)


def caveats(builder) -> list[str]:
    """Caveats and data gaps, with the untraced shares of the priority commodities."""
    data, t, cat, loc = builder.data, builder.t, builder.cat, builder.loc
    out = []
    ss = data.self_sufficiency
    if len(ss):
        out.append(t("exec.caveat_demand", year=int(ss["year"].max())))
    gaps = origin_gaps(data)
    if len(gaps):
        items = builder.t("fmt.list_sep").join(
            t("exec.caveat_gap_item", commodity=loc.commodity(c), share=cat.pct(s))
            for c, s in gaps.items())
        out.append(t("exec.caveat_gaps", items=items))
    elif data.details:
        out.append(t("exec.caveat_no_gaps"))
    out.append(t("exec.caveat_network"))
    cand = builder.ds.candidates
    if "illustrative" in cand and cand["illustrative"].astype(bool).any():
        out.append(t("exec.caveat_illustrative"))
    if data.scenarios:
        out.append(t("exec.caveat_probability"))
    if data.demand is not None and len(data.demand):
        out.append(t("exec.caveat_demand_path"))
    return out
