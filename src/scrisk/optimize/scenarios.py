"""Disruption scenarios for the robust portfolio: share of supply lost, by country.

The robust model needs, for each scenario ``s``, the share of secured
supply lost in each country ``k`` (optionally for one commodity only).
Scenarios are plain mappings::

    {"chile_drought": {"CHL": 0.3}, "indonesia_ban": {"nickel:IDN": 1.0}}

A key ``"<commodity>:<ISO3>"`` applies to that commodity only; a bare
``"<ISO3>"`` key applies to every commodity. When both exist the shares
that survive multiply (see :func:`loss_of`).

Scenario files are read by the one strict reader of scrisk,
:func:`scrisk.disruption.load_scenario` (``docs/scenarios.md``): a file that
the disruption commands reject is rejected here too. Each shock becomes
country losses of the secured supply, at its effective size
(size x months / 12):

* ``export_ban``, ``export_quota``, ``production_cut``, ``trade_link``:
  the shock's commodity from its country (the largest shock over the
  stages: an equity mine whose output cannot be produced or shipped is
  lost to the importer);
* ``sea_lane_closure``: every country whose sea routes to Japan
  (``geo/sea_routes.csv``, ``geo/sea_regions.csv``) pass the chokepoint
  loses the share of its routes through it (its listed commodities, or all);
* ``facility_outage`` and ``demand_shock`` do not map to a country loss of
  the secured supply and are skipped (listed in ``skipped``).

Probabilities (for CVaR)
------------------------
Each shock of a file happens in a year with its ``probability`` (default 1),
independently of the others, as in the Monte Carlo. With ``expand=True`` a
file becomes the joint outcomes of its uncertain shocks: ``2^k`` outcomes
for ``k`` shocks with probability below 1, each with probability
``prod(p_i in) x prod(1 - p_i out)`` (shocks with probability 1 are in
every outcome); outcomes with equal losses are merged and the outcome with
no loss is the nominal case. Several files are alternative worlds with equal
weight ``1 / F``: the files say nothing about how likely one file is
against another. With ``expand=False`` (worst case) each file is one
scenario with all of its shocks at once.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scrisk.exceptions import ScenarioError

COUNTRY_KINDS = ("export_ban", "export_quota", "production_cut", "trade_link")
MAX_UNCERTAIN_SHOCKS = 10


@dataclass(frozen=True)
class ScenarioSet:
    """Country-loss scenarios with their probabilities.

    Attributes
    ----------
    losses : dict
        Scenario name -> {key: share of supply lost}.
    probabilities : dict or None
        Scenario name -> probability (the nominal, no-loss case gets the
        rest); ``None`` when the source gives none (all equally likely).
    skipped : tuple of str
        Shocks that are not a country loss of secured supply.
    """

    losses: dict[str, dict[str, float]]
    probabilities: dict[str, float] | None = None
    skipped: tuple[str, ...] = field(default=())


def loss_of(scenario: Mapping[str, float], commodity: str, iso3: str) -> float:
    """Share of ``commodity`` supply lost in ``iso3`` under a scenario.

    A commodity-specific key and a bare country key both apply: the shares
    that survive multiply.

    Examples
    --------
    >>> s = {"CHL": 0.3, "copper:PER": 0.5, "PER": 0.2}
    >>> loss_of(s, "copper", "CHL"), loss_of(s, "copper", "PER"), loss_of(s, "zinc", "PER")
    (0.3, 0.6, 0.2)
    """
    specific = float(scenario.get(f"{commodity}:{iso3}", 0.0))
    general = float(scenario.get(iso3, 0.0))
    if not specific:
        return general
    if not general:
        return specific
    return round(1.0 - (1.0 - specific) * (1.0 - general), 12)


def default_scenario_folder() -> Path:
    """``scenarios/`` next to the shipped ``data/`` folder."""
    from scrisk.data.load import shipped_data_path

    return shipped_data_path().parent / "scenarios"


def scenario_set(source: Mapping | str | os.PathLike | None = None, *, dataset=None,
                 expand: bool = True) -> ScenarioSet:
    """Scenarios and their probabilities from a mapping, a scenario file or a folder.

    Parameters
    ----------
    source : mapping, path-like or None
        A mapping name -> {key: loss} (checked; no probabilities), a
        scenario file, or a folder of ``*.toml`` files (default: the
        repository's ``scenarios/``).
    dataset : Dataset, optional
        The data the files are validated against (default: the shipped data).
    expand : bool
        Expand each file into the joint outcomes of its uncertain shocks
        (for CVaR); ``False``: one scenario per file, every shock at once.

    Returns
    -------
    ScenarioSet

    Raises
    ------
    ScenarioError
        For a file the strict reader rejects, a missing folder, no usable
        shock, a loss outside [0, 1], or more than ``MAX_UNCERTAIN_SHOCKS``
        uncertain shocks in one file.

    Examples
    --------
    >>> s = scenario_set({"drought": {"CHL": 0.3}})
    >>> s.losses, s.probabilities
    ({'drought': {'CHL': 0.3}}, None)
    """
    if isinstance(source, Mapping):
        out = {str(name): {str(k): float(v) for k, v in losses.items()}
               for name, losses in source.items()}
        _check(out, "scenarios")
        return ScenarioSet(_resolve(out, dataset))
    if dataset is None:
        from scrisk.data.load import load_dataset

        dataset = load_dataset()
    path = Path(source) if source is not None else default_scenario_folder()
    files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
    if not path.exists() or not files:
        raise ScenarioError([f"no scenario files (*.toml) in {path}; pass scenarios as "
                             "{name: {iso3: loss}} instead"], str(path))
    skipped: list[str] = []
    per_file = []
    for file in files:
        name, outcomes = _outcomes(file, dataset, skipped, expand)
        if outcomes:
            per_file.append((name, outcomes))
        else:
            skipped.append(f"{file.name}: no shock changes the secured supply by country")
    if not per_file:
        raise ScenarioError([f"no shock in {path} maps to a country loss of secured supply "
                             "(export bans/quotas, production cuts, trade links, sea-lane "
                             "closures)"], str(path))
    losses: dict[str, dict[str, float]] = {}
    probabilities: dict[str, float] = {}
    weight = 1.0 / len(per_file)
    for _, outcomes in per_file:
        for label, loss, prob in outcomes:
            if not loss:  # no loss: part of the nominal case
                continue
            if label in losses:
                raise ScenarioError([f"two scenario files are both called {label!r}; give "
                                     "each file its own name"], str(path))
            losses[label] = loss
            probabilities[label] = prob * weight
    if not losses:
        raise ScenarioError([f"no shock in {path} causes a loss"], str(path))
    return ScenarioSet(losses, probabilities, tuple(skipped))


def country_loss_scenarios(source: Mapping | str | os.PathLike | None = None, *, dataset=None,
                           skipped: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Scenarios as ``{name: {key: loss share}}``, one per file with every shock at once.

    The losses of :func:`scenario_set` with ``expand=False``.

    Examples
    --------
    >>> country_loss_scenarios({"drought": {"CHL": 0.3}})
    {'drought': {'CHL': 0.3}}
    """
    found = scenario_set(source, dataset=dataset, expand=False)
    if skipped is not None:
        skipped.extend(found.skipped)
    return found.losses


def _shock_losses(shock, dataset) -> dict[str, float] | None:
    """Surviving share per key of one shock (``None``: not a country loss)."""
    size = float(shock.effective_size)
    if shock.kind in COUNTRY_KINDS:
        return {f"{shock.commodity}:{shock.country}": size}
    if shock.kind != "sea_lane_closure":
        return None
    routes = dataset.sea_routes
    regions = dataset.sea_regions.set_index("iso3")["origin_region"]
    through = routes["chokepoints"].fillna("").astype(str).str.split(";").apply(
        lambda ids, cp=shock.chokepoint: cp in [i.strip() for i in ids])
    share = routes.loc[through].groupby("origin_region")["share"].sum()
    out: dict[str, float] = {}
    for iso3, region in regions.items():
        part = float(share.get(region, 0.0))
        if part > 0:
            for commodity in (shock.commodities or (None,)):
                out[f"{commodity}:{iso3}" if commodity else str(iso3)] = size * part
    return out


def _combine(shocks: list[tuple[str, dict[str, float]]]) -> dict[str, float]:
    """Losses of shocks happening together.

    Country shocks on the same commodity and country take the largest
    (stages of one mine's supply); everything else combines as
    ``1 - prod(1 - loss)``.
    """
    largest: dict[str, float] = {}
    survive: dict[str, float] = {}
    for kind, losses in shocks:
        for key, loss in losses.items():
            if kind in COUNTRY_KINDS:
                largest[key] = max(largest.get(key, 0.0), loss)
            elif loss > 0:
                survive[key] = survive.get(key, 1.0) * (1.0 - min(1.0, loss))
    for key, loss in largest.items():
        if loss > 0:
            survive[key] = survive.get(key, 1.0) * (1.0 - min(1.0, loss))
    return {k: round(1.0 - v, 12) for k, v in sorted(survive.items()) if v < 1.0}


def _outcomes(file: Path, dataset, skipped: list[str], expand: bool
              ) -> tuple[str, list[tuple[str, dict[str, float], float]]]:
    """``(label, losses, probability)`` of each outcome of one file (strict reader)."""
    from scrisk.disruption import load_scenario

    scenario = load_scenario(file, dataset)
    mapped = []
    for shock in scenario.shocks:
        losses = _shock_losses(shock, dataset)
        if losses is None:
            skipped.append(f"{file.name}: shock {shock.id} ({shock.kind}) is not a country "
                           "loss of secured supply")
        elif losses:
            mapped.append((shock, losses))
    if not mapped:
        return scenario.name, []
    every = _combine([(s.kind, loss) for s, loss in mapped])
    if not expand:
        prob = 1.0
        for s, _ in mapped:
            prob *= s.probability
        return scenario.name, [(scenario.name, every, prob)]
    certain = [(s, loss) for s, loss in mapped if s.probability >= 1.0]
    uncertain = [(s, loss) for s, loss in mapped if s.probability < 1.0]
    if len(uncertain) > MAX_UNCERTAIN_SHOCKS:
        raise ScenarioError([f"{len(uncertain)} shocks with a probability below 1 give "
                             f"2^{len(uncertain)} joint outcomes; at most "
                             f"{MAX_UNCERTAIN_SHOCKS} per file (split the file)"], str(file))
    merged: dict[tuple, list] = {}
    for happens in itertools.product((False, True), repeat=len(uncertain)):
        prob = 1.0
        chosen = list(certain)
        for (shock, loss), on in zip(uncertain, happens, strict=True):
            prob *= shock.probability if on else 1.0 - shock.probability
            if on:
                chosen.append((shock, loss))
        if prob <= 0:
            continue
        losses = _combine([(s.kind, loss) for s, loss in chosen])
        key = tuple(sorted(losses.items()))
        ids = [s.id for s, _ in chosen if s.probability < 1.0]
        if key in merged:
            merged[key][2] += prob
        else:
            label = scenario.name if not uncertain else (
                f"{scenario.name} [{'+'.join(ids) if ids else 'certain shocks only'}]")
            merged[key] = [label, losses, prob]
    return scenario.name, [(label, losses, prob) for label, losses, prob in merged.values()]


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
