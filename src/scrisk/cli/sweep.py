"""`scrisk sweep ...`: Monte Carlo, scenario and portfolio runs over a grid, locally or on Dask."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scrisk.cli import DataOption, FormatOption, OutputFormat, app, emit, load, table_command

sweep_app = typer.Typer(help="Fan many runs out over importers x commodities x years, budget "
                        "amounts or scenario draws; in this process, or on Dask workers "
                        "(--workers N, --scheduler ADDRESS). The numbers do not depend on "
                        "the number of workers.", no_args_is_help=True)
app.add_typer(sweep_app, name="sweep")

FilesArgument = Annotated[list[Path], typer.Argument(help="Scenario files (.toml or .yaml).",
                                                     show_default=False)]
ImporterOption = Annotated[list[str] | None, typer.Option(
    "--importer", help="Importer(s), ISO3 or name; repeat or separate by commas (default: each "
    "scenario's importer; JPN for the portfolio sweeps).")]
CommodityOption = Annotated[list[str] | None, typer.Option(
    "--commodity", help="Commodities, one task each; repeat or separate by commas (default: "
    "all that each scenario affects, in one task).")]
YearOption = Annotated[list[int] | None, typer.Option(
    "--year", help="Data years, one task each (default: the scenario's year, else the latest).")]
SeedOption = Annotated[int, typer.Option("--seed", min=0, help="Sweep seed; each task's seed "
                                         "derives from it and the task's key.")]
WorkersOption = Annotated[int | None, typer.Option(
    "--workers", min=1, help="Run on a local Dask cluster of N worker processes (needs the "
    "scrisk[dask] extra).")]
SchedulerOption = Annotated[str | None, typer.Option(
    "--scheduler", help="Address of an existing Dask scheduler (tcp://host:8786); --data must "
    "be readable at the same path on its workers.")]
PartitionsOption = Annotated[int | None, typer.Option(
    "--partitions", min=1, help="Task groups sent to the workers (default: up to 4 per "
    "worker); no effect on the numbers.")]
TimeLimitOption = Annotated[float, typer.Option(
    "--time-limit", min=0.0, help="Bound on each portfolio solve, seconds.")]

SHOW = ["scenario", "importer", "year", "commodity", "stage", "mean_loss_share",
        "p95_loss_share", "prob_loss", "loss_t", "loss_share", "budget_oku_yen",
        "spend_oku_yen", "total_shortfall_pp", "status", "project_id", "chosen_share",
        "mean_stake"]


def _split(values: list | None) -> tuple:
    out: list = []
    for value in values or ():
        if isinstance(value, str):
            out.extend(v.strip() for v in value.split(",") if v.strip())
        else:
            out.append(value)
    return tuple(out)


def _run(fmt: OutputFormat, data: Path | None, title: str, **fields) -> None:
    from scrisk.cli.output import progress
    from scrisk.sweep import SweepOptions, run_sweep

    ds = load(data)
    options = SweepOptions(data=None if data is None else str(data), **fields).check()
    with progress("Sweep", None, unit="tasks") as update:
        result = run_sweep(options, ds, progress=update)
    where = "this process" if result.workers == 0 else f"{result.workers} Dask worker(s)"
    label = f"{title}; {len(result.tasks):,} task(s) on {where}, seed {options.seed}"
    from scrisk.cli.output import keep_for_file

    keep_for_file(result.table, f"Sweep, every task ({label})", key="tasks")
    summary = result.summary()
    if "scenario" in summary.columns:  # the file name is enough on screen
        summary = summary.assign(scenario=[Path(s).stem for s in summary["scenario"]])
    emit(summary, fmt, title=f"Sweep ({label})", key="summary", show=SHOW)
    if fmt is OutputFormat.table:
        for note in result.notes:
            typer.echo(f"note: {note}", err=True)


@sweep_app.command("montecarlo")
@table_command(resolve=False)
def sweep_montecarlo(
    files: FilesArgument,
    importer: ImporterOption = None,
    commodity: CommodityOption = None,
    year: YearOption = None,
    runs: Annotated[int, typer.Option("--runs", min=1, help="Runs per task.")] = 10_000,
    seed: SeedOption = 0,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    partitions: PartitionsOption = None,
    data: DataOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Monte Carlo of each scenario for every importer, commodity and year."""
    _run(fmt, data, f"Monte Carlo, {runs:,} runs per task", kind="montecarlo",
         scenarios=tuple(str(f) for f in files), importers=_split(importer),
         commodities=_split(commodity), years=_split(year), runs=runs, seed=seed,
         workers=workers, scheduler=scheduler, partitions=partitions)


@sweep_app.command("scenario")
@table_command(resolve=False)
def sweep_scenario(
    files: FilesArgument,
    importer: ImporterOption = None,
    commodity: CommodityOption = None,
    year: YearOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    partitions: PartitionsOption = None,
    data: DataOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """One deterministic run of each scenario for every importer, commodity and year."""
    _run(fmt, data, "deterministic runs", kind="scenario",
         scenarios=tuple(str(f) for f in files), importers=_split(importer),
         commodities=_split(commodity), years=_split(year), workers=workers,
         scheduler=scheduler, partitions=partitions)


@sweep_app.command("frontier")
@table_command(resolve=False)
def sweep_frontier(
    amounts: Annotated[str, typer.Option(
        "--amounts", help="Budget amounts of the varied envelope, oku-yen: 0,500,1000 or "
        "start:stop:step.")],
    envelope: Annotated[str | None, typer.Option(
        "--envelope", help="Envelope to vary (default: the first, base_metal).")] = None,
    importer: ImporterOption = None,
    target_year: Annotated[int, typer.Option("--target-year")] = 2030,
    time_limit: TimeLimitOption = 30.0,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    partitions: PartitionsOption = None,
    data: DataOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The budget frontier, one portfolio solve per amount."""
    _run(fmt, data, "budget frontier", kind="frontier", amounts=parse_amounts(amounts),
         envelope=envelope, importers=_split(importer), target_year=target_year,
         time_limit_s=time_limit, workers=workers, scheduler=scheduler,
         partitions=partitions)


@sweep_app.command("robust")
@table_command(resolve=False)
def sweep_robust(
    draws: Annotated[int, typer.Option("--draws", min=1, help="Number of draws.")] = 100,
    per_draw: Annotated[int, typer.Option(
        "--scenarios-per-draw", min=1, help="Scenario outcomes sampled per draw.")] = 20,
    importer: ImporterOption = None,
    target_year: Annotated[int, typer.Option("--target-year")] = 2030,
    seed: SeedOption = 0,
    time_limit: TimeLimitOption = 30.0,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    partitions: PartitionsOption = None,
    data: DataOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """How often each project is chosen by CVaR portfolios over drawn scenario outcomes."""
    _run(fmt, data, f"robust portfolios, {draws:,} draws of {per_draw} outcomes",
         kind="robust", draws=draws, scenarios_per_draw=per_draw, importers=_split(importer),
         target_year=target_year, seed=seed, time_limit_s=time_limit, workers=workers,
         scheduler=scheduler, partitions=partitions)


def parse_amounts(text: str) -> tuple[float, ...]:
    """``"0,500,1000"`` or ``"0:1000:250"`` (stop included) -> amounts.

    Examples
    --------
    >>> parse_amounts("0:1000:250")
    (0.0, 250.0, 500.0, 750.0, 1000.0)
    >>> parse_amounts("100, 200")
    (100.0, 200.0)
    """
    import math

    def number(part: str) -> float:
        try:
            value = float(part)
        except ValueError:
            raise typer.BadParameter(f"{part!r} is not a number",
                                     param_hint="--amounts") from None
        if not math.isfinite(value) or value < 0:
            raise typer.BadParameter(f"{part!r} must be a finite number >= 0",
                                     param_hint="--amounts")
        return value

    text = text.strip()
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise typer.BadParameter(f"{text!r}: write start:stop:step", param_hint="--amounts")
        start, stop, step = (number(p) for p in parts)
        if step <= 0 or stop < start:
            raise typer.BadParameter(f"{text!r}: need step > 0 and stop >= start",
                                     param_hint="--amounts")
        count = int(math.floor((stop - start) / step + 1e-9)) + 1
        if count > 10_000:
            raise typer.BadParameter(f"{text!r} gives {count:,} amounts (limit 10,000)",
                                     param_hint="--amounts")
        return tuple(round(start + i * step, 9) for i in range(count))
    values = tuple(number(p) for p in text.split(",") if p.strip())
    if not values:
        raise typer.BadParameter("give at least one amount", param_hint="--amounts")
    return values
