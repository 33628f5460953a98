"""What every shock kind provides, the registry it joins, and the checks kinds share.

A shock kind is one :class:`ShockKind` (a frozen dataclass whose methods a
kind's module may override) registered in :data:`SHOCK_KINDS` by
:func:`register`. The scenario reader (:mod:`scrisk.disruption.scenarios`)
asks the registry for a kind's keys, checks, target description, the
commodities it touches and how it enters the engine; it never branches on a
kind's name.

Key checks (:data:`KeyCheck`) validate one key's value against the dataset and
return the fields they set on the shock; the shared ones (``country``,
``commodity``, ``stage``) are here, a kind's own keys are checked in its
module. Every check appends readable problems to ``ctx.problems`` instead of
raising, so one pass reports everything.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scrisk.data.schemas import STAGES
from scrisk.disruption.engine import LOG_FLOOR, SupplyModel, family_name
from scrisk.exceptions import SHOWN_PROBLEMS

if TYPE_CHECKING:
    from scrisk.data.load import Dataset
    from scrisk.disruption.scenarios import Shock

MAX_LIST = 1_000
"""Most entries of any other list in a scenario (``commodities``, ``sources``)."""


# --------------------------------------------------------------------------- checking


@dataclass
class CheckContext:
    """What a key check needs: the data, the scenario's importer, where to report."""

    dataset: Dataset
    importer: str
    where: str
    problems: list[str]


KeyCheck = Callable[[object, CheckContext], dict[str, object]]
"""Validate one key's value; return the shock fields it sets (a field is ``None`` when invalid)."""


def close_match(given: str, choices: Sequence[str], cutoff: float,
                problems: list[str]) -> list[str]:
    """The closest choice to suggest; none once the message is full (only the first
    :data:`~scrisk.exceptions.SHOWN_PROBLEMS` are shown, and fuzzy matching thousands of
    misspellings would take minutes)."""
    if len(problems) >= SHOWN_PROBLEMS:
        return []
    return difflib.get_close_matches(given, choices, n=1, cutoff=cutoff)


def check_country(dataset: Dataset, value: object, where: str,
                  problems: list[str]) -> str | None:
    """ISO3 code of a country name or code, or ``None`` with a problem (and suggestions)."""
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where} must be a country name or ISO3 code, got {value!r}"
                        + (" (in YAML, quote codes like 'NO')" if isinstance(value, bool) else ""))
        return None
    resolver = dataset.countries_resolver
    iso3 = resolver.resolve(value)
    if iso3 is None:
        hint = resolver.suggestions(value) if len(problems) < SHOWN_PROBLEMS else []
        text = f"; did you mean {' or '.join(hint)}?" if hint else ""
        problems.append(f"{where} {value!r} is not a known country{text}")
    return iso3


def check_choice(value: object, choices, kind: str, where: str, problems: list[str],
                 table: str) -> str | None:
    """``value`` if it is one of ``choices``, else ``None`` with a problem naming ``table``."""
    options = sorted({str(c) for c in choices})
    if isinstance(value, str) and value in options:
        return value
    close = close_match(str(value), options, 0.6, problems)
    hint = f"; did you mean {close[0]!r}?" if close else f" (see {table})"
    problems.append(f"{where} {value!r} is not a known {kind}{hint}")
    return None


def check_commodity(dataset: Dataset, value: object, where: str,
                    problems: list[str]) -> str | None:
    """``value`` if it is a commodity of ``minerals/commodities.csv``, else ``None``."""
    return check_choice(value, dataset.commodities_list, "commodity", where, problems,
                        "minerals/commodities.csv")


def _country_key(value: object, ctx: CheckContext) -> dict[str, object]:
    return {"country": check_country(ctx.dataset, value, f"{ctx.where}: country", ctx.problems)}


def _commodity_key(value: object, ctx: CheckContext) -> dict[str, object]:
    return {"commodity": check_commodity(ctx.dataset, value, f"{ctx.where}: commodity",
                                         ctx.problems)}


def _stage_key(value: object, ctx: CheckContext) -> dict[str, object]:
    if value not in STAGES:
        ctx.problems.append(f"{ctx.where}: stage {value!r} is not one of {', '.join(STAGES)}")
        return {"stage": None}
    return {"stage": value}


SHARED_KEY_CHECKS: dict[str, KeyCheck] = {
    "country": _country_key,
    "commodity": _commodity_key,
    "stage": _stage_key,
}
"""Checks of the keys several kinds use, run before any kind's own keys."""


# --------------------------------------------------------------------------- compiling


@dataclass
class CompileContext:
    """One commodity's shock matrices while a scenario is compiled for it.

    A kind's :meth:`ShockKind.compile` adds its shock ``j`` to these:

    ``log[family][(j, col)]``
        log of the share surviving at a gate (``family_name(kind, stage)``)
        of country column ``col``; surviving shares multiply.
    ``fac[stage][(j, col)]``
        share of a country's output lost to facility outages (shares add).
    ``lanes[j, k]``
        log of the share surviving chokepoint ``k`` (``None``: no sea routes).
    ``demand[j]``
        log of the factor on the importer's demand.
    ``outage[j, f]``
        share lost of the importer's secured facility ``f`` (row of ``mine``).
    """

    commodity: str
    year: int
    model: SupplyModel
    facilities: pd.DataFrame
    mine: pd.DataFrame
    log: dict[str, dict[tuple[int, int], float]]
    fac: dict[str, dict[tuple[int, int], float]]
    lanes: np.ndarray | None
    demand: np.ndarray
    outage: np.ndarray
    notes: list[str] = field(default_factory=list)


def log_survival(size: float) -> float:
    """Log of the share that survives a loss of ``size`` (floored, so a total loss stays finite)."""
    return float(np.log(max(1.0 - size, LOG_FLOOR)))


def compile_gate(j: int, shock: Shock, ctx: CompileContext, gate: str) -> None:
    """Lower the surviving share of the ``gate`` family (``production``, ``export``,
    ``link``) at the shock's stage for the shock's country."""
    model = ctx.model
    family = family_name(gate, shock.stage)
    if shock.stage not in model.flow.stages:
        ctx.notes.append(f"{shock.id}: {ctx.commodity} has no {shock.stage} stage in the "
                         f"{ctx.year} data (stages: {', '.join(model.flow.stages)})")
    col = model.index(shock.country)
    if col is not None:
        cells = ctx.log.setdefault(family, {})
        cells[(j, col)] = cells.get((j, col), 0.0) + log_survival(shock.effective_size)


# --------------------------------------------------------------------------- kinds


@dataclass(frozen=True)
class ShockKind:
    """One kind of shock: its keys, its checks and how it enters the engine.

    Attributes
    ----------
    name : str
        The ``kind`` value of a scenario file.
    required : tuple of str
        Keys a shock of this kind must give (besides ``kind``).
    optional : tuple of str
        Keys it may give besides the common ones (``id``, ``size``, ...).
    default_size : float or None
        ``size`` when the file gives none (``None``: ``size`` is required).
    key_checks : mapping of str to KeyCheck
        Checks of the keys this kind introduces (the shared keys ``country``,
        ``commodity``, ``stage`` are checked in :mod:`.base`).
    derives_target : bool
        Whether its key checks set the shared fields from the data (a
        facility gives its commodity and stage); such checks run after every
        other key's, so that what the data says wins.
    """

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    default_size: float | None = None
    key_checks: Mapping[str, KeyCheck] = field(default_factory=dict)
    derives_target: bool = False

    def target(self, shock: Shock) -> str:
        """Short human-readable description of what the shock hits."""
        raise NotImplementedError

    def commodities(self, shock: Shock) -> tuple[str, ...] | None:
        """Commodities the shock can affect (``None``: every commodity)."""
        return () if shock.commodity is None else (shock.commodity,)

    def applies_to(self, shock: Shock, commodity: str) -> bool:
        """Whether the shock can change the supply of ``commodity``."""
        return shock.commodity == commodity

    def compile(self, j: int, shock: Shock, ctx: CompileContext) -> None:
        """Add shock ``j`` (which applies to ``ctx.commodity``) to the matrices of ``ctx``."""
        raise NotImplementedError


SHOCK_KINDS: dict[str, ShockKind] = {}
"""Every shock kind by name, in the order the kinds are listed to users."""


def register(kind: ShockKind) -> ShockKind:
    """Add a kind to :data:`SHOCK_KINDS` (once per name) and return it."""
    if kind.name in SHOCK_KINDS:
        raise ValueError(f"shock kind {kind.name!r} is registered twice")
    SHOCK_KINDS[kind.name] = kind
    return kind


def key_checks() -> dict[str, KeyCheck]:
    """Every key check, in the order they run: shared keys, then each kind's own keys
    (those of kinds that derive the target last)."""
    out = dict(SHARED_KEY_CHECKS)
    kinds = sorted(SHOCK_KINDS.values(), key=lambda k: k.derives_target)   # stable
    for kind in kinds:
        for key, check in kind.key_checks.items():
            out.setdefault(key, check)
    return out


def is_number(value: object) -> bool:
    """A finite int or float (not a bool)."""
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(float(value)))
