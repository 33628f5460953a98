"""Country names and codes: normalise what users write to ISO 3166-1 alpha-3.

The reference table is ``minerals/countries.csv`` of the dataset; pycountry
adds the official, common and alpha-2 names so that "Korea, Republic of",
"Rep. of Korea", "South Korea", "KR" and "KOR" all resolve to ``KOR``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import pandas as pd

from scrisk.exceptions import UnknownCountryError

_ABBREVIATIONS = {
    "rep": "republic",
    "dem": "democratic",
    "fed": "federation",
    "isds": "islands",
    "is": "islands",
    "st": "saint",
    "sar": "",
    "the": "",
    "of": "",
    "and": "",
}

# Names in common use that neither the country table nor pycountry spell this way.
_ALIASES = {
    "south korea": "KOR",
    "korea south": "KOR",
    "north korea": "PRK",
    "korea north": "PRK",
    "taiwan": "TWN",
    "chinese taipei": "TWN",
    "other asia nes": "TWN",
    "russia": "RUS",
    "iran": "IRN",
    "syria": "SYR",
    "laos": "LAO",
    "vietnam": "VNM",
    "viet nam": "VNM",
    "bolivia": "BOL",
    "venezuela": "VEN",
    "tanzania": "TZA",
    "dr congo": "COD",
    "drc": "COD",
    "congo kinshasa": "COD",
    "democratic republic of congo": "COD",
    "democratic republic of the congo": "COD",
    "congo brazzaville": "COG",
    "republic of congo": "COG",
    "ivory coast": "CIV",
    "cote divoire": "CIV",
    "turkey": "TUR",
    "turkiye": "TUR",
    "czech republic": "CZE",
    "usa": "USA",
    "us": "USA",
    "united states of america": "USA",
    "america": "USA",
    "uk": "GBR",
    "great britain": "GBR",
    "britain": "GBR",
    "holland": "NLD",
    "burma": "MMR",
    "eswatini": "SWZ",
    "swaziland": "SWZ",
    "kosovo": "XKX",
    "macedonia": "MKD",
    "moldova": "MDA",
    "brunei": "BRN",
    "cape verde": "CPV",
    "east timor": "TLS",
    "rest of world": "ROW",
}


def normalise_name(name: str) -> str:
    """Reduce a country name to a comparison key.

    Lower case, accents and punctuation removed, common abbreviations
    expanded and "Name, Qualifier" reordered to "Qualifier Name".

    Examples
    --------
    >>> normalise_name("Korea, Rep. of")
    'republic korea'
    >>> normalise_name("Côte d'Ivoire")
    'cote divoire'
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    text = text.lower().replace("&", " and ").replace("'", "")
    if "," in text:
        head, _, tail = text.partition(",")
        text = f"{tail} {head}"
    words = re.split(r"[^a-z0-9]+", text)
    words = [_ABBREVIATIONS.get(w, w) for w in words]
    return " ".join(w for w in words if w)


class CountryResolver:
    """Resolve country names and codes to ISO3 against a country table.

    Parameters
    ----------
    countries : pandas.DataFrame
        Table with at least ``iso3`` and ``name_en`` columns.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"iso3": ["KOR", "JPN"], "name_en": ["South Korea", "Japan"]})
    >>> resolver = CountryResolver(table)
    >>> [resolver.resolve(x) for x in ["Rep. of Korea", "Korea, Republic of", "KOR", "jp"]]
    ['KOR', 'KOR', 'KOR', 'JPN']
    >>> resolver.resolve("Atlantis") is None
    True
    """

    def __init__(self, countries: pd.DataFrame):
        self.known = frozenset(countries["iso3"].astype(str))
        index: dict[str, str] = {}
        for key, iso3 in _pycountry_index().items():
            if iso3 in self.known:
                index[key] = iso3
        for key, iso3 in _ALIASES.items():
            if iso3 in self.known:
                index[normalise_name(key)] = iso3
        for column in ("name_en", "wmd_name"):
            if column in countries:
                for name, iso3 in zip(countries[column], countries["iso3"], strict=True):
                    if isinstance(name, str) and name:
                        index[normalise_name(name)] = iso3
        self._index = index
        self._names = dict(zip(countries["iso3"], countries["name_en"], strict=True))

    def resolve(self, value: object) -> str | None:
        """Return the ISO3 code for ``value``, or ``None`` when it is unknown."""
        if value is None:
            return None
        text = str(value).strip()
        if text.upper() in self.known and len(text) == 3:
            return text.upper()
        return self._index.get(normalise_name(text))

    def require(self, value: object) -> str:
        """Return the ISO3 code for ``value`` or raise :class:`UnknownCountryError`."""
        iso3 = self.resolve(value)
        if iso3 is None:
            raise UnknownCountryError(value, sorted(self.known))
        return iso3

    def suggestions(self, value: object, n: int = 3) -> list[str]:
        """Close matches for an unknown name, as ``"ISO3 (name)"`` strings."""
        import difflib

        key = normalise_name(str(value))
        close = difflib.get_close_matches(key, list(self._index), n=n, cutoff=0.75)
        upper = str(value).strip().upper()
        codes = (difflib.get_close_matches(upper, sorted(self.known), n=n, cutoff=0.67)
                 if len(upper) <= 3 else [])
        found = [self._index[c] for c in close] + codes
        seen: list[str] = []
        for iso3 in found:
            if iso3 not in seen:
                seen.append(iso3)
        return [f"{c} ({self._names.get(c, c)})" for c in seen[:n]]

    def name(self, iso3: str) -> str:
        """English name of a known ISO3 code (the code itself if unnamed)."""
        return self._names.get(iso3, iso3)


@lru_cache(maxsize=1)
def _pycountry_index() -> dict[str, str]:
    import pycountry

    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            name = getattr(country, attr, None)
            if name:
                index[normalise_name(name)] = country.alpha_3
        index[country.alpha_2.lower()] = country.alpha_3
    return index


def resolve_many(resolver: CountryResolver, values: Iterable[object]) -> list[str | None]:
    """Resolve each value, caching repeats (trade tables repeat codes a lot)."""
    cache: dict[object, str | None] = {}
    out = []
    for value in values:
        if value not in cache:
            cache[value] = resolver.resolve(value)
        out.append(cache[value])
    return out
