"""Output of the command line: tables, numbers with units, files, language, progress.

Every command that prints a table goes through :func:`emit`, which

- prints a readable table: identifiers never cut (columns of names wrap
  instead; ``--wide`` prints every column at full width), numbers with
  thousands separators and units in the headers (shares in % with one
  decimal, indices with four decimals, never scientific notation), no
  markup or emoji taken from the data;
- translates column labels, titles, stage names and country / commodity
  names with ``--lang ja``;
- keeps the raw table for ``--out FILE`` (``.csv``, ``.xlsx`` or ``.json``),
  written atomically when the command has finished.

Commands get ``--lang``, ``--out`` and ``--wide`` from the
:func:`table_command` decorator, which also turns the names users write
(``--importer 日本``, ``--commodity コバルト``, ``--importer EU27``) into the
codes the library expects, before the command body runs.

:func:`progress` and :func:`status` show rich progress on stderr, only
when stderr is a terminal (or ``SCRISK_PROGRESS=1``), so that csv and json
on stdout stay clean.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from scrisk.exceptions import ScriskError
from scrisk.i18n_cli import (
    COLUMN_PREFIXES,
    COLUMNS,
    UNITS,
    VALUES_JA,
    YES_NO,
    message,
    translate_title,
)
from scrisk.output_files import is_formula_like, text_cell

TABLE_SUFFIXES = (".csv", ".xlsx", ".json")


class Lang(StrEnum):
    """Languages of the command line's tables."""

    en = "en"
    ja = "ja"


LangOption = Annotated[Lang, typer.Option(
    "--lang", help="Language of column labels, titles and country / commodity names: en or ja.")]
OutOption = Annotated[Path | None, typer.Option(
    "--out", help="Also write the table(s) to FILE: .csv, .xlsx or .json (chosen by the "
    "extension; csv and json hold the raw values, xlsx formatted sheets).", dir_okay=False,
    show_default=False)]
WideOption = Annotated[bool, typer.Option(
    "--wide", help="Print every column at full width, wider than the terminal if need be.")]


class OutputFileError(ScriskError):
    """Raised for an ``--out`` file of an unknown type or in a missing folder."""

    exit_code = 2


@dataclass
class OutputContext:
    """Options of the running command's output (set by :func:`table_command`).

    Attributes
    ----------
    lang : str
        ``en`` or ``ja``.
    out : pathlib.Path or None
        File the emitted tables are written to when the command ends.
    wide : bool
        Print tables at full width.
    dataset : Dataset or None
        The dataset loaded by the command, for country and commodity names.
    tables : list of (key, title, DataFrame)
        Tables emitted so far (kept only when ``out`` is set).
    """

    lang: str = "en"
    out: Path | None = None
    wide: bool = False
    dataset: Any = None
    tables: list = field(default_factory=list)


_CONTEXT: ContextVar[OutputContext | None] = ContextVar("scrisk_output", default=None)


def current() -> OutputContext:
    """Output options of the running command (defaults outside a command)."""
    ctx = _CONTEXT.get()
    return ctx if ctx is not None else OutputContext()


def set_dataset(dataset) -> None:
    """Remember the dataset of the running command (country and commodity names)."""
    ctx = _CONTEXT.get()
    if ctx is not None and ctx.dataset is None:
        ctx.dataset = dataset


# --------------------------------------------------------------------------- decorator


def table_command(func: Callable | None = None, *, groups: bool = False,
                  resolve: bool = True) -> Callable:
    """Give a typer command ``--lang``, ``--out`` and ``--wide``, and resolve names.

    Put it under ``@app.command(...)``. Before the body runs, the decorator
    turns an ``importer`` / ``country`` argument into an ISO3 code (or a
    group name such as ``EU27`` when ``groups=True``) and a ``commodity``
    argument into the commodity slug, accepting English and Japanese names;
    an unknown name stops the command with the closest choices (exit 2).
    After the body, the emitted tables are written to ``--out``.

    A command that already has an ``--out`` folder option (``optimize``
    writes its frontier figure there) keeps it: a value ending in ``.csv``,
    ``.xlsx`` or ``.json`` is taken as the table file and the folder beside
    it is passed on.

    Parameters
    ----------
    groups : bool
        The command accepts country groups for ``importer``.
    resolve : bool
        Resolve ``importer`` / ``country`` / ``commodity`` names.
    """
    if func is None:
        return functools.partial(table_command, groups=groups, resolve=resolve)
    sig = inspect.signature(func, eval_str=True)  # the command module's names, resolved
    own_out = "out" in sig.parameters
    params = list(sig.parameters.values())
    extra = [
        inspect.Parameter("lang", inspect.Parameter.KEYWORD_ONLY, default=Lang.en,
                          annotation=LangOption),
        inspect.Parameter("wide", inspect.Parameter.KEYWORD_ONLY, default=False,
                          annotation=WideOption),
    ]
    if not own_out:
        extra.append(inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None,
                                       annotation=OutOption))
    taken = {p.name for p in params}
    params += [p for p in extra if p.name not in taken]
    # typer wants keyword-capable parameters: make every one keyword-only, in order
    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params]

    @functools.wraps(func)
    def wrapper(**kwargs):
        lang = Lang(kwargs.pop("lang", Lang.en)).value if "lang" not in sig.parameters \
            else Lang(kwargs["lang"]).value
        wide = kwargs.pop("wide", False) if "wide" not in sig.parameters else kwargs["wide"]
        out_file = None
        if own_out:
            given = kwargs.get("out")
            if given is not None and Path(given).suffix.lower() in TABLE_SUFFIXES:
                out_file = Path(given)
                kwargs["out"] = out_file.parent
        else:
            out_file = kwargs.pop("out", None)
        if out_file is not None:
            check_out_file(out_file)
        ctx = OutputContext(lang=lang, out=out_file, wide=bool(wide))
        token = _CONTEXT.set(ctx)
        try:
            if resolve:
                _resolve_names(kwargs, groups)
            try:
                result = func(**kwargs)
            except typer.Exit:
                _write_out(ctx)  # e.g. `data validate` lists the problems, then exits 1
                raise
            _write_out(ctx)
            return result
        finally:
            _CONTEXT.reset(token)

    wrapper.__signature__ = sig.replace(parameters=params)
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    return wrapper


def _write_out(ctx: OutputContext) -> None:
    if ctx.out is None:
        return
    written = write_tables(ctx.tables, ctx.out, lang=ctx.lang, dataset=ctx.dataset)
    if written is not None:
        sys.stderr.write(f"{message('wrote', ctx.lang)} {written} "
                         f"({len(ctx.tables)} {message('tables', ctx.lang)})\n")


def _resolve_names(kwargs: dict, groups: bool) -> None:
    """Turn user-written country and commodity names into codes and slugs, in place."""
    from scrisk.cli import load

    names = [k for k in ("importer", "country", "commodity")
             if isinstance(kwargs.get(k), str) or (isinstance(kwargs.get(k), list | tuple)
                                                   and kwargs[k])]
    if not names:
        return
    ds = load(kwargs.get("data"))
    lang = current().lang

    def one(key: str, value: str) -> str:
        if key == "commodity":
            return ds.commodity_resolver.require(value.strip())
        return ds.countries_resolver.require(value.strip(), groups=groups, lang=lang)

    for key in names:
        value = kwargs[key]
        if isinstance(value, str):
            kwargs[key] = one(key, value)
        else:
            kwargs[key] = type(value)(one(key, v) if isinstance(v, str) else v for v in value)


def check_out_file(path: Path) -> None:
    """Fail early on an ``--out`` file the command could not write."""
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise OutputFileError(
            f"--out: expected a file ending in .csv, .xlsx or .json, got {str(path)!r}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputFileError(f"--out: folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise OutputFileError(f"--out: {str(path)!r} is a folder; give a file name")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputFileError(f"--out: cannot write to folder {str(folder)!r}")


# --------------------------------------------------------------------------- emitting


def emit(frame, fmt: str = "table", title: str = "", json_payload=None, *,
         key: str | None = None, units: Mapping[str, str] | None = None,
         show: Sequence[str] | None = None) -> None:
    """Print a DataFrame as a readable table, CSV or JSON, and keep it for ``--out``.

    Parameters
    ----------
    frame : pandas.DataFrame
    fmt : {"table", "csv", "json"}
        ``table`` prints with :func:`render_table`; ``csv`` and ``json``
        print the raw values to stdout.
    title : str
        English title (translated phrase by phrase with ``--lang ja``).
    json_payload : object, optional
        What ``--format json`` prints instead of the frame's records.
    key : str, optional
        Name of the table in an ``--out`` file (default: from the title).
    units : mapping, optional
        Unit kind per column, overriding the catalogue (see :func:`unit_kind`).
    show : sequence of str, optional
        Columns printed in the terminal table unless ``--wide`` (the file
        and csv / json keep every column).
    """
    ctx = current()
    fmt = getattr(fmt, "value", fmt)
    keep_for_file(frame, title, key=key, units=units)
    if fmt == "csv":
        sys.stdout.write(frame.to_csv(index=False))
        return
    if fmt == "json":
        payload = json_payload if json_payload is not None else json.loads(
            frame.to_json(orient="records", force_ascii=False))
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    if show is not None and not ctx.wide:
        frame = frame[[c for c in show if c in frame.columns]]
    render_table(frame, title, units=units)


def keep_for_file(frame, title: str = "", *, key: str | None = None,
                  units: Mapping[str, str] | None = None) -> None:
    """Keep a table for ``--out`` without printing it (e.g. an empty table shown as "none")."""
    ctx = current()
    if ctx.out is not None:
        ctx.tables.append((key or _slug(title) or f"table{len(ctx.tables) + 1}", title,
                           frame, dict(units or {})))


def _slug(title: str) -> str:
    text = re.sub(r"\(.*?\)", "", title or "").strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:40]


# --------------------------------------------------------------------------- numbers


def unit_kind(column: str, values=None) -> str:
    """How a column's numbers are written, from the catalogue or the column's suffix.

    Kinds: ``t`` tonnes, ``share`` a fraction shown in %, ``pct`` a
    percentage, ``pp`` percentage points, ``frac4`` an index with four
    decimals, ``int``, ``year``, ``kusd``, ``oku`` (oku yen), ``num``,
    ``text``, ``id``, ``bool`` and the others of
    :data:`scrisk.i18n_cli.UNITS`. ``share_auto`` is a share when every
    value lies within 0-1.5, else a plain number.

    Examples
    --------
    >>> unit_kind("loss_t"), unit_kind("loss_share"), unit_kind("hhi"), unit_kind("zz")
    ('t', 'share', 'frac4', 'text')
    >>> unit_kind("target", [0.8, 0.6]), unit_kind("target", [80.0])
    ('share', 'num')
    """
    kind = COLUMNS[column][0] if column in COLUMNS else None
    if kind is None:
        for prefix, spec in COLUMN_PREFIXES.items():
            if column.startswith(prefix):
                kind = spec[0]
        if kind is None:
            kind = _kind_from_suffix(column)
    if kind == "share_auto":
        numbers = [float(v) for v in (values if values is not None else [])
                   if _is_number(v) and not math.isnan(float(v))]
        kind = "share" if numbers and max(abs(v) for v in numbers) <= 1.5 else "num"
    return kind


def _kind_from_suffix(column: str) -> str:
    name = column.lower()
    for suffix, kind in (("_t", "t"), ("_share", "share"), ("_ratio", "share"),
                         ("_kusd", "kusd"), ("_oku_yen", "oku"), ("_pp", "pp"),
                         ("_probability", "share"), ("_id", "id"), ("_iso3", "id"),
                         ("hhi", "frac4"), ("_year", "year"), ("_months", "months"),
                         ("_s", "s")):
        if name.endswith(suffix):
            return kind
    if name.startswith("n_"):
        return "int"
    return "text"


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) or \
        type(value).__module__ == "numpy" and hasattr(value, "dtype") and \
        value.dtype.kind in "iuf"


def format_number(value, kind: str = "num", lang: str = "en") -> str:
    """Write a number for a table cell: separators, fixed decimals, no scientific notation.

    Examples
    --------
    >>> format_number(1234567.8, "t"), format_number(3.011, "t"), format_number(0.004, "t")
    ('1,234,568', '3.0', '0.004')
    >>> format_number(0.58226, "share"), format_number(0.00006, "share")
    ('58.2', '<0.1')
    >>> format_number(3e-05, "frac4"), format_number(0.2456, "frac4")
    ('<0.0001', '0.2456')
    >>> format_number(2024, "year"), format_number(1597, "oku")
    ('2024', '1,597.0')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        yes, no = YES_NO.get(lang, YES_NO["en"])
        return yes if value else no
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return ""
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if kind == "year":
        return str(int(round(x)))
    if kind in ("int",):
        return f"{int(round(x)):,}"
    if kind == "share":
        return _fixed(100 * x, 1)
    if kind in ("pct", "pp", "months"):
        return _fixed(x, 1)
    if kind == "frac4":
        return _fixed(x, 4) if abs(x) < 10 else _fixed(x, 2)
    if kind in ("oku",):
        return _fixed(x, 1)
    if kind in ("usd_kg", "myen_t", "s"):
        return _fixed(x, 2)
    if kind in ("t", "kusd", "gwh"):
        if x == 0:
            return "0"
        if abs(x) >= 100:
            return f"{x:,.0f}"
        if abs(x) >= 1:
            return f"{x:,.1f}"
        return _fixed(x, 3)
    # plain numbers
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:,.2f}"
    return _fixed(x, 4)


def _fixed(x: float, decimals: int) -> str:
    """Fixed decimals; a non-zero value too small to show is written ``<0.0001``."""
    text = f"{x:,.{decimals}f}"
    if x != 0 and float(text.replace(",", "")) == 0:
        step = "0." + "0" * (decimals - 1) + "1" if decimals else "1"
        return f"<{step}" if x > 0 else f">-{step}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    return text


# --------------------------------------------------------------------------- labels, names


def column_label(column: str, lang: str = "en", kind: str | None = None) -> str:
    """Header of a column: its label in the language with the unit, e.g. ``Loss (t)``.

    Examples
    --------
    >>> column_label("loss_t"), column_label("loss_share", "ja"), column_label("new_col")
    ('Loss (t)', '損失率 (%)', 'new col')
    """
    spec = COLUMNS.get(column)
    if spec is not None:
        label = spec[2] if lang == "ja" else spec[1]
    else:
        label = column.replace("_", " ")
        for prefix, (_, en, ja) in COLUMN_PREFIXES.items():
            if column.startswith(prefix):
                label = (ja if lang == "ja" else en) + column[len(prefix):].replace("_", " ")
    kind = kind or unit_kind(column)
    unit = UNITS.get(kind, ("", ""))[1 if lang == "ja" else 0]
    return f"{label} ({unit})" if unit else label


@dataclass(frozen=True)
class _Names:
    """Japanese names of the dataset's countries, commodities and lanes."""

    iso3_ja: Mapping[str, str]
    en_ja: Mapping[str, str]
    commodity_ja: Mapping[str, str]


@functools.lru_cache(maxsize=4)
def names_of(dataset) -> _Names:
    import pandas as pd

    iso3_ja: dict[str, str] = {}
    en_ja: dict[str, str] = {}
    commodity_ja: dict[str, str] = {}
    if dataset is None:
        return _Names(iso3_ja, en_ja, commodity_ja)
    countries = dataset.countries
    for iso3, en, ja in zip(countries["iso3"], countries["name_en"],
                            countries.get("name_ja", pd.Series([""] * len(countries))),
                            strict=True):
        if isinstance(ja, str) and ja:
            iso3_ja[str(iso3)] = ja
            if isinstance(en, str) and en:
                en_ja[en] = ja
    com = dataset.commodities
    if "name_ja" in com:
        for slug, en, ja in zip(com["commodity"], com["name_en"], com["name_ja"], strict=True):
            if isinstance(ja, str) and ja:
                commodity_ja[str(slug)] = ja
                en_ja.setdefault(str(en), ja)
    for table in ("chokepoints",):
        if table in dataset.table_names:
            frame = dataset[table]
            if "name_ja" in frame and "name_en" in frame:
                for en, ja in zip(frame["name_en"], frame["name_ja"], strict=True):
                    if isinstance(en, str) and isinstance(ja, str) and ja:
                        en_ja[en] = ja
    return _Names(iso3_ja, en_ja, commodity_ja)


_COMMODITY_COLUMNS = {"commodity", "material", "battery_material"}
_NAME_COLUMNS = {"country", "name", "origin", "owner", "scope", "target"}
_ISO3_COLUMNS = {"iso3", "importer", "exporter", "partner", "top_partner", "top1_iso3",
                 "top_before", "top_after", "owner_iso3"}


def translate_value(column: str, value, lang: str, names: _Names) -> str:
    """A text cell in the language: commodity, country and stage names in Japanese."""
    text = "" if value is None else str(value)
    if lang != "ja" or not text:
        return text
    if column in _COMMODITY_COLUMNS and text in names.commodity_ja:
        return names.commodity_ja[text]
    if column == "commodity_list":  # "graphite 90%, cobalt 30%"
        text = re.sub(r"\+(\d+) more", r"ほか\1鉱種", text)
        return re.sub(r"[a-z_]+", lambda m: names.commodity_ja.get(m.group(0), m.group(0)), text)
    if column in _ISO3_COLUMNS and column != "iso3" and text in names.iso3_ja:
        return names.iso3_ja[text]
    if text in VALUES_JA:
        return VALUES_JA[text]
    if column in _NAME_COLUMNS:
        if text in names.en_ja:
            return names.en_ja[text]
        if " -> " in text:  # a trade link "Chile -> Japan"
            return " → ".join(names.en_ja.get(p, p) for p in text.split(" -> "))
    return text


def translate_title_full(title: str, lang: str, names: _Names) -> str:
    """Title in the language: phrases, then commodity slugs and ISO3 codes as names."""
    if lang != "ja" or not title:
        return title
    out = title
    for word in ("mining", "intermediate", "refining", "material"):
        out = re.sub(rf"(?<![A-Za-z_]){word} stage(?![A-Za-z_])", f"{VALUES_JA[word]}段階", out)
    out = translate_title(out, lang)
    for word in ("mining", "intermediate", "refining", "material"):
        out = re.sub(rf"(?<![A-Za-z_]){word}(?![A-Za-z_])", VALUES_JA[word], out)
    for slug, ja in names.commodity_ja.items():
        out = re.sub(rf"(?<![A-Za-z_]){re.escape(slug)}(?![A-Za-z_])", ja, out)
    for code in set(re.findall(r"\b[A-Z]{3}\b", out)):
        if code in names.iso3_ja:
            out = re.sub(rf"\b{code}\b", names.iso3_ja[code], out)
    return out


# --------------------------------------------------------------------------- tables


@dataclass
class _Column:
    name: str
    header: str
    kind: str
    cells: list[str]
    numeric: bool


def display_columns(frame, lang: str = "en", units: Mapping[str, str] | None = None,
                    dataset=None) -> list[_Column]:
    """The columns of a table as they are printed: headers with units and cell texts."""
    import pandas as pd

    names = names_of(dataset)
    # codes become Japanese names only where no column of names is beside them
    named = any(str(c) in ("country", "name") for c in frame.columns)
    out = []
    for name in frame.columns:
        series = frame[name]
        values = series.tolist()
        kind = (units or {}).get(str(name)) or unit_kind(str(name), values)
        numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(
            series)
        if kind in ("text", "id") and numeric:
            kind = "int" if pd.api.types.is_integer_dtype(series) else "num"
        if not numeric and kind not in ("text", "id", "bool"):
            numeric = all(v is None or _is_missing(v) or _is_number(v) for v in values)
            if not numeric:
                kind = "text"
        cells = []
        for v in values:
            if _is_missing(v):
                cells.append("")
            elif numeric or isinstance(v, bool) or kind == "bool":
                cells.append(format_number(v, kind, lang))
            elif named and str(name) in _ISO3_COLUMNS:
                cells.append(str(v))
            else:
                cells.append(translate_value(str(name), v, lang, names))
        out.append(_Column(str(name), column_label(str(name), lang, kind), kind, cells,
                           numeric))
    return out


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        result = pd.isna(value)
        return bool(result) if not hasattr(result, "__len__") else False
    except (TypeError, ValueError):
        return False


def render_table(frame, title: str = "", *, lang: str | None = None, wide: bool | None = None,
                 units: Mapping[str, str] | None = None, console=None, width: int | None = None
                 ) -> None:
    """Print a DataFrame as a readable table.

    Identifier columns (codes, project ids) and numbers are never cut or
    wrapped; columns of names and headers wrap when the terminal is narrow,
    and a table that cannot fit is printed wider than the terminal rather
    than cut. ``wide=True`` prints every column at full width.

    Parameters
    ----------
    frame : pandas.DataFrame
    title : str
        English title; translated with ``lang="ja"``.
    lang, wide : optional
        Default: the running command's ``--lang`` and ``--wide``.
    units : mapping, optional
        Unit kind per column (see :func:`unit_kind`).
    console : rich.console.Console, optional
        Where to print (default: stdout).
    width : int, optional
        Width to fit (default: the console's).
    """
    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

    ctx = current()
    lang = lang or ctx.lang
    wide = ctx.wide if wide is None else wide
    console = console or Console(emoji=False, markup=False, highlight=False,
                                 soft_wrap=False)
    names = names_of(ctx.dataset)
    columns = display_columns(frame, lang, units, ctx.dataset)
    title_text = translate_title_full(title, lang, names)
    available = width or console.width

    def build(cols: Sequence[_Column], widths: Sequence[int], heading: str | None) -> Table:
        table = Table(title=Text(heading, style="bold") if heading else None,
                      box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1),
                      collapse_padding=True, header_style="bold", title_justify="left")
        for col, w in zip(cols, widths, strict=True):
            table.add_column(Text(col.header), justify="right" if col.numeric else "left",
                             width=w, overflow="fold", no_wrap=False)
        for i in range(len(frame)):
            table.add_row(*[Text(col.cells[i]) for col in cols])
        return table

    def overhead_of(cols: Sequence[_Column]) -> int:
        # border and padding cells, measured on a table of one-cell columns
        probe = build(cols, [1] * len(cols), None)
        return Measurement.get(console, console.options.update_width(10_000), probe).maximum \
            - len(cols) if cols else 0

    blocks = [columns] if wide else _column_blocks(columns, available, overhead_of, cell_len)
    for n, cols in enumerate(blocks):
        overhead = overhead_of(cols)
        widths = _fit_widths(cols, available - overhead, wide, cell_len)
        print_width = max(available, sum(widths) + overhead)
        out = console
        if print_width != console.width:
            out = Console(file=console.file, width=print_width, emoji=False, markup=False,
                          highlight=False, force_terminal=console.is_terminal,
                          color_system=console.color_system and "auto")
        heading = title_text if n == 0 else (f"{title_text} ({n + 1}/{len(blocks)})"
                                             if title_text else None)
        if n == 0 and len(blocks) > 1 and title_text:
            heading = f"{title_text} (1/{len(blocks)})"
        out.print(build(cols, widths, heading))


def _column_blocks(columns: list[_Column], available: int, overhead_of, cell_len
                   ) -> list[list[_Column]]:
    """Split a table too wide for the terminal into blocks of columns, each repeating the key.

    The key is the leading columns up to the first identifier (``rank,
    project_id``), else the first column. A table that fits is one block.
    """
    floors = dict(zip((id(c) for c in columns), _floors(columns, cell_len), strict=True))

    def fits(cols: list[_Column]) -> bool:
        return sum(floors[id(c)] for c in cols) + overhead_of(cols) <= available

    if fits(columns) or len(columns) < 3:
        return [columns]
    key_end = next((i for i, c in enumerate(columns[:3]) if c.kind == "id"), 0)
    key, rest = columns[:key_end + 1], columns[key_end + 1:]
    blocks: list[list[_Column]] = []
    current_block: list[_Column] = []
    for col in rest:
        if current_block and not fits([*key, *current_block, col]):
            blocks.append([*key, *current_block])
            current_block = []
        current_block.append(col)
    if current_block:
        blocks.append([*key, *current_block])
    return blocks


def _fit_widths(columns: Sequence[_Column], budget: int, wide: bool, cell_len) -> list[int]:
    """Column widths within ``budget`` cells: full width where it fits; names wrap first.

    Identifiers and numbers keep their full width; a text column may shrink
    down to its longest word (at most 24 cells, longer words fold), and a
    header down to its longest word.
    """
    natural = [max(max((cell_len(c) for c in col.cells), default=0), cell_len(col.header), 1)
               for col in columns]
    minimum = [min(f, n) for f, n in zip(_floors(columns, cell_len), natural, strict=True)]
    if wide:
        return natural
    widths = list(natural)
    excess = sum(widths) - budget
    while excess > 0:
        # shrink the widest column that can still shrink, down to the next widest
        candidates = [i for i, w in enumerate(widths) if w > minimum[i]]
        if not candidates:
            break
        i = max(candidates, key=lambda j: widths[j])
        lower = max((widths[j] for j in candidates if widths[j] < widths[i]), default=0)
        step = min(excess, widths[i] - minimum[i], max(1, widths[i] - lower))
        widths[i] -= step
        excess -= step
    return widths


def _floors(columns: Sequence[_Column], cell_len) -> list[int]:
    """Narrowest width of each column: identifiers and numbers whole, names to a word."""
    out = []
    for col in columns:
        cell_full = max((cell_len(c) for c in col.cells), default=0)
        head_word = min(max((cell_len(w) if _is_ascii_text(w) else min(cell_len(w), 8)
                             for w in col.header.split()), default=1), 16)
        if col.numeric or col.kind in ("id", "bool", "year"):
            floor = max(cell_full, head_word, 1)
        else:
            longest_word = max((cell_len(w) for c in col.cells for w in c.split()), default=1)
            floor = max(min(longest_word, 24), min(head_word, 12), 4)
            if col.name in _ISO3_COLUMNS or _looks_like_ids(col.cells):
                floor = max(floor, cell_full)
        out.append(floor)
    return out


def _is_ascii_text(text: str) -> bool:
    return all(ord(ch) < 128 for ch in text)


def _looks_like_ids(cells: Sequence[str]) -> bool:
    """Cells without spaces made of code characters (CAND-MN-CZE, metal:IND, KOR->JPN)."""
    filled = [c for c in cells if c]
    return bool(filled) and all(re.fullmatch(r"[A-Za-z0-9_.:\->]+", c) for c in filled)


# --------------------------------------------------------------------------- files


def write_tables(tables: Sequence, path: Path, *, lang: str = "en", dataset=None
                 ) -> Path | None:
    """Write emitted tables to a csv, xlsx or json file, atomically.

    csv holds the first table (the command's main one) with the raw values;
    json an object ``{table: [records]}`` (a list of records when there is
    one table); xlsx one sheet per table with labelled headers, number
    formats and a frozen header row. Text from the data is written as text,
    never as a formula.

    Parameters
    ----------
    tables : sequence of (key, title, DataFrame[, units])
    path : pathlib.Path
    lang : str
        Language of the xlsx headers, titles and names.

    Returns
    -------
    pathlib.Path or None
        The file written (``None`` when there was no table).
    """
    if not tables:
        return None
    check_out_file(path)
    suffix = path.suffix.lower()
    tables = [(t[0], t[1], t[2], t[3] if len(t) > 3 else {}) for t in tables]
    tables = _unique_keys(tables)
    if suffix == ".csv":
        frame = tables[0][2]
        _atomic_write(path, lambda tmp: _csv_safe(frame).to_csv(tmp, index=False,
                                                                 encoding="utf-8-sig"))
    elif suffix == ".json":
        records = {key: json.loads(frame.to_json(orient="records", force_ascii=False))
                   for key, _, frame, _ in tables}
        payload = next(iter(records.values())) if len(records) == 1 else records
        text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
        _atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    else:
        _atomic_write(path, lambda tmp: _write_xlsx(tables, tmp, lang, dataset))
    return path


def _unique_keys(tables: list) -> list:
    seen: dict[str, int] = {}
    out = []
    for key, title, frame, units in tables:
        n = seen.get(key, 0)
        seen[key] = n + 1
        out.append((key if n == 0 else f"{key}_{n + 1}", title, frame, units))
    return out


def _atomic_write(path: Path, write: Callable[[str], object]) -> None:
    """Write through a temporary file in the same folder, then rename over ``path``."""
    from scrisk.output_files import write_atomically

    write_atomically(path, lambda tmp: write(str(tmp)))


def _csv_safe(frame):
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object or str(out[name].dtype).startswith("str"):
            out[name] = out[name].map(
                lambda v: "'" + v if is_formula_like(v) and not _is_numeric_text(v) else v)
    return out


def _is_numeric_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


EXCEL_FORMATS = {
    "t": "#,##0",
    "kusd": "#,##0",
    "share": "0.0%",
    "pct": "0.0",
    "pp": "0.0",
    "frac4": "0.0000",
    "int": "#,##0",
    "year": "0",
    "oku": "#,##0.0",
    "usd_kg": "#,##0.00",
    "myen_t": "#,##0.00",
    "months": "0.0",
    "s": "0.00",
    "num": "#,##0.####",
    "gwh": "#,##0.0",
}


def _write_xlsx(tables: Sequence, path: str, lang: str, dataset) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    names = names_of(dataset)
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for key, title, frame, units in tables:
        sheet = book.create_sheet(_sheet_name(translate_title_full(title, lang, names) or key,
                                              used))
        columns = display_columns(frame, lang, units, dataset)
        title_text = translate_title_full(title, lang, names)
        header_row = 1
        if title_text:
            text_cell(sheet.cell(row=1, column=1), title_text)
            sheet.cell(row=1, column=1).font = Font(bold=True)
            header_row = 2
        for j, col in enumerate(columns, start=1):
            cell = sheet.cell(row=header_row, column=j)
            text_cell(cell, str(col.header))
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            raw = frame.iloc[:, j - 1].tolist()
            fmt = EXCEL_FORMATS.get(col.kind)
            for i, value in enumerate(raw, start=header_row + 1):
                cell = sheet.cell(row=i, column=j)
                if _is_missing(value):
                    continue
                if col.numeric and _is_number(value) and not isinstance(value, bool):
                    number = float(value)
                    if math.isinf(number):
                        text_cell(cell, "∞" if number > 0 else "-∞")
                        continue
                    cell.value = int(value) if col.kind in ("int", "year") else number
                    if fmt:
                        cell.number_format = fmt
                elif isinstance(value, bool):
                    text_cell(cell, col.cells[i - header_row - 1])
                else:  # text: never a formula, whatever it starts with
                    text_cell(cell, col.cells[i - header_row - 1] if not col.numeric
                              else str(value))
            width = max([len(col.header) if lang == "en" else 2 * len(col.header)] +
                        [len(c) for c in col.cells[:500]] + [6])
            sheet.column_dimensions[get_column_letter(j)].width = min(60, width + 2)
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
        if len(frame):
            sheet.auto_filter.ref = (f"A{header_row}:{get_column_letter(max(1, len(columns)))}"
                                     f"{header_row + len(frame)}")
    book.save(path)


def _sheet_name(title: str, used: set[str]) -> str:
    """A valid, unique sheet name (31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()
    base = re.sub(r"\s*\(.*$", "", base).strip() or "table"
    base = base[:31]
    name, n = base, 2
    while name.lower() in used:
        suffix = f" {n}"
        name = base[:31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


# --------------------------------------------------------------------------- progress


def progress_enabled(requested: bool | None = None) -> bool:
    """Whether to show progress: asked for, else ``SCRISK_PROGRESS``, else stderr is a TTY."""
    if requested is not None:
        return requested
    env = os.environ.get("SCRISK_PROGRESS", "").strip().lower()
    if env in ("1", "true", "yes", "on"):
        return True
    if env in ("0", "false", "no", "off"):
        return False
    return sys.stderr.isatty()


class ProgressHandle:
    """Callable given by :func:`progress`: ``handle(done, total)`` sets the bar.

    ``handle.advance(n=1, label=None)`` moves it by ``n`` steps and may
    change the text shown beside it.
    """

    def __init__(self, bar=None, task=None):
        self._bar = bar
        self._task = task

    def __call__(self, done: float, total: float | None = None) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done,
                             **({"total": total} if total is not None else {}))

    def advance(self, n: float = 1, label: str | None = None) -> None:
        if self._bar is not None:
            extra = {"description": label} if label is not None else {}
            self._bar.update(self._task, advance=n, **extra)


@contextmanager
def progress(description: str, total: float | None = None, *, enabled: bool | None = None,
             unit: str = "") -> Iterator[ProgressHandle]:
    """Show a rich progress bar on stderr while a block runs.

    Shown only when ``enabled`` (default: :func:`progress_enabled`); it is
    removed when the block ends, so nothing is left in the output.

    Parameters
    ----------
    description : str
        Text beside the bar.
    total : float, optional
        Number of steps (unknown: a spinner with the steps done).
    enabled : bool, optional
        Force on or off.
    unit : str
        Word after the counts, e.g. ``"runs"``.

    Examples
    --------
    >>> with progress("Monte Carlo", 3, enabled=False) as update:
    ...     for done in range(1, 4):
    ...         update(done, 3)
    """
    if not progress_enabled(enabled):
        yield ProgressHandle()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               MofNCompleteColumn(), TextColumn(unit) if unit else TextColumn(""),
               TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task(description, total=total)
        yield ProgressHandle(bar, task)


@contextmanager
def status(description: str, *, enabled: bool | None = None) -> Iterator[None]:
    """Show a spinner with ``description`` on stderr while a block runs (same rules)."""
    if not progress_enabled(enabled):
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(description, spinner="dots"):
        yield
