"""`scrisk score` and `scrisk optimize`: rank candidate projects, choose a portfolio."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from scrisk.cli import (
    CountryImporterOption,
    DataOption,
    FormatOption,
    OutputFormat,
    app,
    emit,
    load,
    table_command,
)
from scrisk.cli.options import MAX_FRONTIER_POINTS
from scrisk.exceptions import DataValidationError


def _candidates_size(value: Path | None) -> Path | None:
    """Refuse an oversized candidates file while parsing, before any data is loaded."""
    if value is not None and Path(value).is_file():
        from scrisk.optimize.problem import check_candidates_size

        check_candidates_size(value)
    return value


CandidatesOption = Annotated[
    Path | None,
    typer.Option("--candidates", help="CSV of candidate projects (columns of "
                 "suppliers/candidates.csv); replaces the shipped list.",
                 callback=_candidates_size),
]
BatteryGwhOption = Annotated[float, typer.Option(
    "--battery-gwh", help="Domestic cell production to supply, GWh/yr (0: no battery targets).")]
BatteryScenarioOption = Annotated[str, typer.Option(
    "--battery-scenario", help="Chemistry-mix scenario of battery_scenarios.csv.")]
GrowthOption = Annotated[float, typer.Option(
    "--demand-growth", help="Yearly growth of base-metal demand to the target year (0.01 = 1 %).")]
ImporterOption = CountryImporterOption


class RobustMode(StrEnum):
    """Robust shortfall measure over disruption scenarios."""

    worst = "worst"
    cvar = "cvar"


class Objective(StrEnum):
    """Objective of the optimisation."""

    lexicographic = "lexicographic"
    weighted = "weighted"


class SsrMode(StrEnum):
    """Self-sufficiency target on the base metals together, per metal, both or none."""

    aggregate = "aggregate"
    per_metal = "per_metal"
    both = "both"
    none = "none"


def _dataset(data: Path | None, candidates: Path | None):
    if data is not None:  # candidates from the --data folder: refused before loading too
        from scrisk.optimize.problem import check_candidates_size

        for name in ("candidates.csv", "candidates.extra.csv"):
            if (Path(data) / "suppliers" / name).is_file():
                check_candidates_size(Path(data) / "suppliers" / name)
    if candidates is None:
        return load(data)
    from scrisk.cli import check_data_folder
    from scrisk.optimize.problem import dataset_with_candidates

    if problems := check_data_folder(data):
        raise DataValidationError(problems)
    return dataset_with_candidates(candidates, data)


def _pairs(items: list[str] | None, option: str) -> dict[str, float]:
    from scrisk.cli.options import parse_pairs

    return parse_pairs(items, option)


def _levels(text: str) -> tuple[float, ...]:
    from scrisk.cli.options import parse_numbers

    return parse_numbers(text, "--stake-levels")


@app.command("score")
@table_command
def score_cmd(
    candidates: CandidatesOption = None,
    year: Annotated[int, typer.Option("--year", help="Target year.")] = 2030,
    explain: Annotated[str | None, typer.Option(
        "--explain", help="Print how the score of one project was made.")] = None,
    weight: Annotated[list[str] | None, typer.Option(
        "--weight", help="Weight of a part, e.g. --weight cost=0.2 (repeatable); parts: ssr, "
        "battery, diversification, country_risk, cost, success, timing.")] = None,
    top: Annotated[int | None, typer.Option("--top", help="Show the best N only.")] = None,
    all_columns: Annotated[bool, typer.Option(
        "--all-columns", help="Show raw parts as well as part scores.")] = False,
    battery_gwh: BatteryGwhOption = 150.0,
    battery_scenario: BatteryScenarioOption = "balanced",
    demand_growth: GrowthOption = 0.0,
    importer: ImporterOption = "JPN",
    data: DataOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Rank candidate projects with one column per part of the score."""
    from scrisk.optimize.scoring import score_candidates

    weights = _pairs(weight, "--weight")  # option mistakes before the minutes of loading
    ds = _dataset(data, candidates)
    scores = score_candidates(ds, year, weights=weights, iso3=importer,
                              battery_gwh=battery_gwh or None, battery_scenario=battery_scenario,
                              demand_growth=demand_growth)
    if explain is not None:
        text = scores.explain(explain)
        if fmt is OutputFormat.json:
            row = scores.table.loc[scores.table["project_id"] == explain]
            emit(row, fmt, json_payload={"explanation": text, "row": _records(row)[0]})
        else:
            typer.echo(text)
        return
    table = scores.table if (all_columns or fmt is not OutputFormat.table) else _score_view(
        scores.table)
    if top is not None:
        table = table.head(max(0, top))
    emit(table, fmt, title=f"Candidate projects ranked for {year} (score 0-100)")


def _score_view(table):
    cols = ["rank", "project_id", "commodity", "iso3", "ssr_pp", "battery_pp", "hhi_change",
            "country_risk", "cost_myen_per_t", "success_probability", "years_to_target", "score"]
    return table[cols]


def _records(frame) -> list[dict]:
    import json

    return json.loads(frame.to_json(orient="records", force_ascii=False))


@app.command("optimize")
@table_command
def optimize_cmd(
    budget: Annotated[list[str] | None, typer.Option(
        "--budget", help="Budget envelope in oku-yen (100 million yen): AMOUNT for one "
        "envelope over every commodity, or SCOPE=AMOUNT limited to a group (base_metals, "
        "battery, rare_metal) or commodities (copper+zinc); repeatable. Default: the envelopes "
        "of policy_targets.csv (FY2024 supplementary budget: base_metals=1597).")] = None,
    commodity: Annotated[list[str] | None, typer.Option(
        "--commodity", help="Consider only candidates of this commodity (repeatable).")] = None,
    target_year: Annotated[int, typer.Option("--target-year", help="Target year.")] = 2030,
    candidates: CandidatesOption = None,
    max_country_share: Annotated[float | None, typer.Option(
        "--max-country-share", help="Cap on any one country's share of secured supply of a "
        "commodity, e.g. 0.35.")] = None,
    exclude_group: Annotated[list[str] | None, typer.Option(
        "--exclude-group", help="Country group to exclude, e.g. concern (repeatable).")] = None,
    group_penalty: Annotated[list[str] | None, typer.Option(
        "--group-penalty", help="Cost surcharge in the objective for a group, e.g. "
        "concern=0.5 (repeatable).")] = None,
    robust: Annotated[bool, typer.Option(
        "--robust", help="Keep targets under the disruption scenarios.")] = False,
    robust_mode: Annotated[RobustMode, typer.Option(
        "--robust-mode", help="Worst case or CVaR (weighted by the shocks' probabilities) "
        "over the scenarios.")] = RobustMode.worst,
    cvar_alpha: Annotated[float, typer.Option("--cvar-alpha", help="CVaR level.")] = 0.8,
    scenarios: Annotated[Path | None, typer.Option(
        "--scenarios", help="Scenario TOML file or folder (default: scenarios/).")] = None,
    objective: Annotated[Objective, typer.Option(
        "--objective", help="lexicographic (targets, cost, diversification) or weighted.")
    ] = Objective.lexicographic,
    weight: Annotated[list[str] | None, typer.Option(
        "--weight", help="Weighted objective: targets=1000, cost=1, diversification=10 "
        "(per pp, per oku-yen, per pp-HHI; repeatable).")] = None,
    stake_levels: Annotated[str, typer.Option(
        "--stake-levels", help="Stake levels as fractions of the offered stake.")
    ] = "0.25,0.5,0.75,1",
    continuous: Annotated[bool, typer.Option(
        "--continuous", help="Any stake up to the offer, in 1 % steps.")] = False,
    annual_budget: Annotated[float | None, typer.Option(
        "--annual-budget", help="Spend limit per year, oku-yen.")] = None,
    start_year: Annotated[int, typer.Option("--start-year", help="First year of spending.")
                          ] = 2025,
    ssr_target: Annotated[float | None, typer.Option(
        "--ssr-target", help="Base-metal self-sufficiency target ratio (default 0.8 from "
        "policy_targets.csv).")] = None,
    ssr_mode: Annotated[SsrMode, typer.Option(
        "--ssr-mode", help="Self-sufficiency target on the base metals together, per metal, "
        "both or none.")] = SsrMode.aggregate,
    metal: Annotated[list[str] | None, typer.Option(
        "--metal", help="Base metal to include in self-sufficiency (repeatable).")] = None,
    ssr_basis: Annotated[str | None, typer.Option(
        "--ssr-basis", help="How existing stakes count: procured (share reaching the importer, "
        "close to the official ratio) or entitlement (full equity/offtake share); default "
        "the basis shared with the report.")] = None,
    battery_gwh: BatteryGwhOption = 150.0,
    battery_scenario: BatteryScenarioOption = "balanced",
    battery_target: Annotated[float, typer.Option(
        "--battery-target", help="Required secured share of each battery material's need.")
    ] = 1.0,
    demand_path: Annotated[Path | None, typer.Option(
        "--demand-path", help="Demand-path TOML file (paths/policy_2035.toml): the battery "
        "targets are its needs in the target year, instead of --battery-gwh.")] = None,
    demand_growth: GrowthOption = 0.0,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="Bound on the whole solve, s; without a solution in time the "
        "greedy portfolio is returned, labelled greedy_fallback.")] = 30.0,
    workers: Annotated[int, typer.Option(
        "--workers", help="CP-SAT search workers (threads; 8 runs its full portfolio).")] = 8,
    frontier: Annotated[bool, typer.Option(
        "--frontier", help="Solve for a range of budgets and plot the trade-off curve.")] = False,
    frontier_points: Annotated[int, typer.Option(
        "--frontier-points", help="Number of budgets on the frontier.",
        max=MAX_FRONTIER_POINTS)] = 9,
    frontier_max: Annotated[float | None, typer.Option(
        "--frontier-max", help="Largest frontier budget (default 2 x the varied envelope).")
    ] = None,
    frontier_envelope: Annotated[str | None, typer.Option(
        "--frontier-envelope", help="Envelope the frontier varies (default the first).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the frontier PNG.")] = Path("out"),
    importer: ImporterOption = "JPN",
    data: DataOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Choose which candidate projects to back, and at what stake, to meet the targets."""
    from scrisk.optimize.budgets import commodity_groups, parse_budget
    from scrisk.optimize.portfolio import (
        PortfolioOptions,
        optimize_portfolio,
        portfolio_frontier,
    )
    from scrisk.optimize.problem import PortfolioParameterError

    if frontier:  # the figure's folder is checked before minutes of solving, created after
        from scrisk.output_files import OutputFolderError, check_folder

        try:
            check_folder(out, "--out")
        except OutputFolderError as err:
            raise PortfolioParameterError(f"{err} (the frontier figure is written there)"
                                          ) from None
    # option mistakes are found before loading and solving
    levels = _levels(stake_levels)
    penalties = _pairs(group_penalty, "--group-penalty")
    weights = _pairs(weight, "--weight") or None
    ds = _dataset(data, candidates)
    groups = commodity_groups(ds)
    envelopes = [parse_budget(item, groups) for item in budget or []]
    options = PortfolioOptions.build(
        budget_oku_yen="policy" if not envelopes else None, budgets=envelopes or None,
        commodities=tuple(commodity) if commodity else None,
        annual_budget_oku_yen=annual_budget, start_year=start_year,
        stake_levels=levels, continuous=continuous,
        max_country_share=max_country_share, exclude_groups=tuple(exclude_group or ()),
        group_cost_penalty=penalties,
        robust=robust_mode.value if robust else None,
        scenarios=scenarios if robust else None,
        cvar_alpha=cvar_alpha, objective=objective.value,
        weights=weights, time_limit_s=time_limit, workers=workers)
    targets = dict(
        iso3=importer, self_sufficiency_target=ssr_target, self_sufficiency_mode=ssr_mode.value,
        self_sufficiency_basis=ssr_basis,
        metals=metal or None, battery_gwh=battery_gwh or None, battery_scenario=battery_scenario,
        battery_coverage_target=battery_target, demand_growth=demand_growth,
        battery_path=demand_path)
    if frontier:
        if frontier_points < 2:
            raise PortfolioParameterError(
                f"--frontier-points must be at least 2, got {frontier_points}")
        from scrisk.optimize.problem import build_problem

        probe = build_problem(ds, target_year, **targets)
        chosen = options.envelopes(probe)
        named = {e.name: e for e in chosen}
        varied = frontier_envelope or (chosen[0].name if chosen else "all")
        base = named[varied].amount_oku_yen if varied in named else 0.0
        top = frontier_max if frontier_max is not None else 2 * base
        if top <= 0:
            raise PortfolioParameterError(f"--frontier-max must be > 0, got {top}")
        import numpy as np

        budgets = [round(float(b), 1) for b in np.linspace(0.0, top, frontier_points)]
        from scrisk.cli.output import status

        with status(f"solving the portfolio for {len(budgets)} budgets"):
            result = portfolio_frontier(ds, budgets, target_year, envelope=frontier_envelope,
                                        options=options, **targets)
        png = _save_frontier(result, out)
        emit(result.table, fmt, title=f"Budget ({varied} envelope) vs targets and "
             "diversification",
             json_payload={"frontier": _records(result.table), "figure": str(png)})
        if fmt is OutputFormat.table:
            typer.echo(f"figure: {png}")
        return
    result = optimize_portfolio(ds, target_year=target_year, options=options, **targets)
    if fmt is OutputFormat.json:
        emit(result.selected, fmt, json_payload=result.to_dict())
        return
    if fmt is OutputFormat.csv:
        emit(result.selected, fmt)
        return
    _print_result(result)


def _save_frontier(result, out: Path) -> Path:
    """The frontier figure as OUT/portfolio_frontier.png, replacing one there (atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scrisk.output_files import OutputFiles

    # envelope and commodity names are printed as written, never parsed as mathtext
    with matplotlib.rc_context({"text.parse_math": False}):
        fig, ax = plt.subplots(figsize=(8, 4.8))
        try:
            result.plot(ax=ax)
            fig.tight_layout(rect=(0, 0.03, 1, 1))
            path = out / "portfolio_frontier.png"
            with OutputFiles(out) as files:
                fig.savefig(files.temporary(path), dpi=150, format="png")
        finally:
            plt.close(fig)
    return path


def _print_result(result) -> None:
    spend = f"{result.spend_oku_yen:,.1f}"
    budget = "no limit" if result.budget_oku_yen is None else f"{result.budget_oku_yen:,.1f}"
    met = "all targets met" if result.targets_met else "some targets fall short"
    typer.echo(f"status: {result.status} (gap {100 * result.gap:.3g} %, solver "
               f"{result.solve_time_s:.2f} s); spend {spend} of {budget} oku-yen; {met}")
    emit(result.selected.drop(columns=["name"]), OutputFormat.table,
         title=f"Projects to back ({len(result.selected)})")
    cols = ["name", "target", "baseline", "achieved", "shortfall", "met", "shortfall_t",
            "tonnes_unit"]
    if "robust_shortfall" in result.targets:
        cols[5:5] = ["worst_case_achieved", "robust_shortfall"]
    emit(result.targets[cols], OutputFormat.table,
         title=f"Targets by {result.target_year} (% of demand or need; shortfall in pp)")
    if len(result.envelopes):
        emit(result.envelopes.drop(columns=["source"]), OutputFormat.table,
             title="Budget envelopes (oku-yen)")
    costs = result.target_costs
    if len(costs):
        view = costs[["name", "needed_t", "available_t", "max_achievable",
                      "cost_to_reach_oku_yen", "envelope_oku_yen", "reachable"]]
        emit(view, OutputFormat.table, title="What reaching each target would cost at the "
             "candidates' cost per tonne (fractional stakes: a lower bound)")
        for row in costs.itertuples(index=False):
            if not row.reachable or row.reason.startswith("affordable"):
                sys.stdout.write(f"why: {row.name}: {row.reason}\n")
    emit(result.diversification, OutputFormat.table,
         title="Secured supply by country: HHI before and after")
    for note in result.notes:
        sys.stdout.write(f"note: {note}\n")
