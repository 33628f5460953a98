"""GeoPolRisk: geopolitical supply risk of an importer for a raw material.

Following Gemechu et al. (2016), Helbig et al. (2016) and Koyamparambath et
al. (2024), and computed exactly as the reference implementation
``geopolrisk-py`` 2.0.1 does on the same inputs:

    score = HHI x import_risk
    HHI = sum_c P_c^2 / (sum_c P_c)^2     world mine production P_c, each value
                                          truncated to an integer of its source unit
    import_risk = sum_i g_i f_i / (D + sum_i f_i)
    g_i = clip((2.5 - WGI_i) / 5, 0, 1)   WGI political stability of partner i;
                                          0.5 when missing; 0 inside the importing group
    price = sum_i v_i / sum_i f_i         USD per kg (thousand USD per tonne)
    CF = score x price / 0.409412948      characterisation factor, kg Cu-eq per kg

with f_i, v_i the quantity and value imported from partner i under the
commodity's HS codes (``hs_gpr`` of ``commodities.csv``) and D the importer's
own mine production in tonnes. 0.409412948 is the reference's normaliser:
the average score x price of copper for OECD countries 2017-2021, so that
CF is expressed in copper equivalents.

Two sources of g (``GeoPolRiskOptions.governance``): ``"published"`` (the
default) reads the WGI estimates of ``governance.csv``; ``"reference"``
reads the weights exactly as the reference package looks them up in its own
bundled table (``governance_reference.csv``: Taiwan and six others absent,
so 0.5; Guyana's duplicated code resolved to the first row; ``nan`` cells
that make the result NaN), so that its published characterisation factors
can be quoted. Everything else is the same in both modes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.exceptions import ScriskError, UnknownChoiceError
from scrisk.network import positions

CF_COPPER_NORMALISER = 0.409412948
MISSING_G = 0.5
# Units whose World Mining Data source figures were in kilograms: the reference
# truncates production to whole source units before the HHI.
KG_SOURCE_UNITS = frozenset({"platinum", "palladium", "rhodium", "silver", "gold"})
GOVERNANCE_SOURCES = ("published", "reference")
TABLE_COLUMNS = ["importer", "commodity", "year", "hhi", "import_risk", "score",
                 "price_usd_per_kg", "characterization_factor", "imports_t",
                 "domestic_production_t", "governance_fallback_share", "governance_fallback"]


@dataclass(frozen=True)
class GeoPolRiskOptions:
    """Settings of a GeoPolRisk computation, shared by the API and ``scrisk metrics geopolrisk``.

    Attributes
    ----------
    governance : {"published", "reference"}
        Where the partner weights g come from. ``"published"`` (default):
        the WGI estimates of ``governance.csv``, as the World Bank publishes
        them. ``"reference"``: the weights exactly as the reference package
        ``geopolrisk-py`` 2.0.1 looks them up in its bundled table
        (``governance_reference.csv``), which reproduces its published
        scores and characterisation factors, defects included (Taiwan and
        six others get the missing-value weight; see ``docs/methods.md``).

    Examples
    --------
    >>> GeoPolRiskOptions(governance="reference").governance
    'reference'
    """

    governance: str = "published"

    def __post_init__(self) -> None:
        if self.governance not in GOVERNANCE_SOURCES:
            raise UnknownChoiceError("governance source", self.governance, GOVERNANCE_SOURCES)


@dataclass(frozen=True)
class GeoPolRiskResult:
    """GeoPolRisk of one importer, commodity and year.

    ``notes`` say where the number rests on a fallback (a partner without a
    governance value, weighted 0.5) and which governance source was used.
    """

    importer: str
    commodity: str
    year: int
    hhi: float
    import_risk: float
    score: float
    price_usd_per_kg: float
    characterization_factor: float
    imports_t: float
    domestic_production_t: float
    governance: str = "published"
    governance_fallback_share: float = 0.0
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        """All fields, JSON-ready."""
        out = asdict(self)
        out["notes"] = list(self.notes)
        return out

    def summary(self) -> pd.DataFrame:
        """One-row table of the numbers (the notes are in ``attrs["notes"]``)."""
        row = {k: v for k, v in asdict(self).items() if k != "notes"}
        table = pd.DataFrame([row])
        table.attrs["notes"] = list(self.notes)
        return table


def partner_weight(estimate: np.ndarray) -> np.ndarray:
    """g = clip((2.5 - WGI) / 5, 0, 1), and 0.5 where the estimate is missing.

    Examples
    --------
    >>> import numpy as np
    >>> partner_weight(np.array([2.5, 0.0, -3.0, np.nan]))
    array([0. , 0.5, 1. , 0.5])
    """
    g = np.clip((2.5 - np.asarray(estimate, dtype=float)) / 5.0, 0.0, 1.0)
    return np.where(np.isnan(g), MISSING_G, g)


def production_hhi(quantities: np.ndarray, source_scale: float = 1.0) -> float:
    """HHI of world production with each figure truncated to whole source units.

    Examples
    --------
    >>> production_hhi(np.array([60.9, 40.2]))
    0.52
    """
    whole = _whole_units(np.asarray(quantities, dtype=float), source_scale)
    total = whole.sum()
    return float((whole**2).sum() / (total * total))


def _whole_units(values: np.ndarray, scale: float | np.ndarray) -> np.ndarray:
    """Production truncated to whole source units (kg for precious metals, else tonnes)."""
    values = np.nan_to_num(values)
    # figures converted from kg carry float noise (0.43 t x 1000 = 429.99...): round it off
    scaled = np.where(np.asarray(scale) == 1.0, values, np.round(values * scale, 6))
    return np.trunc(scaled)


def _resolve_importers(dataset: Dataset, importers: Iterable[str | Iterable[str]],
                       index: dict[str, int]) -> list[tuple[str, tuple[str, ...]]]:
    """Name and ISO3 members of each importer: a country, a group of the data, or a list."""
    groups = dataset.country_groups
    by_group = {str(g): tuple(sorted(set(part["iso3"].astype(str))))
                for g, part in groups.groupby("group", sort=False)}
    resolved = []
    for importer in importers:
        if isinstance(importer, str):
            # other names of a group (EU, European Union, 欧州連合 for EU27) come from the
            # country resolver's one table of group names
            name = importer if importer in by_group else \
                dataset.countries_resolver.resolve_group(importer)
            if name in by_group:
                resolved.append((name, by_group[name]))
                continue
            iso3 = importer if importer in index else dataset.check_country(importer)
            resolved.append((iso3, (iso3,)))
        else:
            members = tuple(sorted({dataset.check_country(c) for c in importer}))
            resolved.append(("+".join(members), members))
    return resolved


def _options(options: GeoPolRiskOptions | None, governance: str | None) -> GeoPolRiskOptions:
    if options is None:
        return GeoPolRiskOptions() if governance is None else GeoPolRiskOptions(governance)
    if governance is not None and governance != options.governance:
        return GeoPolRiskOptions(governance)
    return options


def geopolrisk(dataset: Dataset, importer: str | Iterable[str], commodity: str, year: int,
               options: GeoPolRiskOptions | None = None, *, governance: str | None = None
               ) -> GeoPolRiskResult:
    """GeoPolRisk of an importer (a country, a group such as ``EU27``, or a list of countries).

    Parameters
    ----------
    dataset : Dataset
    importer : str or iterable of str
        ISO3 code or name, a group of ``country_groups.csv`` (``EU`` is
        read as ``EU27``), or a list of countries acting as one economy.
    commodity : str
    year : int
    options : GeoPolRiskOptions, optional
    governance : {"published", "reference"}, optional
        Shortcut for ``options=GeoPolRiskOptions(governance=...)``.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> ds = load_dataset()
    >>> result = geopolrisk(ds, "JPN", "cobalt", 2022)
    >>> 0 <= result.hhi <= 1 and 0 <= result.import_risk <= 1
    True
    >>> ref = geopolrisk(ds, "JPN", "cobalt", 2022, governance="reference")
    >>> ref.hhi == result.hhi and ref.score != result.score   # Taiwan weighs 0.5 there
    True
    """
    opts = _options(options, governance)
    table = geopolrisk_table(dataset, [importer], [commodity], [year], opts)
    row = table.iloc[0]
    return GeoPolRiskResult(
        importer=str(row["importer"]), commodity=commodity, year=int(year),
        hhi=float(row["hhi"]), import_risk=float(row["import_risk"]),
        score=float(row["score"]), price_usd_per_kg=float(row["price_usd_per_kg"]),
        characterization_factor=float(row["characterization_factor"]),
        imports_t=float(row["imports_t"]),
        domestic_production_t=float(row["domestic_production_t"]),
        governance=opts.governance,
        governance_fallback_share=float(row["governance_fallback_share"]),
        notes=tuple(cell_notes(row, opts.governance)))


def basis_note(dataset: Dataset, commodity: str) -> str:
    """The units of ``imports_t`` and ``domestic_production_t``, in words.

    The method reads trade as BACI reports it (gross product weight, not
    repaired) and own production in the mine statistic's unit, whereas every
    other scrisk table is in contained metal: the two tonnages differ (Japan's
    copper: about 4.1 Mt of concentrate here, 1.3 Mt of contained copper in
    ``scrisk metrics dependency``).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> note = basis_note(load_dataset(), "lithium")
    >>> note.startswith("imports: gross product weight") and "t Li2O" in note
    True
    """
    prod = dataset.production
    units = prod.loc[(prod["commodity"] == commodity) & (prod["stage"] == "mining"), "unit"]
    unit = str(units.iloc[0]) if len(units) else "t"
    return ("imports: gross product weight as BACI reports it under the method's HS codes "
            "(not contained metal, not repaired); domestic production: mine output in "
            f"{unit} (GeoPolRisk reference basis; contained-metal imports: "
            "scrisk metrics dependency)")


def cell_notes(row: pd.Series | dict, governance: str = "published") -> list[str]:
    """Plain-language notes on one row of :func:`geopolrisk_table`.

    Examples
    --------
    >>> cell_notes({"governance_fallback": "TWN", "governance_fallback_share": 0.25,
    ...             "import_risk": 0.3}, "published")
    ['no governance value for TWN (25.0% of imports): weighted 0.5, the missing-value weight']
    """
    notes = []
    partners = row["governance_fallback"]
    if isinstance(partners, str) and partners:
        notes.append(f"no governance value for {partners.replace(';', ', ')} "
                     f"({row['governance_fallback_share']:.1%} of imports): weighted "
                     f"{MISSING_G:g}, the missing-value weight")
    if governance == "reference":
        notes.append("governance: the reference package's table (geopolrisk-py 2.0.1), "
                     "not the published WGI")
        if not np.isfinite(float(row["import_risk"])):
            notes.append("the reference's table holds 'nan' for a partner of this cell: "
                         "import risk, score and factor are NaN, as the reference returns")
    return notes


def geopolrisk_table(dataset: Dataset, importers: Iterable[str | Iterable[str]] | None = None,
                     commodities: Iterable[str] | None = None,
                     years: Iterable[int] | None = None,
                     options: GeoPolRiskOptions | None = None, *,
                     governance: str | None = None) -> pd.DataFrame:
    """GeoPolRisk for every importer x commodity x year, in one grouped pass over the trade.

    Parameters
    ----------
    dataset : Dataset
    importers : iterable, optional
        Countries (ISO3 or names), group names of ``country_groups.csv``
        (``EU`` for ``EU27``) or lists of countries; default every importer
        in the trade data.
    commodities : iterable of str, optional
        Default: every commodity with GeoPolRisk HS codes.
    years : iterable of int, optional
        Default: every year with production data.
    options : GeoPolRiskOptions, optional
    governance : {"published", "reference"}, optional
        Shortcut for ``options=GeoPolRiskOptions(governance=...)``.

    Returns
    -------
    pandas.DataFrame
        ``importer, commodity, year, hhi, import_risk, score,
        price_usd_per_kg, characterization_factor, imports_t,
        domestic_production_t, governance_fallback_share,
        governance_fallback``, commodity by commodity, year by year, importers
        in the order given. ``governance_fallback`` lists (``;``) the partners
        weighted with the missing-value weight, ``governance_fallback_share``
        their share of the imported quantity; ``attrs["notes"]`` says the
        same in words, and ``attrs["governance"]`` names the source of g.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> table = geopolrisk_table(load_dataset(), ["JPN", "EU"], ["cobalt"], [2023])
    >>> table["importer"].tolist()
    ['JPN', 'EU27']
    """
    opts = _options(options, governance)
    com = dataset.commodities.set_index("commodity")
    if commodities is None:
        commodities = [c for c in com.index if _hs_codes(com.at[c, "hs_gpr"])]
    commodities = [dataset.check_commodity(c) for c in commodities]
    years = [dataset.check_year(y) for y in (years if years is not None
                                             else dataset.years("production"))]
    for commodity in commodities:
        if not _hs_codes(com.at[commodity, "hs_gpr"]):
            raise UnknownChoiceError(f"commodity with GeoPolRisk HS codes (not {commodity!r})",
                                     commodity, [c for c in com.index
                                                 if _hs_codes(com.at[c, "hs_gpr"])])
    countries = tuple(sorted(dataset.countries["iso3"]))
    index = {c: i for i, c in enumerate(countries)}
    trade = dataset.trade
    if importers is None:
        importers = sorted(set(_column_codes(trade["importer"], index)[1]))
    resolved = _resolve_importers(dataset, importers, index)
    names = [name for name, _ in resolved]
    n_countries, n_rows = len(countries), len(resolved)
    # membership as (importer row, country) pairs: a country may sit in several importers
    pair_r = np.array([r for r, (_, m) in enumerate(resolved) for _ in m], dtype=np.int64)
    pair_c = np.array([index[c] for _, m in resolved for c in m], dtype=np.int64)
    inside = np.zeros((n_rows, n_countries), dtype=bool)
    inside[pair_r, pair_c] = True

    n_com, n_year = len(commodities), len(years)
    g, g_missing, g_fails = _partner_weights(dataset, opts.governance, years, index)

    # ---- trade: one pass, integer codes, no per-commodity string comparison
    com_pos, hs_pos, hs_keys = _trade_keys(trade, commodities)
    wanted = np.zeros((n_com, len(hs_keys) + 1), dtype=bool)  # last column: code not used
    hs_lookup = {h: i for i, h in enumerate(hs_keys)}
    for c, commodity in enumerate(commodities):
        for code in _hs_codes(com.at[commodity, "hs_gpr"]):
            if code in hs_lookup:
                wanted[c, hs_lookup[code]] = True
    year_pos = _year_positions(trade["year"].to_numpy(), years)
    keep = (com_pos >= 0) & (year_pos >= 0)
    keep[keep] = wanted[com_pos[keep], hs_pos[keep]]
    rows = np.flatnonzero(keep)
    del keep, hs_pos
    imp = _column_codes(trade["importer"], index, rows)[0]
    # each flow, once for every importer row it lands in
    flow, r = _expand(imp, pair_r, pair_c, n_countries)
    rows = rows[flow]
    del imp
    e = _column_codes(trade["exporter"], index, rows)[0]
    # the method is defined on BACI as published: reported quantities, not the repaired
    # ones the supply network uses (docs/methods.md, GeoPolRisk)
    qf = _reported_quantity(trade, rows)
    vf = np.nan_to_num(trade["value_kusd"].to_numpy(dtype=float)[rows])
    cy = com_pos[rows] * n_year + year_pos[rows]            # commodity-year of each flow
    del com_pos, year_pos, rows, flow
    partner_inside = inside[r, e]
    year_of = cy % n_year
    weight = np.where(partner_inside, 0.0, g[year_of, e])
    if g_fails is not None and (g_fails[year_of, e] & ~partner_inside).any():
        bad = np.flatnonzero(g_fails[year_of, e] & ~partner_inside)[0]
        raise ScriskError(
            f"governance_reference.csv holds 'None' for {countries[e[bad]]} in "
            f"{years[year_of[bad]]}, a partner of {names[r[bad]]}: the reference package "
            "stops on this cell, so there is no reference value to reproduce")
    key = r * (n_com * n_year) + cy                       # importer-commodity-year cell
    size = n_rows * n_com * n_year
    numerator = np.bincount(key, weights=weight * qf, minlength=size)
    total = np.bincount(key, weights=qf, minlength=size)
    total_value = np.bincount(key, weights=vf, minlength=size)
    del weight, vf
    fallback = g_missing[year_of, e] & ~partner_inside & (qf > 0)
    fallback_t = np.bincount(key[fallback], weights=qf[fallback], minlength=size)

    # ---- production: HHI per commodity-year, own production per importer cell
    prod = dataset.production
    prod = prod.loc[(prod["stage"] == "mining").to_numpy()]
    p_com = pd.Index(commodities).get_indexer(prod["commodity"].astype(object).to_numpy())
    p_year = _year_positions(prod["year"].to_numpy(), years)
    p_keep = (p_com >= 0) & (p_year >= 0)
    prod = prod.loc[p_keep]
    p_cy = p_com[p_keep] * n_year + p_year[p_keep]
    p_q = prod["quantity"].to_numpy(dtype=float)
    p_pos = _column_codes(prod["iso3"], index)[0]
    scale = np.array([1000.0 if c in KG_SOURCE_UNITS else 1.0 for c in commodities])
    whole = _whole_units(p_q, scale[p_cy // n_year])
    with np.errstate(divide="ignore", invalid="ignore"):
        hhi_cy = (np.bincount(p_cy, weights=whole**2, minlength=n_com * n_year)
                  / np.bincount(p_cy, weights=whole, minlength=n_com * n_year) ** 2)
    # own production D: summed over members, not truncated
    p_flow, p_r = _expand(p_pos, pair_r, pair_c, n_countries)
    domestic = np.bincount(p_r * (n_com * n_year) + p_cy[p_flow],
                           weights=np.nan_to_num(p_q)[p_flow], minlength=size)

    # ---- cells, ordered commodity, year, importer
    def cells(a: np.ndarray) -> np.ndarray:
        return a.reshape(n_rows, n_com * n_year).T.reshape(-1)

    numerator, total, total_value = cells(numerator), cells(total), cells(total_value)
    domestic, fallback_t = cells(domestic), cells(fallback_t)
    hhi = np.repeat(hhi_cy, n_rows)
    denominator = total + domestic
    with np.errstate(divide="ignore", invalid="ignore"):
        import_risk = np.where(denominator > 0, numerator / denominator, 0.0)
        price = np.where(total > 0, total_value / total, 0.0)
        fallback_share = np.where(total > 0, fallback_t / total, 0.0)
    score = hhi * import_risk
    table = pd.DataFrame({
        "importer": np.tile(np.asarray(names, dtype=object), n_com * n_year),
        "commodity": np.repeat(np.asarray(commodities, dtype=object), n_year * n_rows),
        "year": np.tile(np.repeat(np.asarray(years, dtype=np.int64), n_rows), n_com),
        "hhi": hhi, "import_risk": import_risk, "score": score, "price_usd_per_kg": price,
        "characterization_factor": score * price / CF_COPPER_NORMALISER,
        "imports_t": total, "domestic_production_t": domestic,
        "governance_fallback_share": fallback_share,
        "governance_fallback": _fallback_lists(key, e, fallback, countries, n_rows,
                                               n_com * n_year),
    })
    table.attrs["governance"] = opts.governance
    table.attrs["notes"] = _table_notes(table, opts.governance)
    return table


def _partner_weights(dataset: Dataset, governance: str, years: list[int],
                     index: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """g per (year, country), where the missing-value weight was used, and reference failures.

    Published: g from the WGI estimate (``partner_weight``). Reference: the
    weight the reference package reads; absent rows and ``NA``/null cells
    take 0.5 (its missing-value rule), ``nan`` cells are NaN (they poison the
    cell, as in the reference) and ``None`` cells are flagged: the reference
    stops there.
    """
    n = len(index)
    g = np.full((len(years), n), MISSING_G)
    missing = np.ones((len(years), n), dtype=bool)
    fails = None
    if governance == "published":
        gov = dataset.governance
        y = _year_positions(gov["year"].to_numpy(), years)
        ok = y >= 0
        pos = _column_codes(gov["iso3"], index)[0][ok]
        estimate = gov["wgi_political_stability"].to_numpy(dtype=float)[ok]
        g[y[ok], pos] = partner_weight(estimate)
        missing[y[ok], pos] = np.isnan(estimate)
        return g, missing, fails
    ref = dataset.governance_reference
    if len(ref) == 0:
        raise ScriskError("--governance reference needs minerals/governance_reference.csv "
                          "(the reference package's partner weights; shipped with scrisk, "
                          "rebuilt by scripts/build_data.py): the data folder has none")
    y = _year_positions(ref["year"].to_numpy(), years)
    ok = y >= 0
    pos = _column_codes(ref["iso3"], index)[0][ok]
    cell = ref["cell"].astype(object).to_numpy()[ok]
    weight = ref["normalized_weight"].to_numpy(dtype=float)[ok]
    number = cell == "number"
    g[y[ok][number], pos[number]] = weight[number]
    missing[y[ok][number], pos[number]] = False
    poisoned = cell == "nan"
    g[y[ok][poisoned], pos[poisoned]] = np.nan
    missing[y[ok][poisoned], pos[poisoned]] = False
    stops = cell == "None"
    if stops.any():
        fails = np.zeros((len(years), n), dtype=bool)
        fails[y[ok][stops], pos[stops]] = True
    return g, missing, fails


def _fallback_lists(key: np.ndarray, partner: np.ndarray, fallback: np.ndarray,
                    countries: tuple[str, ...], n_rows: int, n_cy: int) -> np.ndarray:
    """Per cell (commodity, year, importer order), the ';'-joined partners weighted 0.5."""
    out = np.full(n_rows * n_cy, "", dtype=object)
    if not fallback.any():
        return out
    pairs = pd.DataFrame({"key": key[fallback], "partner": partner[fallback]}).drop_duplicates()
    pairs = pairs.sort_values(["key", "partner"])
    for cell_key, group in pairs.groupby("key", sort=False)["partner"]:
        r, cy = divmod(int(cell_key), n_cy)
        out[cy * n_rows + r] = ";".join(countries[p] for p in group)
    return out


def _table_notes(table: pd.DataFrame, governance: str) -> list[str]:
    """Notes for a whole table: which cells rest on the missing-value weight."""
    notes = []
    hit = table.loc[table["governance_fallback"] != ""]
    if len(hit):
        partners = sorted({p for text in hit["governance_fallback"] for p in text.split(";")})
        shown = ", ".join(partners[:10]) + (f" and {len(partners) - 10} more"
                                            if len(partners) > 10 else "")
        notes.append(f"{len(hit)} of {len(table)} cells weight partners without a governance "
                     f"value ({shown}) with the missing-value weight {MISSING_G:g} "
                     f"(largest share of imports: {hit['governance_fallback_share'].max():.1%})")
    if governance == "reference":
        notes.append("governance: the reference package's table (geopolrisk-py 2.0.1), not the "
                     "published WGI")
        nan_cells = int(table["import_risk"].isna().sum())
        if nan_cells:
            notes.append(f"{nan_cells} cells are NaN: a partner's cell in the reference's table "
                         "is 'nan', and the reference returns NaN there")
    return notes


def _trade_keys(trade: pd.DataFrame, commodities: list[str]
                ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Commodity position (-1 if not asked) and HS6 code of every trade row, as integers."""
    com_codes, com_uniques = pd.factorize(trade["commodity"], use_na_sentinel=True)
    com_map = pd.Index(commodities).get_indexer(np.asarray(com_uniques, dtype=object))
    com_pos = np.where(com_codes >= 0, np.append(com_map, -1)[com_codes], -1)
    hs_codes, hs_uniques = pd.factorize(trade["hs6"], use_na_sentinel=True)
    hs_keys = [str(h) for h in hs_uniques]
    hs_pos = np.where(hs_codes >= 0, hs_codes, len(hs_keys))
    return com_pos.astype(np.int64), hs_pos.astype(np.int64), hs_keys


def _expand(member: np.ndarray, pair_r: np.ndarray, pair_c: np.ndarray, n_countries: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """Entries (row of ``member``, importer row) for every importer a country belongs to.

    ``member`` holds country positions; ``(pair_r, pair_c)`` the membership
    pairs. Rows of countries in no importer are dropped; a country in two
    requested groups gives two entries.
    """
    per_country = np.bincount(pair_c, minlength=n_countries)
    if per_country.max(initial=0) <= 1:        # every country in at most one importer
        owner = np.full(n_countries, -1, dtype=np.int64)
        owner[pair_c] = pair_r
        found = owner[member]
        flow = np.flatnonzero(found >= 0)
        return flow, found[flow]
    by_country = np.argsort(pair_c, kind="stable")
    starts = np.concatenate([[0], np.cumsum(per_country)])
    counts = per_country[member]
    flow = np.repeat(np.arange(len(member)), counts)
    offsets = np.arange(len(flow)) - np.repeat(np.cumsum(counts) - counts, counts)
    return flow, pair_r[by_country][np.repeat(starts[member], counts) + offsets]


def _column_codes(column: pd.Series, index: dict[str, int], rows: np.ndarray | None = None
                  ) -> tuple[np.ndarray, list[str]]:
    """Positions of a country column in ``index`` (of ``rows`` only if given), factorised first."""
    if isinstance(column.dtype, pd.CategoricalDtype):   # the loader's type: codes as they are
        codes, uniques = column.cat.codes.to_numpy(), column.cat.categories
    else:
        codes, uniques = pd.factorize(column)
    names = [str(u) for u in uniques]
    found = positions(pd.Series(names, dtype=object), index)
    return found[codes if rows is None else codes[rows]], names


def _year_positions(values: np.ndarray, years: list[int]) -> np.ndarray:
    """Position of each value in ``years`` (-1 if absent)."""
    lookup = pd.Index(np.asarray(years, dtype=np.int64))
    return lookup.get_indexer(np.asarray(values, dtype=np.int64)).astype(np.int64)


def _reported_quantity(trade: pd.DataFrame, rows: np.ndarray | None = None) -> np.ndarray:
    """BACI's own quantity where scrisk repaired a flow, else the table's (NaN read as 0)."""
    take = (lambda a: a) if rows is None else (lambda a: a[rows])  # noqa: E731
    q = take(trade["quantity_t"].to_numpy(dtype=float))
    if "repair" in trade and "quantity_t_reported" in trade:
        repair = trade["repair"]
        if isinstance(repair.dtype, pd.CategoricalDtype):   # the loader's type: no string scan
            codes, uniques = repair.cat.codes.to_numpy(), repair.cat.categories
        else:
            codes, uniques = pd.factorize(repair)
        flagged = np.append(np.asarray(pd.Series(uniques, dtype=object).map(
            lambda u: isinstance(u, str) and u != ""), dtype=bool), False)
        codes = take(np.asarray(codes))
        repaired = flagged[np.where(codes >= 0, codes, len(uniques))]
        q = np.where(repaired, take(trade["quantity_t_reported"].to_numpy(dtype=float)), q)
    return np.nan_to_num(q)


def _hs_codes(text: object) -> list[str]:
    if not isinstance(text, str):
        return []
    return [c.strip() for c in text.split(";") if c.strip()]
