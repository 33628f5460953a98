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

# Japanese names in common use beside the table's own ``name_ja`` (short forms, kanji
# abbreviations, katakana of English names).
_ALIASES_JA = {
    "日本国": "JPN",
    "アメリカ": "USA",
    "アメリカ合衆国": "USA",
    "米": "USA",
    "合衆国": "USA",
    "イギリス": "GBR",
    "英": "GBR",
    "連合王国": "GBR",
    "中華人民共和国": "CHN",
    "中": "CHN",
    "大韓民国": "KOR",
    "韓": "KOR",
    "朝鮮民主主義人民共和国": "PRK",
    "豪州": "AUS",
    "豪": "AUS",
    "ロシア連邦": "RUS",
    "露": "RUS",
    "南ア": "ZAF",
    "南アフリカ共和国": "ZAF",
    "コンゴ(民)": "COD",
    "コンゴ民主": "COD",
    "コンゴ(共)": "COG",
    "ドイツ連邦共和国": "DEU",
    "独": "DEU",
    "フランス共和国": "FRA",
    "仏": "FRA",
    "加": "CAN",
    "印": "IND",
    "インドネシア共和国": "IDN",
    "フィリピン共和国": "PHL",
    "チリ共和国": "CHL",
    "ペルー共和国": "PER",
    "ブラジル連邦共和国": "BRA",
    "ベトナム": "VNM",
    "ヴェトナム": "VNM",
    "台": "TWN",
    "中華民国": "TWN",
}

# Other names of the country groups of ``country_groups.csv`` (English and Japanese).
_GROUP_ALIASES = {
    "EU27": ("eu", "eu 27", "european union", "欧州連合", "ＥＵ", "欧州"),
    "G7": ("g 7", "group of seven", "主要7か国", "主要7カ国", "主要国首脳会議"),
    "OECD": ("経済協力開発機構",),
    "QUAD": ("quad", "クアッド", "日米豪印"),
    "IPEF": ("インド太平洋経済枠組み",),
    "MSP": ("minerals security partnership", "鉱物安全保障パートナーシップ"),
    "JPN_EPA": ("epa", "japan epa", "epa partners", "経済連携協定", "EPA締約国"),
    "concern": ("countries of concern", "懸念国"),
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


def normalise_name_ja(name: str) -> str:
    """Reduce a Japanese (or any non-ASCII) name to a comparison key.

    Full-width and half-width forms are unified (NFKC), spaces, middle dots
    and brackets dropped, so that "コンゴ民主共和国", "コンゴ 民主共和国" and
    "ｺﾝｺﾞ民主共和国" compare equal.

    Examples
    --------
    >>> normalise_name_ja("コンゴ・民主 共和国")
    'コンゴ民主共和国'
    >>> normalise_name_ja("ＥＵ")
    'eu'
    """
    text = unicodedata.normalize("NFKC", str(name)).lower()
    return re.sub(r"[\s・･、，,.()（）\[\]「」'\"-]+", "", text)


def _is_ascii(text: str) -> bool:
    return all(ord(ch) < 128 for ch in text)


class CountryResolver:
    """Resolve country names and codes to ISO3 against a country table.

    Accepts ISO3 and ISO2 codes, English names in their common spellings,
    and Japanese names (the table's ``name_ja`` plus common short forms such
    as 米国, 豪州, 南ア). With a table of country groups it also resolves
    group names (``EU27``, ``G7``, 欧州連合) for the options that take groups.

    Parameters
    ----------
    countries : pandas.DataFrame
        Table with at least ``iso3`` and ``name_en`` columns (``name_ja``
        and ``wmd_name`` are used when present).
    groups : pandas.DataFrame, optional
        Table with ``group`` and ``iso3`` columns (``country_groups.csv``).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"iso3": ["KOR", "JPN"], "name_en": ["South Korea", "Japan"],
    ...                       "name_ja": ["韓国", "日本"]})
    >>> resolver = CountryResolver(table)
    >>> [resolver.resolve(x) for x in ["Rep. of Korea", "Korea, Republic of", "KOR", "jp"]]
    ['KOR', 'KOR', 'KOR', 'JPN']
    >>> resolver.resolve("日本"), resolver.resolve("大韓民国")
    ('JPN', 'KOR')
    >>> resolver.resolve("Atlantis") is None
    True
    """

    def __init__(self, countries: pd.DataFrame, groups: pd.DataFrame | None = None):
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
        index_ja: dict[str, str] = {}
        for key, iso3 in _ALIASES_JA.items():
            if iso3 in self.known:
                index_ja[normalise_name_ja(key)] = iso3
        if "name_ja" in countries:
            for name, iso3 in zip(countries["name_ja"], countries["iso3"], strict=True):
                if isinstance(name, str) and name:
                    index_ja[normalise_name_ja(name)] = iso3
        self._index = index
        self._index_ja = index_ja
        self._names = dict(zip(countries["iso3"], countries["name_en"], strict=True))
        self._names_ja = (dict(zip(countries["iso3"], countries["name_ja"], strict=True))
                          if "name_ja" in countries else {})
        self.groups: tuple[str, ...] = ()
        self._group_index: dict[str, str] = {}
        if groups is not None and len(groups):
            self.groups = tuple(sorted(set(groups["group"].astype(str))))
            for group in self.groups:
                for alias in (group, *_GROUP_ALIASES.get(group, ())):
                    self._group_index[normalise_name_ja(alias)] = group

    def resolve(self, value: object) -> str | None:
        """Return the ISO3 code for ``value``, or ``None`` when it is unknown."""
        if value is None:
            return None
        text = str(value).strip()
        if text.upper() in self.known and len(text) == 3:
            return text.upper()
        if not _is_ascii(text):
            found = self._index_ja.get(normalise_name_ja(text))
            if found is not None:
                return found
        return self._index.get(normalise_name(text)) if normalise_name(text) else None

    def resolve_group(self, value: object) -> str | None:
        """Return the group name for ``value`` (``"欧州連合"`` -> ``"EU27"``), or ``None``.

        Examples
        --------
        >>> import pandas as pd
        >>> countries = pd.DataFrame({"iso3": ["FRA"], "name_en": ["France"]})
        >>> groups = pd.DataFrame({"group": ["EU27"], "iso3": ["FRA"]})
        >>> CountryResolver(countries, groups).resolve_group("European Union")
        'EU27'
        """
        if value is None:
            return None
        key = normalise_name_ja(str(value).strip())
        found = self._group_index.get(key)
        if found is None and _is_ascii(str(value)):
            found = self._group_index.get(normalise_name_ja(normalise_name(str(value))))
        return found

    def require(self, value: object, *, groups: bool = False, lang: str = "en") -> str:
        """Return the ISO3 code (or group name, with ``groups=True``) for ``value``.

        Raises
        ------
        UnknownCountryError
            With the closest 3-5 choices, never the whole list of codes.
        """
        iso3 = self.resolve(value)
        if iso3 is not None:
            return iso3
        group = self.resolve_group(value)
        if group is not None and groups:
            return group
        if group is not None:
            raise UnknownCountryError(
                value, self.known, suggestions=[],
                hint=f"{group} is a group of countries; this option takes one country "
                     f"(an ISO3 code such as JPN, or a name such as Japan or 日本).")
        raise UnknownCountryError(value, self.known, suggestions=self.closest(
            value, groups=groups, lang=lang), hint=self.hint(groups))

    def hint(self, groups: bool = False) -> str:
        """One sentence on what a country option accepts."""
        text = "Give an ISO3 code (JPN), an English or Japanese name (Japan, 日本)"
        if groups and self.groups:
            shown = [g for g in ("EU27", "G7", "OECD", "QUAD") if g in self.groups]
            text += f" or a group ({', '.join(shown or self.groups[:4])}, ...)"
        return text + "."

    def closest(self, value: object, n: int = 5, *, groups: bool = False,
                lang: str = "en") -> list[str]:
        """The closest 3-5 countries (and groups) to an unknown name, best first.

        Each is formatted as ``"ISO3 (name)"``; a group as its name.

        Examples
        --------
        >>> import pandas as pd
        >>> table = pd.DataFrame({"iso3": ["JPN", "PAN", "JAM"],
        ...                       "name_en": ["Japan", "Panama", "Jamaica"]})
        >>> CountryResolver(table).closest("Japn")[0]
        'JPN (Japan)'
        """
        import difflib

        text = str(value).strip()
        found: list[str] = []
        if _is_ascii(text):
            key = normalise_name(text)
            names = list(self._index)
            found += [self._index[c] for c in difflib.get_close_matches(key, names, n=n,
                                                                        cutoff=0.7)]
            if len(key) >= 3:
                found += [self._index[c] for c in names if key in c.split() or
                          (len(key) >= 4 and c.startswith(key))]
            if len(text) <= 3:
                found += difflib.get_close_matches(text.upper(), sorted(self.known), n=n,
                                                   cutoff=0.6)
        else:
            key = normalise_name_ja(text)
            names = list(self._index_ja)
            found += [self._index_ja[c] for c in difflib.get_close_matches(key, names, n=n,
                                                                           cutoff=0.5)]
            found += [self._index_ja[c] for c in names if key and (key in c or c in key)]
        out: list[str] = []
        for iso3 in found:
            label = f"{iso3} ({self.name(iso3, lang)})"
            if label not in out:
                out.append(label)
        if groups and self.groups:
            keys = list(self._group_index)
            close = difflib.get_close_matches(normalise_name_ja(text), keys, n=2, cutoff=0.5)
            out[0:0] = [g for g in dict.fromkeys(self._group_index[c] for c in close)]
        return out[:n]

    def suggestions(self, value: object, n: int = 3) -> list[str]:
        """Close matches for an unknown name, as ``"ISO3 (name)"`` strings."""
        import difflib

        if not _is_ascii(str(value)):
            return self.closest(value, n)
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

    def name(self, iso3: str, lang: str = "en") -> str:
        """Name of a known ISO3 code in English or Japanese (the code itself if unnamed)."""
        if lang == "ja":
            name = self._names_ja.get(iso3)
            if isinstance(name, str) and name:
                return name
        return self._names.get(iso3, iso3)


class CommodityResolver:
    """Resolve commodity slugs and English or Japanese names to the slug.

    Parameters
    ----------
    commodities : pandas.DataFrame
        Table with ``commodity`` (slug), ``name_en`` and optionally ``name_ja``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"commodity": ["cobalt", "rare_earths", "graphite"],
    ...                       "name_en": ["Cobalt", "Rare earths", "Graphite (natural)"],
    ...                       "name_ja": ["コバルト", "レアアース", "黒鉛（天然）"]})
    >>> r = CommodityResolver(table)
    >>> [r.resolve(x) for x in ["cobalt", "Cobalt", "コバルト", "rare earths", "黒鉛", "lead"]]
    ['cobalt', 'cobalt', 'cobalt', 'rare_earths', 'graphite', None]
    """

    _ALIASES = {
        "rare_earths": ("rare earth", "ree", "rees", "rare earth elements", "希土類",
                        "レアアース元素"),
        "graphite": ("natural graphite", "グラファイト", "天然黒鉛"),
        "aluminium": ("aluminum", "bauxite", "アルミ", "ボーキサイト"),
        "platinum": ("プラチナ",),
        "tin": ("錫",),
        "tungsten": ("wolfram",),
    }

    def __init__(self, commodities: pd.DataFrame):
        self.slugs = tuple(commodities["commodity"].astype(str))
        index: dict[str, str] = {}
        names_ja = (commodities["name_ja"] if "name_ja" in commodities
                    else pd.Series([""] * len(commodities)))
        for slug, en, ja in zip(self.slugs, commodities["name_en"], names_ja, strict=True):
            for name in (slug, slug.replace("_", " "), en, _strip_brackets(en), ja,
                         _strip_brackets(ja), *self._ALIASES.get(slug, ())):
                if isinstance(name, str) and name:
                    index.setdefault(_commodity_key(name), slug)
        self._index = index
        self._ja = dict(zip(self.slugs, names_ja, strict=True))

    def resolve(self, value: object) -> str | None:
        """The slug for ``value``, or ``None`` when it is unknown."""
        if value is None:
            return None
        text = str(value).strip()
        if text in self.slugs:
            return text
        return self._index.get(_commodity_key(text))

    def require(self, value: object, lang: str = "en") -> str:
        """The slug for ``value``, or raise :class:`UnknownCommodityError` with the closest."""
        from scrisk.exceptions import UnknownCommodityError

        slug = self.resolve(value)
        if slug is None:
            raise UnknownCommodityError(value, self.slugs, suggestions=self.closest(value),
                                        hint="Give a commodity as listed (cobalt, rare_earths) "
                                        "or its English or Japanese name (Cobalt, コバルト).")
        return slug

    def closest(self, value: object, n: int = 5) -> list[str]:
        """The closest commodities to an unknown name, as ``'slug' (日本語名)`` strings."""
        import difflib

        key = _commodity_key(str(value))
        found = [self._index[c] for c in difflib.get_close_matches(key, list(self._index),
                                                                   n=n, cutoff=0.5)]
        found += [slug for k, slug in self._index.items() if key and len(key) >= 2 and
                  (key in k or (not _is_ascii(key) and k in key))]
        out: list[str] = []
        for slug in dict.fromkeys(found):
            ja = self._ja.get(slug)
            out.append(f"{slug!r} ({ja})" if isinstance(ja, str) and ja else repr(slug))
        return out[:n]


def _strip_brackets(name: object) -> object:
    if not isinstance(name, str):
        return name
    return re.sub(r"\s*[(（].*?[)）]\s*", "", name).strip()


def _commodity_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", str(name)).lower().strip()
    return re.sub(r"[\s_\-・]+", " ", text).strip()


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
