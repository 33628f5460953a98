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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.exceptions import UnknownChoiceError
from scrisk.network import positions

CF_COPPER_NORMALISER = 0.409412948
MISSING_G = 0.5
# Units whose World Mining Data source figures were in kilograms: the reference
# truncates production to whole source units before the HHI.
KG_SOURCE_UNITS = frozenset({"platinum", "palladium", "rhodium", "silver", "gold"})


@dataclass(frozen=True)
class GeoPolRiskResult:
    """GeoPolRisk of one importer, commodity and year."""

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

    def as_dict(self) -> dict[str, object]:
        """All fields, JSON-ready."""
        return asdict(self)

    def summary(self) -> pd.DataFrame:
        """One-row table."""
        return pd.DataFrame([self.as_dict()])


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
    values = np.nan_to_num(np.asarray(quantities, dtype=float))
    # figures converted from kg carry float noise (0.43 t x 1000 = 429.99...): round it off
    scaled = values if source_scale == 1.0 else np.round(values * source_scale, 6)
    whole = np.trunc(scaled)
    total = whole.sum()
    return float((whole**2).sum() / (total * total))


def _members(dataset: Dataset, importer: str | Iterable[str]) -> tuple[str, tuple[str, ...]]:
    """Name and ISO3 members of an importer: a country, a group of the data, or a list."""
    if isinstance(importer, str):
        groups = dataset.country_groups
        if importer in set(groups["group"]):
            return importer, tuple(sorted(dataset.group_members(importer)))
        iso3 = dataset.check_country(importer)
        return iso3, (iso3,)
    members = tuple(sorted(dataset.check_country(c) for c in importer))
    return "+".join(members), members


def geopolrisk(dataset: Dataset, importer: str | Iterable[str], commodity: str, year: int
               ) -> GeoPolRiskResult:
    """GeoPolRisk of an importer (a country, a group such as ``EU27``, or a list of countries).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> result = geopolrisk(load_dataset(), "JPN", "cobalt", 2022)
    >>> 0 <= result.hhi <= 1 and 0 <= result.import_risk <= 1
    True
    """
    table = geopolrisk_table(dataset, [importer], [commodity], [year])
    row = table.iloc[0]
    return GeoPolRiskResult(
        importer=str(row["importer"]), commodity=commodity, year=int(year),
        hhi=float(row["hhi"]), import_risk=float(row["import_risk"]),
        score=float(row["score"]), price_usd_per_kg=float(row["price_usd_per_kg"]),
        characterization_factor=float(row["characterization_factor"]),
        imports_t=float(row["imports_t"]),
        domestic_production_t=float(row["domestic_production_t"]))


def geopolrisk_table(dataset: Dataset, importers: Iterable[str | Iterable[str]] | None = None,
                     commodities: Iterable[str] | None = None,
                     years: Iterable[int] | None = None) -> pd.DataFrame:
    """GeoPolRisk for every importer x commodity x year, vectorised per commodity-year.

    Parameters
    ----------
    dataset : Dataset
    importers : iterable, optional
        Countries (ISO3 or names), group names of ``country_groups.csv`` or
        lists of countries; default every importer in the trade data.
    commodities : iterable of str, optional
        Default: every commodity with GeoPolRisk HS codes.
    years : iterable of int, optional
        Default: every year with production data.

    Returns
    -------
    pandas.DataFrame
        ``importer, commodity, year, hhi, import_risk, score,
        price_usd_per_kg, characterization_factor, imports_t,
        domestic_production_t``.
    """
    com = dataset.commodities.set_index("commodity")
    if commodities is None:
        commodities = [c for c in com.index if isinstance(com.at[c, "hs_gpr"], str)
                       and com.at[c, "hs_gpr"]]
    commodities = [dataset.check_commodity(c) for c in commodities]
    years = [dataset.check_year(y) for y in (years if years is not None
                                             else dataset.years("production"))]
    countries = tuple(sorted(dataset.countries["iso3"]))
    index = {c: i for i, c in enumerate(countries)}
    trade = dataset.trade
    if importers is None:
        importers = sorted(set(trade["importer"].astype(str)))
    resolved = [_members(dataset, imp) for imp in importers]
    inside = np.zeros((len(resolved), len(countries)), dtype=bool)
    for r, (_, members) in enumerate(resolved):
        inside[r, positions(pd.Series(members), index)] = True
    names = [name for name, _ in resolved]

    gpr_codes = {c: _hs_codes(com.at[c, "hs_gpr"]) for c in commodities}
    for commodity, codes in gpr_codes.items():
        if not codes:
            raise UnknownChoiceError(f"commodity with GeoPolRisk HS codes (not {commodity!r})",
                                     commodity, [c for c in com.index
                                                 if _hs_codes(com.at[c, "hs_gpr"])])
    keep = np.zeros(len(trade), dtype=bool)
    commodity_col = trade["commodity"].astype(str)
    hs_col = trade["hs6"].astype(str)
    for commodity, codes in gpr_codes.items():
        keep |= ((commodity_col == commodity) & hs_col.isin(codes)).to_numpy()
    trade = trade.loc[keep & trade["year"].isin(years).to_numpy()]
    arrays = {
        "exp": positions(trade["exporter"], index),
        "imp": positions(trade["importer"], index),
        # the method is defined on BACI as published: reported quantities, not the repaired
        # ones the supply network uses (docs/methods.md, GeoPolRisk)
        "q": _reported_quantity(trade),
        "v": np.nan_to_num(trade["value_kusd"].to_numpy(dtype=float)),
    }
    trade_groups = pd.DataFrame({"commodity": trade["commodity"].astype(str).to_numpy(),
                                 "year": trade["year"].to_numpy()}).groupby(
        ["commodity", "year"], sort=False).indices
    gov = dataset.governance
    g_by_year = {}
    for year in years:
        rows = gov.loc[gov["year"] == year]
        estimate = np.full(len(countries), np.nan)
        estimate[positions(rows["iso3"], index)] = rows["wgi_political_stability"].to_numpy()
        g_by_year[year] = partner_weight(estimate)
    prod = dataset.production
    prod = prod.loc[(prod["stage"] == "mining") & prod["commodity"].isin(commodities)]
    prod_pos = positions(prod["iso3"], index)
    prod_q = prod["quantity"].to_numpy(dtype=float)
    prod_groups = pd.DataFrame({"commodity": prod["commodity"].astype(str).to_numpy(),
                                "year": prod["year"].to_numpy()}).groupby(
        ["commodity", "year"], sort=False).indices
    empty = np.array([], dtype=np.int64)

    parts = []
    for commodity in commodities:
        scale = 1000.0 if commodity in KG_SOURCE_UNITS else 1.0
        for year in years:
            rows = trade_groups.get((commodity, year), empty)
            prows = prod_groups.get((commodity, year), empty)
            parts.append(_one_year({k: a[rows] for k, a in arrays.items()}, prod_pos[prows],
                                   prod_q[prows], g_by_year[year], inside, scale, names,
                                   commodity, year))
    return pd.concat(parts, ignore_index=True)


def _one_year(trade: Mapping[str, np.ndarray], prod_pos: np.ndarray, prod_q: np.ndarray,
              g: np.ndarray, inside: np.ndarray, scale: float, names: list[str], commodity: str,
              year: int) -> pd.DataFrame:
    """GeoPolRisk of every importer for one commodity and year.

    ``trade`` holds partner (``exp``) and importer (``imp``) positions with
    quantities ``q`` and values ``v``; ``inside[r, c]`` says whether country
    ``c`` belongs to importer ``r``.
    """
    exp, imp, q, v = trade["exp"], trade["imp"], trade["q"], trade["v"]
    member_of_importer = inside[:, imp]                 # (R, rows): row lands in importer r
    partner_inside = inside[:, exp]                     # (R, rows): partner inside importer r
    weight = np.where(partner_inside, 0.0, g[exp])      # g_i, 0 for partners inside the group
    numerator = (member_of_importer * weight * q).sum(axis=1)
    total = member_of_importer @ q
    total_value = member_of_importer @ v
    n = inside.shape[1]
    production = np.bincount(prod_pos, weights=prod_q, minlength=n)
    domestic = inside @ production
    hhi = production_hhi(prod_q, scale)
    denominator = total + domestic
    with np.errstate(divide="ignore", invalid="ignore"):
        import_risk = np.where(denominator > 0, numerator / denominator, 0.0)
        price = np.where(total > 0, total_value / total, 0.0)
    score = hhi * import_risk
    return pd.DataFrame({
        "importer": names, "commodity": commodity, "year": year, "hhi": hhi,
        "import_risk": import_risk, "score": score, "price_usd_per_kg": price,
        "characterization_factor": score * price / CF_COPPER_NORMALISER,
        "imports_t": total, "domestic_production_t": domestic})


def _reported_quantity(trade: pd.DataFrame) -> np.ndarray:
    """BACI's own quantity where scrisk repaired a flow, else the table's (NaN read as 0)."""
    q = trade["quantity_t"].to_numpy(dtype=float)
    if "repair" in trade and "quantity_t_reported" in trade:
        repair = trade["repair"].astype(object).to_numpy()
        repaired = np.array([isinstance(r, str) and r != "" for r in repair], dtype=bool)
        q = np.where(repaired, trade["quantity_t_reported"].to_numpy(dtype=float), q)
    return np.nan_to_num(q)


def _hs_codes(text: object) -> list[str]:
    if not isinstance(text, str):
        return []
    return [c.strip() for c in text.split(";") if c.strip()]
