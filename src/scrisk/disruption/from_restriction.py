"""Scenario files from the export-restriction inventory (``minerals/export_restrictions.csv``).

:func:`scenario_from_restriction` turns one measure into a scenario (the mapping a
TOML file parses to, validated with :func:`scrisk.disruption.scenarios.parse_scenario`);
:func:`scenario_set_from_inventory` turns the whole inventory into one set of shocks with
yearly probabilities for Monte Carlo; :func:`write_scenario` writes either as TOML,
atomically. ``docs/scenarios.md`` documents the rules; in short:

* **kind**: a ban or suspension for all destinations is an ``export_ban``; a quota,
  licence or tax is an ``export_quota``; a measure aimed at named destinations is a
  ``trade_link`` cut of the exporter's shipments to the importer (the importer is one of
  the named destinations).
* **size** is an assumption, never an estimate: by default 1.0 for a ban or suspension,
  0.5 for a quota, 0.3 for a licence, 0.2 for a tax (:data:`DEFAULT_SIZE`), halved for a
  measure whose enforcement is ``partial`` (:data:`PARTIAL_FACTOR`: waivers, exemptions or
  exempt products under the same HS code), or what ``size`` says. Each file states the
  size and why in its description.
* **duration**: the months the measure was in force, capped at 12 (the engine works on
  one year); 12 when it has no end.
* **year**: the last data year before the measure took effect, when the data hold it (the
  measure applied to the trade it met, like ``scenarios/indonesia_nickel_ore_ban.toml``);
  else the latest data year (a what-if on today's network).
* **probability** (sets only): the yearly frequency of new measures of the same country,
  commodity and stage in the inventory's window, ``n / 17`` for 2009-2025, capped at 1;
  an easing that takes over the day after the group's previous measure ends (a smaller
  default size, e.g. Indonesia's 2017 ore quotas after the 2014 ban, DR Congo's cobalt
  quotas after the suspension) continues the same episode and is not counted
  (:func:`new_episodes`).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from scrisk.data.export_restrictions import ALL_DESTINATIONS, covers, restriction_table
from scrisk.data.load import Dataset
from scrisk.exceptions import ScenarioError, UnknownChoiceError

DEFAULT_SIZE = {"ban": 1.0, "suspension": 1.0, "quota": 0.5, "licence": 0.3, "tax": 0.2}
PARTIAL_FACTOR = 0.5  # a measure with waivers or exempt products lets part of the trade through
WINDOW = (2009, 2025)  # the inventory's window, for yearly frequencies
TYPE_JA = {"ban": "禁輸", "suspension": "輸出停止", "quota": "輸出割当", "licence": "輸出許可制",
           "tax": "輸出税"}
STAGE_JA = {"mining": "採掘", "intermediate": "中間品", "refining": "精錬", "material": "材料"}
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class FromRestrictionOptions:
    """Options of :func:`scenario_from_restriction` and :func:`scenario_set_from_inventory`.

    Attributes
    ----------
    importer : str
        ISO3 code or name (default ``JPN``).
    size : float or None
        Share of the restricted trade lost (0..1); default by measure type
        (:data:`DEFAULT_SIZE`).
    year : int or None
        Data year to run on; default: see the module docstring.
    """

    importer: str = "JPN"
    size: float | None = None
    year: int | None = None


def _options(options: FromRestrictionOptions | None, overrides: dict) -> FromRestrictionOptions:
    opts = options or FromRestrictionOptions()
    if overrides:
        opts = FromRestrictionOptions(**{**opts.__dict__, **overrides})
    if opts.size is not None and not (isinstance(opts.size, int | float)
                                      and 0.0 <= float(opts.size) <= 1.0):
        raise ScenarioError([f"size must be a number in [0, 1], got {opts.size!r}"],
                            "from-restriction")
    return opts


def _measure(dataset: Dataset, measure_id: str) -> pd.Series:
    table = restriction_table(dataset)
    match = table.loc[table["measure_id"] == measure_id]
    if match.empty:
        upper = table.loc[table["measure_id"].str.upper() == str(measure_id).upper()]
        if len(upper):
            return upper.iloc[0]
        raise UnknownChoiceError("export restriction", measure_id, table["measure_id"],
                                 hint="List them with `scrisk metrics restrictions --view "
                                      "measures`.")
    return match.iloc[0]


def duration_months(start: date, end: date | None) -> float:
    """Months in force, capped at 12 (at least 0.1).

    >>> duration_months(date(2025, 2, 22), date(2025, 10, 15))
    7.8
    >>> duration_months(date(2023, 12, 1), None)
    12.0
    """
    if end is None:
        return 12.0
    months = ((end - start).days + 1) / DAYS_PER_MONTH
    return float(min(12.0, max(0.1, round(months, 1))))


def _year(dataset: Dataset, start: date, asked: int | None) -> int | None:
    if asked is not None:
        return dataset.check_year(int(asked), "trade")
    before = start.year - 1
    held = set(dataset.years("production")) & set(dataset.years("trade"))
    return before if before in held else None


def _shock(row: pd.Series, kind: str, size: float, probability: float | None = None,
           shock_id: str | None = None) -> dict:
    shock = {"id": shock_id or str(row["measure_id"]).lower(), "kind": kind,
             "country": row["country"], "commodity": row["commodity"], "stage": row["stage"],
             "size": float(size), "duration_months": duration_months(row["start"], row["end"])}
    if probability is not None:
        shock["probability"] = float(probability)
    shock["source"] = f"{row['source_publisher']}, {row['source_title']}, {row['source_date']}"
    shock["note"] = f"inventory measure {row['measure_id']}: {row['note']}"
    return shock


def default_size(row: pd.Series) -> float:
    """The assumed size of a measure: :data:`DEFAULT_SIZE` by type, halved when partial.

    >>> default_size(pd.Series({"type": "ban", "enforcement": "partial"}))
    0.5
    >>> default_size(pd.Series({"type": "licence", "enforcement": "enforced"}))
    0.3
    """
    size = DEFAULT_SIZE[row["type"]]
    return size * PARTIAL_FACTOR if row["enforcement"] == "partial" else size


def new_episodes(group: pd.DataFrame) -> int:
    """Measures of one group that started in the window and are not an easing of the last.

    ``group`` holds one country, commodity and stage, with ``start``/``end`` dates,
    ``type`` and ``enforcement``. A measure starting the day after the previous one ends
    with a smaller :func:`default_size` eases that measure: same episode, not counted.

    Examples
    --------
    >>> from datetime import date
    >>> rows = pd.DataFrame({"start": [date(2014, 1, 12), date(2017, 1, 12), date(2020, 1, 1)],
    ...                      "end": [date(2017, 1, 11), date(2019, 12, 31), None],
    ...                      "type": ["ban", "quota", "ban"], "enforcement": "enforced"})
    >>> new_episodes(rows)   # the 2017 quota eases the 2014 ban; the 2020 ban is new
    2
    """
    ordered = group.sort_values("start", kind="stable")
    count = 0
    previous = None
    for _, row in ordered.iterrows():
        easing = (previous is not None and isinstance(previous["end"], date)
                  and (row["start"] - previous["end"]).days == 1
                  and default_size(row) < default_size(previous))
        if WINDOW[0] <= row["start"].year <= WINDOW[1] and not easing:
            count += 1
        previous = row
    return count


def _kind(row: pd.Series, importer: str) -> str:
    if tuple(row["scope_list"]) != (ALL_DESTINATIONS,):
        return "trade_link"
    return "export_ban" if row["type"] in ("ban", "suspension") else "export_quota"


def scenario_from_restriction(dataset: Dataset, measure_id: str,
                              options: FromRestrictionOptions | None = None,
                              **overrides) -> dict:
    """A validated scenario (as the mapping a TOML file holds) for one measure.

    Parameters
    ----------
    dataset : Dataset
    measure_id : str
        A ``measure_id`` of ``minerals/export_restrictions.csv``.
    options : FromRestrictionOptions, optional
    **overrides
        Fields of :class:`FromRestrictionOptions`.

    Returns
    -------
    dict
        Keys ``name, description, name_ja, description_ja, importer, [year], sources,
        shocks`` (one shock).

    Raises
    ------
    UnknownChoiceError
        For an unknown measure id.
    ScenarioError
        When the scenario would not validate (e.g. the commodity is not in the data).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> spec = scenario_from_restriction(load_dataset(), "IDN-2020-NI-ORE-BAN")
    >>> spec["year"], spec["shocks"][0]["kind"], spec["shocks"][0]["size"]
    (2019, 'export_ban', 1.0)
    """
    from scrisk.disruption.scenarios import parse_scenario

    opts = _options(options, overrides)
    row = _measure(dataset, measure_id)
    importer = dataset.check_country(opts.importer)
    scope = tuple(row["scope_list"])
    moved = ""
    if not covers(scope, importer):
        moved = (f" The measure names {', '.join(scope)} only, not {importer}: the scenario "
                 f"runs for {scope[0]}.")
        importer = scope[0]
    kind = _kind(row, importer)
    size = float(opts.size) if opts.size is not None else default_size(row)
    why = ("given with --size" if opts.size is not None else
           f"the default for a {row['type']}: 1.0 for a ban or suspension, 0.5 for a quota, "
           "0.3 for a licence, 0.2 for a tax"
           + (", halved because enforcement is partial (waivers or exempt products)"
              if row["enforcement"] == "partial" else ""))
    year = _year(dataset, row["start"], opts.year)
    country = dataset.country_name(row["country"])
    country_ja = dataset.country_name(row["country"], "ja")
    names = dataset.commodities.set_index("commodity")
    commodity_ja = str(names.at[row["commodity"], "name_ja"])
    end = row["end_date"] or "in force at the last check"
    status = (" Announced, but suspended before it took effect: a what-if."
              if row["enforcement"] == "not_in_force" else "")
    when = (f"the {year} network, the last data year before it took effect" if year
            and opts.year is None else f"the {year} network" if year else
            "the latest data year's network")
    description = (
        f"{country}: {row['type']} on exports of {row['commodity']} ({row['stage']} stage), "
        f"{row['start_date']} to {end}; scope: {';'.join(scope)}.{status}{moved} Shock: "
        f"{kind}, size {size:g} of the restricted trade for {duration_months(row['start'], row['end']):g} "
        f"months, applied to {when}. The size is an ASSUMPTION ({why}), not an estimate of how "
        "much trade the measure stopped. Generated by scrisk from the export-restriction "
        f"inventory (measure {row['measure_id']}).")
    description_ja = (
        f"{country_ja}の{commodity_ja}（{STAGE_JA.get(row['stage'], row['stage'])}段階）に対する"
        f"{TYPE_JA.get(row['type'], row['type'])}（{row['start_date']}〜"
        f"{row['end_date'] or '最終確認時点で継続'}）。規模{size:g}は仮定であり、措置が止めた貿易量の"
        f"推計ではない。scriskが輸出規制一覧（措置 {row['measure_id']}）から作成。")
    spec = {
        "name": f"{country} {row['commodity']} export {row['type']} ({row['start_date'][:7]})",
        "description": description,
        "name_ja": f"{country_ja}の{commodity_ja}{TYPE_JA.get(row['type'], row['type'])}"
                   f"（{row['start_date'][:7]}）",
        "description_ja": description_ja,
        "importer": importer,
    }
    if year is not None:
        spec["year"] = int(year)
    spec["sources"] = [str(row["source"])]
    spec["shocks"] = [_shock(row, kind, size)]
    parse_scenario(spec, dataset, file=f"from-restriction {row['measure_id']}")
    return spec


def scenario_set_from_inventory(dataset: Dataset,
                                options: FromRestrictionOptions | None = None,
                                **overrides) -> dict:
    """One scenario with a shock per (country, commodity, stage) of the inventory, for Monte Carlo.

    Measures ``not_in_force`` and those whose scope leaves out the importer are skipped
    (the description lists them); each group's latest measure gives the kind, size and
    duration; its probability is the yearly frequency of new measures in the group over
    2009-2025 (``n / 17``), an assumption from the record, not a forecast.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> spec = scenario_set_from_inventory(load_dataset())
    >>> shock = next(s for s in spec["shocks"] if s["id"] == "idn-nickel-mining")
    >>> round(shock["probability"], 4)   # two nickel-ore bans (2014, 2020) in 17 years
    0.1176
    """
    from scrisk.disruption.scenarios import parse_scenario

    opts = _options(options, overrides)
    importer = dataset.check_country(opts.importer)
    table = restriction_table(dataset)
    years = WINDOW[1] - WINDOW[0] + 1
    skipped: list[str] = []
    shocks: list[dict] = []
    sources: list[str] = []
    usable = []
    for _, row in table.iterrows():
        if row["enforcement"] == "not_in_force":
            skipped.append(f"{row['measure_id']} (not in force)")
        elif row["commodity"] not in dataset.commodities_list:
            skipped.append(f"{row['measure_id']} (commodity not in the data)")
        elif not covers(tuple(row["scope_list"]), importer):
            skipped.append(f"{row['measure_id']} (scope leaves out {importer})")
        else:
            usable.append(row)
    frame = pd.DataFrame(usable)
    if frame.empty:
        raise ScenarioError([f"no measure of the inventory applies to {importer}"],
                            "from-restriction --all")
    for (country, commodity, stage), group in frame.groupby(["country", "commodity", "stage"],
                                                            sort=True):
        group = group.sort_values(["start_date", "measure_id"])
        latest = group.iloc[-1]
        starts = new_episodes(group)
        probability = min(1.0, starts / years)
        size = float(opts.size) if opts.size is not None else default_size(latest)
        shock = _shock(latest, _kind(latest, importer), size, probability,
                       f"{country}-{commodity}-{stage}".lower().replace("_", "-"))
        shock["note"] = (f"{len(group)} measure(s) of the inventory: "
                         f"{', '.join(group['measure_id'])}; kind, size and duration from "
                         f"{latest['measure_id']}; probability {starts}/{years} (measures "
                         "started per year 2009-2025, easings of the previous measure not "
                         "counted; an assumption)")
        shocks.append(shock)
        for source in group["source"]:
            if source not in sources:
                sources.append(str(source))
    spec = {
        "name": "Export restrictions of the inventory (probabilities from their frequency)",
        "description": (
            "One shock per country, commodity and stage with export restrictions in "
            "minerals/export_restrictions.csv. Sizes are ASSUMPTIONS by measure type (1.0 ban "
            "or suspension, 0.5 quota, 0.3 licence, 0.2 tax; halved when enforcement is "
            "partial) unless --size is given; each "
            "probability is the number of measures of the group that started in 2009-2025 "
            "(an easing that takes over the day the previous measure ends is not a new one) "
            "divided by 17 years: the historical frequency, not a forecast. Skipped: "
            + ("; ".join(skipped) if skipped else "none") + "."),
        "name_ja": "輸出規制一覧に基づく複合シナリオ（確率は発生頻度）",
        "description_ja": ("輸出規制一覧の国・鉱種・段階ごとに1つのショック。規模は措置の種類ごとの仮定"
                           "（禁輸・停止1.0、割当0.5、許可制0.3、輸出税0.2。執行が部分的な措置は半分）、確率は2009-2025年の17年間に"
                           "始まった措置の数を17で割った過去の頻度であり、予測ではない。"),
        "importer": importer,
    }
    if opts.year is not None:
        spec["year"] = dataset.check_year(int(opts.year), "trade")
    spec["sources"] = sources
    spec["shocks"] = shocks
    parse_scenario(spec, dataset, file="from-restriction --all")
    return spec


# --------------------------------------------------------------------------- writing


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} to TOML")
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes are valid TOML basic-string escapes
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[\n" + "".join(f"  {_toml_value(v)},\n" for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def to_toml(spec: dict) -> str:
    """TOML text of a scenario mapping (top-level keys, then one ``[[shocks]]`` table each).

    Examples
    --------
    >>> print(to_toml({"name": "x", "shocks": [{"kind": "export_ban", "size": 1.0}]}))
    name = "x"
    <BLANKLINE>
    [[shocks]]
    kind = "export_ban"
    size = 1.0
    <BLANKLINE>
    """
    lines = [f"{key} = {_toml_value(value)}" for key, value in spec.items() if key != "shocks"]
    for shock in spec.get("shocks", []):
        lines.append("")
        lines.append("[[shocks]]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in shock.items())
    return "\n".join(lines) + "\n"


def write_scenario(spec: dict, path: str | os.PathLike, header: str = "") -> Path:
    """Write a scenario mapping as TOML, atomically (a temporary file, then a rename).

    Parameters
    ----------
    spec : dict
    path : path-like
        Target ``.toml`` file; its folder must exist.
    header : str
        Comment lines put before the keys (each prefixed with ``# ``).
    """
    target = Path(path)
    if target.suffix.lower() != ".toml":
        raise ScenarioError([f"write the scenario to a .toml file, got {target.name!r}"],
                            str(target))
    if not target.parent.is_dir():
        raise ScenarioError([f"folder {str(target.parent)!r} does not exist"], str(target))
    text = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    text += ("\n" if header else "") + to_toml(spec)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
