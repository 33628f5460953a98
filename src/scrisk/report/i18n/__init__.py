"""Message catalogues of the report: every label, heading and sentence, in English and Japanese.

The catalogues are TOML files next to this module (``en.toml``, ``ja.toml``)
with one table per area (``section``, ``col``, ``fig``, ...). A message is
reached by its dotted key and formatted with :meth:`str.format` fields::

    >>> cat = catalogue("en")
    >>> cat("fig.source", source="World Mining Data 2025")
    'Source: World Mining Data 2025'
    >>> catalogue("ja")("section.battery", gwh="150")
    '蓄電池150 GWh/年の材料需要と確保状況'

Both catalogues must hold the same keys with the same fields (a test checks
it). Numbers are formatted by the catalogue too, so that a translator can
change the percent sign or the thousands separator in one place.
"""

from __future__ import annotations

import math
import string
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from scrisk.exceptions import UnknownChoiceError

LANGS = ("en", "ja")


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = str(value)
    return out


def fields_of(message: str) -> frozenset[str]:
    """Names of the ``{fields}`` a message uses.

    Examples
    --------
    >>> sorted(fields_of("{a} and {b:.1f}"))
    ['a', 'b']
    """
    return frozenset(name for _, name, _, _ in string.Formatter().parse(message)
                     if name)


@dataclass(frozen=True)
class Catalogue:
    """The messages of one language; call it with a key (and fields) to get a string.

    Attributes
    ----------
    lang : str
        ``en`` or ``ja``.
    messages : dict
        Dotted key -> message.
    """

    lang: str
    messages: dict[str, str] = field(repr=False)

    def __call__(self, key: str, /, **fields: object) -> str:
        try:
            message = self.messages[key]
        except KeyError:
            raise KeyError(f"no message {key!r} in the {self.lang} report catalogue") from None
        return message.format(**fields) if fields or "{" in message else message

    def get(self, key: str, default: str | None = None, /, **fields: object) -> str | None:
        """The message for ``key`` if the catalogue has it, else ``default``."""
        if key not in self.messages:
            return default
        return self(key, **fields)

    def keys(self) -> frozenset[str]:
        """Every key of the catalogue."""
        return frozenset(self.messages)

    # ------------------------------------------------------------------ numbers

    def num(self, value: object, digits: int = 0) -> str:
        """A number with thousands separators; empty for missing values.

        Examples
        --------
        >>> catalogue("en").num(1234567.8)
        '1,234,568'
        >>> catalogue("en").num(float("nan"))
        '–'
        """
        x = _as_float(value)
        if x is None:
            return self.messages["fmt.missing"]
        return f"{x:,.{digits}f}"

    def pct(self, value: object, digits: int = 0) -> str:
        """A fraction as a percentage (0.34 -> ``34 %`` / ``34%``)."""
        x = _as_float(value)
        if x is None:
            return self.messages["fmt.missing"]
        return self.messages["fmt.percent"].format(value=f"{100 * x:,.{digits}f}")

    def pp(self, value: object, digits: int = 0) -> str:
        """A difference of fractions in percentage points (0.46 -> ``46 pp``)."""
        x = _as_float(value)
        if x is None:
            return self.messages["fmt.missing"]
        return self.messages["fmt.points"].format(value=f"{100 * x:,.{digits}f}")

    def tonnes(self, value: object, unit: str = "t") -> str:
        """A quantity with its unit (``1,234 t``)."""
        x = _as_float(value)
        if x is None:
            return self.messages["fmt.missing"]
        digits = 0 if abs(x) >= 100 or x == 0 else (1 if abs(x) >= 1 else 3)
        return self.messages["fmt.quantity"].format(value=f"{x:,.{digits}f}", unit=unit)

    def sig(self, value: object, digits: int = 3) -> str:
        """A number with ``digits`` significant digits (small indices such as HHI)."""
        x = _as_float(value)
        if x is None:
            return self.messages["fmt.missing"]
        if x == 0:
            return "0"
        return f"{x:.{digits}g}" if abs(x) < 1e-3 or abs(x) >= 1e6 else \
            f"{x:,.{max(0, digits - 1 - math.floor(math.log10(abs(x))))}f}"


def _as_float(value: object) -> float | None:
    if value is None:
        return None
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


@cache
def catalogue(lang: str = "en") -> Catalogue:
    """The catalogue of ``lang`` (``en`` or ``ja``).

    Raises
    ------
    UnknownChoiceError
        For a language without a catalogue.
    """
    if lang not in LANGS:
        raise UnknownChoiceError("report language", lang, LANGS)
    text = resources.files(__name__).joinpath(f"{lang}.toml").read_text(encoding="utf-8")
    return Catalogue(lang, _flatten(tomllib.loads(text)))
