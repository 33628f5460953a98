"""Budget envelopes: spend limits that apply to some commodities only.

A government budget is voted for a purpose: the FY2024 supplementary budget
of 1,597 oku-yen is for copper and other base-metal rights, not for lithium.
An :class:`BudgetEnvelope` says how much may be spent on candidates of which
commodities; a portfolio is solved under one or more of them::

    sum over candidates i in the envelope's scope of cost_i x stake_i <= amount

Envelopes may overlap (``all=2000`` and ``battery=800``: at most 800 of the
2,000 on battery materials); a candidate that no envelope covers is left out
of the model and listed with the reason.

Scopes are written as text: ``all`` (every commodity), a commodity group of
``commodities.csv`` (``base_metal``, ``battery``, ``rare_metal``,
``precious``; a plural such as ``base_metals`` is accepted), a commodity
(``copper``), or several joined by ``+`` or ``,`` (``copper+zinc``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scrisk.exceptions import UnknownChoiceError

ALL = "all"
ALL_WORDS = ("all", "total", "*")
POLICY = "policy"
POLICY_METRIC = "budget_upstream_rights"


@dataclass(frozen=True)
class BudgetEnvelope:
    """A spend limit for candidates of some commodities.

    Attributes
    ----------
    name : str
        Label shown in results, e.g. ``base_metal`` or ``all``.
    amount_oku_yen : float
        The limit, oku-yen (100 million yen).
    scope : str
        The scope as written (``all``, ``base_metal``, ``copper+zinc``).
    commodities : tuple of str or None
        Commodities covered; ``None`` covers every commodity.
    source : str
        Where the amount comes from (a policy row, the command line, ...).

    Examples
    --------
    >>> e = BudgetEnvelope("base_metal", 1597.0, "base_metal", ("copper", "lead", "zinc"))
    >>> e.covers("zinc"), e.covers("lithium")
    (True, False)
    """

    name: str
    amount_oku_yen: float
    scope: str = ALL
    commodities: tuple[str, ...] | None = None
    source: str = ""

    def covers(self, commodity: str) -> bool:
        """Whether candidates of ``commodity`` spend from this envelope."""
        return self.commodities is None or commodity in self.commodities

    def with_amount(self, amount_oku_yen: float) -> BudgetEnvelope:
        """The same envelope with another amount (for the budget frontier)."""
        return BudgetEnvelope(self.name, float(amount_oku_yen), self.scope, self.commodities,
                              self.source)


def resolve_scope(scope: str, commodity_group: Mapping[str, str]) -> tuple[str, ...] | None:
    """Commodities named by a scope (``None`` for every commodity).

    Parameters
    ----------
    scope : str
        ``all``, a group, a commodity, or several joined by ``+`` or ``,``.
    commodity_group : mapping commodity -> group
        From ``commodities.csv`` (or a problem built without a dataset).

    Raises
    ------
    UnknownChoiceError
        For a word that is neither a group nor a commodity.

    Examples
    --------
    >>> groups = {"copper": "base_metal", "zinc": "base_metal", "lithium": "battery"}
    >>> resolve_scope("base_metals", groups)
    ('copper', 'zinc')
    >>> resolve_scope("copper+lithium", groups)
    ('copper', 'lithium')
    >>> resolve_scope("all", groups) is None
    True
    """
    words = [w.strip().lower() for w in scope.replace("+", ",").split(",") if w.strip()]
    if not words:
        raise UnknownChoiceError("budget scope", scope, _choices(commodity_group))
    if any(w in ALL_WORDS for w in words):
        return None
    groups = sorted(set(commodity_group.values()))
    out: set[str] = set()
    for word in words:
        if word in commodity_group:
            out.add(word)
            continue
        group = word if word in groups else (word[:-1] if word.endswith("s") and word[:-1]
                                             in groups else None)
        if group is None:
            raise UnknownChoiceError("budget scope (commodity group or commodity)", word,
                                     _choices(commodity_group))
        out.update(c for c, g in commodity_group.items() if g == group)
    return tuple(sorted(out))


def _choices(commodity_group: Mapping[str, str]) -> list[str]:
    return [ALL, *sorted(set(commodity_group.values())), *sorted(commodity_group)]


def make_envelope(scope: str, amount_oku_yen: float, commodity_group: Mapping[str, str],
                  source: str = "") -> BudgetEnvelope:
    """An envelope from a scope text and an amount (checked: a finite number >= 0).

    Examples
    --------
    >>> make_envelope("battery", 800, {"lithium": "battery", "copper": "base_metal"})
    BudgetEnvelope(name='battery', amount_oku_yen=800.0, scope='battery', commodities=('lithium',), source='')
    """
    from scrisk.optimize.problem import PortfolioParameterError

    amount = float(amount_oku_yen)
    if not math.isfinite(amount) or amount < 0:
        what = "budget_oku_yen" if scope.strip().lower() in ALL_WORDS else \
            f"the budget for {scope!r}"
        raise PortfolioParameterError(
            f"{what} must be a number >= 0 (oku-yen, 100 million yen), got {amount_oku_yen}")
    commodities = resolve_scope(scope, commodity_group)
    name = ALL if commodities is None else _name(scope)
    return BudgetEnvelope(name, amount, scope, commodities, source)


def _name(scope: str) -> str:
    words = [w.strip().lower() for w in scope.replace("+", ",").split(",") if w.strip()]
    words = [w[:-1] if w in ("base_metals", "rare_metals", "batteries") else w for w in words]
    words = ["battery" if w == "batterie" else w for w in words]
    return "+".join(words)


def parse_budget(text: str, commodity_group: Mapping[str, str]) -> BudgetEnvelope:
    """One ``--budget`` value: ``1597`` (every commodity) or ``scope=amount``.

    Examples
    --------
    >>> g = {"copper": "base_metal", "zinc": "base_metal", "lithium": "battery"}
    >>> parse_budget("base_metals=1597", g).commodities
    ('copper', 'zinc')
    >>> parse_budget("1597", g).name
    'all'
    """
    from scrisk.optimize.problem import PortfolioParameterError

    scope, sep, amount = str(text).rpartition("=")
    if not sep:
        scope = ALL
    try:
        value = float(amount)
    except ValueError:
        raise PortfolioParameterError(
            f"--budget expects an amount in oku-yen (e.g. 1597) or scope=amount (e.g. "
            f"base_metals=1597, battery=800, copper+zinc=500); got {text!r}") from None
    return make_envelope(scope.strip() or ALL, value, commodity_group, source="command line")


def envelopes_from(spec, commodity_group: Mapping[str, str],
                   policy: Sequence[BudgetEnvelope] = ()) -> tuple[BudgetEnvelope, ...] | None:
    """Normalise a budget specification to envelopes (``None``: no spend limit).

    ``spec`` may be ``None`` (no limit), ``"policy"`` (the envelopes of
    ``policy_targets.csv``, see :func:`policy_envelopes`), a number (one
    envelope over every commodity), a mapping scope -> amount, or a sequence
    of :class:`BudgetEnvelope` / ``"scope=amount"`` texts / numbers.

    Examples
    --------
    >>> g = {"copper": "base_metal", "lithium": "battery"}
    >>> [e.name for e in envelopes_from({"base_metals": 1597, "battery": 800}, g)]
    ['base_metal', 'battery']
    >>> envelopes_from(100, g)[0].commodities is None
    True
    """
    from scrisk.optimize.problem import PortfolioParameterError

    if spec is None:
        return None
    if isinstance(spec, str) and spec == POLICY:
        return tuple(policy) if policy else None
    if isinstance(spec, BudgetEnvelope):
        return (spec,)
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        return (make_envelope(ALL, spec, commodity_group),)
    if isinstance(spec, str):
        return (parse_budget(spec, commodity_group),)
    if isinstance(spec, Mapping):
        items: Iterable = [make_envelope(str(k), v, commodity_group) for k, v in spec.items()]
    else:
        items = []
        for item in spec:
            if isinstance(item, BudgetEnvelope):
                items.append(item)
            elif isinstance(item, str):
                items.append(parse_budget(item, commodity_group))
            elif isinstance(item, int | float) and not isinstance(item, bool):
                items.append(make_envelope(ALL, item, commodity_group))
            else:
                raise PortfolioParameterError(
                    f"a budget must be a number, 'scope=amount' or a BudgetEnvelope, got {item!r}")
    out = tuple(items)
    names = [e.name for e in out]
    if len(set(names)) != len(names):
        raise PortfolioParameterError(f"each budget envelope may be given once, got {names}")
    return out


def policy_envelopes(dataset, iso3: str = "JPN") -> tuple[BudgetEnvelope, ...]:
    """Budget envelopes of ``policy_targets.csv``: rows ``budget_upstream_rights`` with a scope.

    The latest year's rows of the importer count; a row without a ``scope``
    covers every commodity.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> [(e.name, e.amount_oku_yen) for e in policy_envelopes(load_dataset())]
    [('base_metal', 1597.0)]
    """
    table = dataset.policy_targets
    rows = table.loc[(table["iso3"] == iso3) & (table["metric"] == POLICY_METRIC)]
    if rows.empty:
        return ()
    rows = rows.loc[rows["year"] == rows["year"].max()].sort_values("target_id")
    groups = commodity_groups(dataset)
    out = []
    for row in rows.itertuples(index=False):
        scope = getattr(row, "scope", None)
        scope = scope if isinstance(scope, str) and scope.strip() else ALL
        out.append(make_envelope(scope, float(row.value), groups,
                                 source=f"policy_targets.csv {row.target_id}"))
    return tuple(out)


def commodity_groups(dataset) -> dict[str, str]:
    """Commodity -> group of ``commodities.csv``."""
    com = dataset.commodities
    return dict(zip(com["commodity"], com["group"], strict=True))
