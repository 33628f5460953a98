"""Labels of the command line in English and Japanese: columns, units, titles, values.

Each known column has a unit kind (how its numbers are written, see
:mod:`scrisk.cli.output`), an English and a Japanese label. A column that
is not listed here is shown under its own name, with the unit kind guessed
from its suffix (``_t`` tonnes, ``_share`` a fraction shown in %, ...).

Adding a column: one line in :data:`COLUMNS`. Adding a title: one entry
in :data:`TITLE_PHRASES` (titles are translated phrase by phrase, so that
the codes, years and numbers inside a title stay as they are).
"""

from __future__ import annotations

LANGS = ("en", "ja")

# unit kind -> unit shown in the header (en, ja); "" shows no unit
UNITS: dict[str, tuple[str, str]] = {
    "t": ("t", "t"),
    "share": ("%", "%"),
    "share_auto": ("", ""),
    "pct": ("%", "%"),
    "pp": ("pp", "ポイント"),
    "kusd": ("kUSD", "千ドル"),
    "oku": ("oku yen", "億円"),
    "myen_t": ("M yen/t", "百万円/t"),
    "usd_kg": ("USD/kg", "ドル/kg"),
    "months": ("months", "か月"),
    "gwh": ("GWh", "GWh"),
    "s": ("s", "秒"),
}

# column -> (unit kind, English label, Japanese label)
COLUMNS: dict[str, tuple[str, str, str]] = {
    # keys and names
    "rank": ("int", "Rank", "順位"),
    "actor": ("id", "Country, lane or facility", "国・航路・施設"),
    "table": ("text", "Table", "表"),
    "files": ("text", "Files", "ファイル"),
    "rows": ("int", "Rows", "行数"),
    "years": ("text", "Years", "年"),
    "commodities": ("int", "Commodities", "鉱種数"),
    "countries": ("int", "Countries", "国数"),
    "sources": ("int", "Sources", "出典数"),
    "commodity": ("text", "Commodity", "鉱種"),
    "material": ("text", "Material", "材料"),
    "battery_material": ("text", "Battery material", "電池材料"),
    "stage": ("text", "Stage", "段階"),
    "year": ("year", "Year", "年"),
    "importer": ("text", "Importer", "輸入国"),
    "exporter": ("text", "Exporter", "輸出国"),
    "iso3": ("id", "ISO3", "ISO3"),
    "country": ("text", "Country", "国"),
    "partner": ("id", "Partner", "相手国"),
    "origin": ("text", "Origin", "起源"),
    "name": ("text", "Name", "名称"),
    "kind": ("text", "Kind", "種類"),
    "element": ("id", "Element", "要素"),
    "chokepoint": ("id", "Chokepoint", "チョークポイント"),
    "node": ("id", "Node", "ノード"),
    "sink": ("id", "Sink", "到達点"),
    "source": ("text", "Source", "出典・起点"),
    "target": ("share_auto", "Target", "目標・対象"),
    "scope": ("text", "Scope", "範囲"),
    "group": ("text", "Group", "グループ"),
    "groups": ("text", "Groups", "グループ"),
    "owner": ("text", "Owner", "所有者"),
    "owner_iso3": ("id", "Owner country", "所有者の国"),
    "project_id": ("id", "Project", "案件ID"),
    "facility_id": ("id", "Facility", "施設ID"),
    "id": ("id", "Id", "ID"),
    "scenario": ("text", "Scenario", "シナリオ"),
    "unit": ("text", "Unit", "単位"),
    "status": ("text", "Status", "状態"),
    "met": ("bool", "Met", "達成"),
    "effective": ("bool", "Effective", "有効"),
    "top_partner": ("id", "Top partner", "最大相手国"),
    "top1_iso3": ("id", "Top country", "最大国"),
    "top_before": ("id", "Top before", "最大国（前）"),
    "top_after": ("id", "Top after", "最大国（後）"),
    "file": ("text", "File", "ファイル"),
    "row": ("int", "Row", "行"),
    "column": ("text", "Column", "列"),
    "value": ("text", "Value", "値"),
    "expected": ("text", "Expected", "期待値"),
    "headline": ("bool", "Headline", "主要段階"),
    "edges": ("int", "Edges", "辺数"),
    "n_countries": ("int", "Countries", "国数"),
    "countries_after": ("int", "Countries after", "国数（後）"),
    "online_year": ("year", "Online", "稼働年"),
    "years_to_target": ("int", "Years to target", "目標年までの年数"),
    # tonnes
    "quantity_t": ("t", "Quantity", "数量"),
    "contained_t": ("t", "Contained", "含有量"),
    "gross_t": ("t", "Gross", "総重量"),
    "direct_t": ("t", "Direct", "直接"),
    "lookthrough_t": ("t", "Look-through", "遡及"),
    "mined_t": ("t", "Mined", "採掘起源"),
    "imports_t": ("t", "Imports", "輸入"),
    "exports_t": ("t", "Exports", "輸出"),
    "production": ("t", "Production", "生産"),
    "domestic_production_t": ("t", "Domestic production", "国内生産"),
    "supply_t": ("t", "Supply", "供給"),
    "after_t": ("t", "After", "途絶後"),
    "before_t": ("t", "Before", "途絶前"),
    "loss_t": ("t", "Loss", "損失"),
    "substituted_t": ("t", "Substituted", "代替"),
    "mean_loss_t": ("t", "Mean loss", "平均損失"),
    "p50_loss_t": ("t", "Median loss", "損失中央値"),
    "p95_loss_t": ("t", "Loss p95", "損失95%点"),
    "p99_loss_t": ("t", "Loss p99", "損失99%点"),
    "need_t": ("t", "Need", "必要量"),
    "need_after_t": ("t", "Need after", "必要量（後）"),
    "secured_t": ("t", "Secured", "確保量"),
    "secured_after_t": ("t", "Secured after", "確保量（後）"),
    "equity_t": ("t", "Equity", "権益量"),
    "equity_after_t": ("t", "Equity after", "権益量（後）"),
    "procured_t": ("t", "Procured", "調達量"),
    "recycling_t": ("t", "Recycling", "リサイクル"),
    "demand_t": ("t", "Demand", "需要"),
    "demand_after_t": ("t", "Demand after", "需要（後）"),
    "attributable_t": ("t", "Attributable", "持分生産量"),
    "annual_output_t": ("t", "Annual output", "年産"),
    "required_t": ("t", "Required", "必要量"),
    "achieved_t": ("t", "Achieved", "達成量"),
    "shortfall_t": ("t", "Shortfall", "不足量"),
    "max_flow_t": ("t", "Max flow", "最大フロー"),
    "capacity_t": ("t", "Capacity", "容量"),
    "output_t": ("t", "Output", "生産量"),
    # shares (fractions shown in %)
    "share": ("share", "Share", "シェア"),
    "direct_share": ("share", "Direct share", "直接シェア"),
    "lookthrough_share": ("share", "Look-through share", "遡及シェア"),
    "mined_share": ("share", "Mined share", "採掘シェア"),
    "loss_share": ("share", "Loss share", "損失率"),
    "import_share": ("share", "Import share", "輸入シェア"),
    "supply_share": ("share", "Supply share", "供給シェア"),
    "top_share": ("share", "Top share", "最大シェア"),
    "top1_share": ("share", "Top-1 share", "首位シェア"),
    "top3_share": ("share", "Top-3 share", "上位3か国シェア"),
    "top_share_before": ("share", "Top share before", "最大シェア（前）"),
    "top_share_after": ("share", "Top share after", "最大シェア（後）"),
    "net_import_reliance": ("share", "Net import reliance", "純輸入依存度"),
    "import_reliance": ("share", "Import reliance", "輸入依存度"),
    "eol_rir": ("share", "Recycling input rate", "リサイクル投入率"),
    "mean_loss_share": ("share", "Mean loss", "平均損失率"),
    "p50_loss_share": ("share", "Median loss", "損失率中央値"),
    "p95_loss_share": ("share", "Loss p95", "損失率95%点"),
    "p99_loss_share": ("share", "Loss p99", "損失率99%点"),
    "prob_loss": ("share", "P(loss)", "損失確率"),
    "prob_below": ("share", "P(below)", "下回る確率"),
    "probability": ("share", "Probability", "発生確率"),
    "sampled_share": ("share", "Sampled", "発生割合"),
    "size": ("share", "Size", "規模"),
    "effective_size": ("share", "Effective size", "実効規模"),
    "coverage": ("share", "Coverage", "充足率"),
    "coverage_after": ("share", "Coverage after", "充足率（後）"),
    "mean_coverage": ("share", "Mean coverage", "平均充足率"),
    "p05_coverage": ("share", "Coverage p5", "充足率5%点"),
    "ratio": ("share", "Ratio", "自給率"),
    "ratio_after": ("share", "Ratio after", "自給率（後）"),
    "ratio_procured": ("share", "Ratio (procured)", "自給率（調達ベース）"),
    "reported_ratio": ("share", "Reported ratio", "公表自給率"),
    "gap_to_target": ("share", "Gap to target", "目標との差"),
    "threshold": ("share_auto", "Threshold", "閾値"),
    "stake": ("share", "Stake", "出資比率"),
    "stake_fraction": ("share", "Of offered stake", "提示出資比率に対する割合"),
    "stake_offered": ("share", "Stake offered", "提示出資比率"),
    "success_probability": ("share", "Success probability", "成功確率"),
    "gap": ("share", "Gap", "ギャップ"),
    "achieved": ("pct", "Achieved", "達成"),
    "baseline": ("pct", "Baseline", "基準"),
    "shortfall": ("pp", "Shortfall", "不足"),
    "demand_factor": ("num", "Demand factor", "需要係数"),
    # indices (4-decimal fractions)
    "hhi": ("frac4", "HHI", "HHI"),
    "hhi_before": ("frac4", "HHI before", "HHI（前）"),
    "hhi_after": ("frac4", "HHI after", "HHI（後）"),
    "hhi_change": ("frac4", "HHI change", "HHI変化"),
    "mean_hhi": ("frac4", "Mean HHI", "平均HHI"),
    "gov_hhi": ("frac4", "Governance HHI", "ガバナンス加重HHI"),
    "effective_suppliers": ("num", "Effective suppliers", "実効供給国数"),
    "import_risk": ("frac4", "Import risk", "輸入リスク"),
    "score": ("frac4", "Score", "スコア"),
    "characterization_factor": ("frac4", "Characterisation factor", "特性化係数"),
    "betweenness": ("frac4", "Betweenness", "媒介中心性"),
    "wgi": ("frac4", "WGI", "WGI"),
    "country_risk": ("frac4", "Country risk", "カントリーリスク"),
    "supply_risk": ("frac4", "Supply risk", "供給リスク"),
    "economic_importance": ("frac4", "Economic importance", "経済的重要性"),
    "ghhi_world": ("frac4", "GHHI world", "GHHI（世界）"),
    "ghhi_sourcing": ("frac4", "GHHI sourcing", "GHHI（調達）"),
    "s_ssr": ("frac4", "Part: self-sufficiency", "部分点：自給率"),
    "s_battery": ("frac4", "Part: battery", "部分点：電池"),
    "s_diversification": ("frac4", "Part: diversification", "部分点：分散"),
    "s_country_risk": ("frac4", "Part: country risk", "部分点：カントリーリスク"),
    "s_cost": ("frac4", "Part: cost", "部分点：費用"),
    "s_success": ("frac4", "Part: success", "部分点：成功確率"),
    "s_timing": ("frac4", "Part: timing", "部分点：時期"),
    # money, points, other units
    "value_kusd": ("kusd", "Value", "金額"),
    "import_value_kusd": ("kusd", "Import value", "輸入額"),
    "price_usd_per_kg": ("usd_kg", "Price", "価格"),
    "cost_oku_yen": ("oku", "Cost", "費用"),
    "spend_oku_yen": ("oku", "Spend", "支出"),
    "budget_oku_yen": ("oku", "Budget", "予算"),
    "objective_spend_oku_yen": ("oku", "Objective spend", "目的関数上の支出"),
    "cost_myen_per_t": ("myen_t", "Cost per tonne", "トン当たり費用"),
    "ssr_pp": ("pp", "Self-sufficiency gain", "自給率の上昇"),
    "ssr_metal_pp": ("pp", "Metal self-sufficiency gain", "鉱種別自給率の上昇"),
    "battery_pp": ("pp", "Battery coverage gain", "電池充足率の上昇"),
    "total_shortfall_pp": ("pp", "Total shortfall", "不足合計"),
    "weighted_shortfall_pp": ("pp", "Weighted shortfall", "加重不足"),
    "diversification_penalty": ("num", "Diversification penalty", "分散ペナルティ"),
    "duration_months": ("months", "Duration", "期間"),
    "solve_time_s": ("s", "Solve time", "求解時間"),
    "worst_case_achieved": ("pct", "Worst case achieved", "最悪時の達成"),
    "robust_shortfall": ("pp", "Robust shortfall", "頑健不足"),
    "commodities_hit": ("int", "Commodities hit", "影響鉱種数"),
    "max_loss_share": ("share", "Largest loss share", "最大損失率"),
    "commodity_list": ("text", "Commodities (loss share)", "鉱種（損失率）"),
    # optimisation: envelopes, target costs
    "envelope": ("text", "Envelope", "予算枠"),
    "left_oku_yen": ("oku", "Left", "残額"),
    "envelope_oku_yen": ("oku", "Envelope", "予算枠"),
    "cost_to_reach_oku_yen": ("oku", "Cost to reach", "達成に必要な費用"),
    "cost_myen_per_t_low": ("myen_t", "Cost per tonne, low", "トン当たり費用（下限）"),
    "cost_myen_per_t_high": ("myen_t", "Cost per tonne, high", "トン当たり費用（上限）"),
    "needed_t": ("t", "Needed", "必要量"),
    "available_t": ("t", "Available", "確保可能量"),
    "late_t": ("t", "Online too late", "目標年に間に合わない量"),
    "max_achievable": ("pct", "Max achievable", "達成可能な上限"),
    "reachable": ("bool", "Reachable", "達成可能"),
    "reason": ("text", "Reason", "理由"),
    "tonnes_unit": ("text", "Unit", "単位"),
    "measure": ("text", "Measure", "指標"),
    "time_s": ("s", "Time", "時間"),
    "objective": ("num", "Objective", "目的関数"),
    "bound": ("num", "Bound", "限界値"),
    # trade repair
    "hs6": ("id", "HS6", "HS6"),
    "reported_t": ("t", "Reported", "報告値"),
    "repaired_t": ("t", "Repaired", "修正値"),
    "quantity_t_reported": ("t", "Reported", "報告値"),
    "unit_value_reported": ("num", "Unit value reported (kUSD/t)", "報告単価（千ドル/t）"),
    "unit_value_used": ("num", "Unit value used (kUSD/t)", "採用単価（千ドル/t）"),
    "rule": ("text", "Rule", "規則"),
    "repair": ("text", "Repair", "修正"),
    # self-sufficiency and its trajectory
    "basis": ("text", "Basis", "基準"),
    "demand_source": ("text", "Demand source", "需要の出典"),
    "existing_t": ("t", "Existing stakes", "既存権益"),
    "portfolio_t": ("t", "Portfolio", "新規案件"),
    "ratio_existing": ("share", "Ratio (existing)", "自給率（既存）"),
    "published": ("share", "Published", "公表値"),
    "target_year": ("year", "Target year", "目標年"),
    "gap_to_target_pp": ("pp", "Gap to target", "目標との差"),
    "note": ("text", "Note", "注記"),
    "flag": ("text", "Flags", "補完"),
    "mined": ("t", "Mined", "採掘"),
}

# Prefixes of computed column names, e.g. the frontier's ``achieved:self_sufficiency``.
COLUMN_PREFIXES: dict[str, tuple[str, str, str]] = {
    "achieved:": ("pct", "Achieved: ", "達成："),
}

# Values shown in Japanese in ``--lang ja`` tables (stages, kinds, yes/no).
VALUES_JA: dict[str, str] = {
    "mining": "採掘",
    "intermediate": "中間品",
    "refining": "精錬",
    "material": "素材",
    "metal": "地金",
    "market": "市場",
    "all": "全体",
    "mined": "採掘国",
    "untraced": "未追跡",
    "unattributed": "帰属不明",
    "ore_export": "鉱石輸出",
    "refined_export": "精錬品輸出",
    "ore_link": "鉱石の貿易経路",
    "refined_link": "精錬品の貿易経路",
    "lanes": "海上交通路",
    "facility": "施設",
    "export_ban": "輸出禁止",
    "export_quota": "輸出割当",
    "lane_closure": "航路閉鎖",
    "facility_outage": "施設停止",
    "base_metals": "ベースメタル計",
    "procured": "調達ベース",
    "entitlement": "権益ベース",
    "export": "輸出",
    "estimate": "推計",
    "reported": "報告値",
    "OPTIMAL": "最適",
    "FEASIBLE": "実行可能",
    "INFEASIBLE": "実行不能",
    "(no chokepoint)": "（チョークポイントなし）",
    "(unrouted)": "（経路不明）",
}

YES_NO = {"en": ("yes", "no"), "ja": ("はい", "いいえ")}

# English phrases of titles -> Japanese; longest first when applied.
TITLE_PHRASES: dict[str, str] = {
    "scrisk dataset": "scrisk データセット",
    "Sources cited": "出典",
    "problem(s) found": "件の問題",
    "Supply concentration": "供給集中度",
    "Owners of": "所有者：",
    "operating; latest output held": "稼働中、最新の生産量",
    "shocks": "ショック",
    "facilities": "施設",
    "coverage of world output": "世界生産に占める割合",
    "Import dependency": "輸入依存度",
    "Imports from country groups": "国グループからの輸入",
    "Import partners": "輸入相手国",
    "GeoPolRisk": "GeoPolRisk（地政学的供給リスク）",
    "Direct vs look-through exposure": "直接輸入と遡及（採掘起源）エクスポージャー",
    "Self-sufficiency ratio": "自給率",
    "Self-sufficiency trajectory": "自給率の推移",
    "Self-sufficiency": "自給率",
    "latest year with demand data; give --year for another": "需要データのある最新年、他の年は --year で指定",
    "basis:": "基準：",
    "stage,": "段階,",
    "all stage": "全段階",
    " stage": " 段階",
    "existing stakes only": "既存権益のみ",
    "Trade quantities repaired": "修正した貿易数量",
    "t gross; unit values in kUSD/t": "総重量t、単価は千ドル/t",
    "BACI import": "BACI取り込み",
    "Battery needs for": "電池生産に必要な材料：",
    "secured supply: facilities' latest output": "確保量：施設の最新の生産量",
    "supply": "供給",
    "Criticality (supply risk x economic importance)": "重要度（供給リスク×経済的重要性）",
    "Chokepoints across commodities": "鉱種横断のチョークポイント",
    "Elements across commodities": "鉱種横断の要素別集計",
    "Supply lost if each element were lost": "各要素を失った場合の供給損失",
    "Sea-lane chokepoints": "海上交通路のチョークポイント",
    "Single points of failure": "単一障害点",
    "Weighted betweenness, mines to importer": "加重媒介中心性（鉱山から輸入国まで）",
    "Minimum cut between world mine production and the importer": "世界の鉱山生産と輸入国の間の最小カット",
    "Edges of the minimum cuts": "最小カットの辺",
    "Supply after the shocks": "ショック後の供給",
    "Loss by mine origin": "採掘起源別の損失",
    "Self-sufficiency (base metals)": "自給率（ベースメタル）",
    "Battery coverage below": "電池充足率が次を下回る確率：",
    "Battery coverage": "電池材料の充足率",
    "Shocks sampled": "抽出されたショック",
    "Shocks": "ショック",
    "Supply loss distribution": "供給損失の分布",
    "Candidate projects ranked for": "候補案件の順位：目標年",
    "score 0-100": "スコア 0-100",
    "Projects to back": "支援する案件",
    "Targets by": "目標（年）",
    "% of demand or need; shortfall in pp": "需要・必要量に対する%、不足はポイント",
    "Secured supply by country: HHI before and after": "確保量の国別集中度：前後のHHI",
    "Budget vs targets and diversification": "予算と目標達成・分散の関係",
    "vs targets and diversification": "と目標達成・分散の関係",
    "envelope": "予算枠",
    "Budget envelopes": "予算枠",
    "oku-yen": "億円",
    "What reaching each target would cost at the candidates' cost per tonne": "各目標の達成に必要な費用（候補案件のトン当たり費用で計算）",
    "fractional stakes: a lower bound": "出資比率を連続とした下限値",
    "Budget": "予算",
    "top": "上位",
    "ranked by": "順位：",
    "loss share": "損失率",
    "loss in tonnes": "損失量",
    "runs": "回",
    "seed": "乱数シード",
    "share >": "シェア >",
    "all stages": "全段階",
}

# Short messages printed by the CLI itself.
MESSAGES: dict[str, tuple[str, str]] = {
    "none": ("none", "該当なし"),
    "wrote": ("wrote", "出力しました"),
    "note": ("note", "注記"),
    "tables": ("table(s)", "表"),
}


def message(key: str, lang: str = "en") -> str:
    """A short CLI message in the given language.

    Examples
    --------
    >>> message("none", "ja")
    '該当なし'
    """
    en, ja = MESSAGES[key]
    return ja if lang == "ja" else en


def translate_title(title: str, lang: str = "en") -> str:
    """Translate the known English phrases of a title, leaving codes and numbers.

    Examples
    --------
    >>> translate_title("Import partners (JPN, copper, 2024)", "ja")
    '輸入相手国 (JPN, copper, 2024)'
    >>> translate_title("Import partners", "en")
    'Import partners'
    """
    if lang != "ja" or not title:
        return title
    import re

    out = title
    for phrase in sorted(TITLE_PHRASES, key=len, reverse=True):
        if phrase in out:
            # whole words only, so that "top" does not hit "stop"
            out = re.sub(rf"(?<![A-Za-z-]){re.escape(phrase)}(?![A-Za-z])",
                         TITLE_PHRASES[phrase].replace("\\", r"\\"), out)
    return out
