"""Disruption scenarios for the robust portfolio: share of supply lost, by country.

The robust model needs, for each scenario ``s``, the share of secured
supply lost in each country ``k`` (optionally for one commodity only).
Scenarios are plain mappings::

    {"chile_drought": {"CHL": 0.3}, "indonesia_ban": {"nickel:IDN": 1.0}}

A key ``"<commodity>:<ISO3>"`` applies to that commodity only and takes
precedence over a bare ``"<ISO3>"`` key, which applies to every commodity.

:func:`country_loss_scenarios` also reads scenario files (the
``scenarios/`` folder of the repository by default). Each file is one
scenario with all of its shocks applied at once. With a dataset, files are
read and validated by :func:`scrisk.disruption.load_scenario`
(``docs/scenarios.md``) and each shock becomes country losses of the
secured supply, at its effective size (size x months / 12):

* ``export_ban``, ``export_quota``, ``production_cut``, ``trade_link``:
  the shock's commodity from its country (the largest shock over the
  stages: an equity mine whose output cannot be produced or shipped is
  lost to the importer);
* ``sea_lane_closure``: every country whose sea routes to Japan
  (``geo/sea_routes.csv``, ``geo/sea_regions.csv``) pass the chokepoint
  loses the share of its routes through it (its listed commodities, or all);
* ``facility_outage`` and ``demand_shock`` do not map to a country loss of
  the secured supply and are skipped (listed in ``skipped``).

Several shocks on the same key combine as ``1 - prod(1 - loss)``.
Without a dataset, a tolerant reader takes shock tables (under ``shocks``)
naming a country (``iso3``, ``country`` or ``exporter``), an optional
``commodity`` and a loss (``loss``, ``size``, ``loss_share`` or ``share``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from scrisk.exceptions import ScenarioError

COUNTRY_KEYS = ("iso3", "country", "exporter")
LOSS_KEYS = ("loss", "size", "loss_share", "capacity_loss", "share")
COUNTRY_KINDS = ("export_ban", "export_quota", "production_cut", "trade_link")
SHOCK_KEYS = ("shocks", "shock", "disruptions", "events")


def loss_of(scenario: Mapping[str, float], commodity: str, iso3: str) -> float:
    """Share of ``commodity`` supply lost in ``iso3`` under a scenario.

    Examples
    --------
    >>> s = {"CHL": 0.3, "copper:PER": 0.5}
    >>> loss_of(s, "copper", "CHL"), loss_of(s, "copper", "PER"), loss_of(s, "zinc", "PER")
    (0.3, 0.5, 0.0)
    """
    return float(scenario.get(f"{commodity}:{iso3}", scenario.get(iso3, 0.0)))


def default_scenario_folder() -> Path:
    """``scenarios/`` next to the shipped ``data/`` folder."""
    from scrisk.data.load import shipped_data_path

    return shipped_data_path().parent / "scenarios"


def country_loss_scenarios(source: Mapping | str | os.PathLike | None = None, *, dataset=None,
                           skipped: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Scenarios as ``{name: {key: loss share}}`` from a mapping, a TOML file or a folder.

    Parameters
    ----------
    source : mapping, path-like or None
        A mapping (checked and returned as plain dicts), a ``.toml`` file,
        or a folder of them (default: the repository's ``scenarios/``).
    dataset : Dataset, optional
        Resolves country names to ISO3 and checks them.
    skipped : list, optional
        Receives a line per shock that is not a country loss.

    Returns
    -------
    dict

    Raises
    ------
    ScenarioError
        For a missing folder, no usable scenario, or a loss outside [0, 1].

    Examples
    --------
    >>> country_loss_scenarios({"drought": {"CHL": 0.3}})
    {'drought': {'CHL': 0.3}}
    """
    if isinstance(source, Mapping):
        out = {str(name): {str(k): float(v) for k, v in losses.items()}
               for name, losses in source.items()}
        _check(out, "scenarios")
        return _resolve(out, dataset)
    path = Path(source) if source is not None else default_scenario_folder()
    files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
    if not path.exists() or not files:
        raise ScenarioError([f"no scenario files (*.toml) in {path}; pass scenarios as "
                             "{name: {iso3: loss}} instead"], str(path))
    if dataset is not None:
        out = {}
        for file in files:
            name, losses = _from_disruption(file, dataset, skipped)
            if losses:
                out[name] = losses
            elif skipped is not None:
                skipped.append(f"{file.name}: no shock changes the secured supply by country")
        if not out:
            raise ScenarioError([f"no shock in {path} maps to a country loss of secured supply "
                                 "(export bans/quotas, production cuts, trade links, sea-lane "
                                 "closures)"], str(path))
        return out
    out: dict[str, dict[str, float]] = {}
    problems: list[str] = []
    for file in files:
        try:
            doc = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as err:
            problems.append(f"{file.name}: not readable TOML ({err})")
            continue
        name = str(doc.get("name", doc.get("id", file.stem)))
        losses = _losses(doc, file.name, problems, skipped)
        if losses:
            out[name] = losses
    if problems:
        raise ScenarioError(problems, str(path))
    if not out:
        raise ScenarioError([f"no country-loss shocks in {path}"], str(path))
    _check(out, str(path))
    return out


def _from_disruption(file: Path, dataset, skipped: list[str] | None
                     ) -> tuple[str, dict[str, float]]:
    """Country losses of one scenario file, validated by scrisk.disruption."""
    from scrisk.disruption import load_scenario

    scenario = load_scenario(file, dataset)
    survive: dict[str, float] = {}

    def hit(key: str, loss: float) -> None:
        if loss > 0:
            survive[key] = survive.get(key, 1.0) * (1.0 - min(1.0, loss))

    routes = dataset.sea_routes
    regions = dataset.sea_regions.set_index("iso3")["origin_region"]
    by_country: dict[str, float] = {}  # the largest shock of any stage per commodity and country
    for shock in scenario.shocks:
        size = float(shock.effective_size)
        if shock.kind in COUNTRY_KINDS:
            key = f"{shock.commodity}:{shock.country}"
            by_country[key] = max(by_country.get(key, 0.0), size)
        elif shock.kind == "sea_lane_closure":
            through = routes["chokepoints"].fillna("").astype(str).str.split(";").apply(
                lambda ids, cp=shock.chokepoint: cp in [i.strip() for i in ids])
            share = routes.loc[through].groupby("origin_region")["share"].sum()
            for iso3, region in regions.items():
                part = float(share.get(region, 0.0))
                if part <= 0:
                    continue
                for commodity in (shock.commodities or (None,)):
                    hit(f"{commodity}:{iso3}" if commodity else str(iso3), size * part)
        elif skipped is not None:
            skipped.append(f"{file.name}: shock {shock.id} ({shock.kind}) is not a country "
                           "loss of secured supply")
    for key, size in by_country.items():
        hit(key, size)
    return scenario.name, {k: round(1.0 - v, 12) for k, v in sorted(survive.items())}


def scenario_probabilities(source: str | os.PathLike | None = None) -> dict[str, float]:
    """``probability`` of each TOML scenario that states one."""
    path = Path(source) if source is not None else default_scenario_folder()
    files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
    out = {}
    for file in files:
        try:
            doc = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if "probability" in doc:
            out[str(doc.get("name", doc.get("id", file.stem)))] = float(doc["probability"])
    return out


def _losses(doc: dict, label: str, problems: list[str], skipped: list[str] | None
            ) -> dict[str, float]:
    shocks = []
    for key in SHOCK_KEYS:
        value = doc.get(key)
        if isinstance(value, list):
            shocks.extend(value)
        elif isinstance(value, dict):
            shocks.append(value)
    if isinstance(doc.get("losses"), dict):  # [losses] CHL = 0.3
        shocks.extend({"iso3": k, "loss": v} for k, v in doc["losses"].items())
    out: dict[str, float] = {}
    for i, shock in enumerate(shocks):
        if not isinstance(shock, dict):
            continue
        country = next((shock[k] for k in COUNTRY_KEYS if k in shock), None)
        loss = next((shock[k] for k in LOSS_KEYS if k in shock), None)
        if country is None or loss is None:
            if skipped is not None:
                skipped.append(f"{label}: shock {i + 1} is not a country loss")
            continue
        try:
            loss = float(loss)
        except (TypeError, ValueError):
            problems.append(f"{label}: shock {i + 1}: loss {loss!r} is not a number")
            continue
        commodity = shock.get("commodity")
        key = f"{commodity}:{country}" if commodity else str(country)
        out[key] = max(out.get(key, 0.0), loss)
    return out


def _check(scenarios: dict[str, dict[str, float]], label: str) -> None:
    problems = [f"scenario {name!r}: loss of {key} is {v}; expected a share in [0, 1]"
                for name, losses in scenarios.items() for key, v in losses.items()
                if not 0 <= v <= 1]
    if problems:
        raise ScenarioError(problems, label)


def _resolve(scenarios: dict[str, dict[str, float]], dataset) -> dict[str, dict[str, float]]:
    if dataset is None:
        return scenarios
    out = {}
    for name, losses in scenarios.items():
        resolved = {}
        for key, v in losses.items():
            commodity, _, country = key.rpartition(":")
            iso3 = dataset.check_country(country)
            resolved[f"{commodity}:{iso3}" if commodity else iso3] = v
        out[name] = resolved
    return out
