"""The one reader of structured user files (TOML, YAML), with limits.

A file a user or a colleague hands over may be hostile or simply broken, so
reading it is bounded:

* size: at most :data:`MAX_BYTES` bytes;
* nesting: tables/lists at most :data:`MAX_DEPTH` deep (a deeper file would
  end in a ``RecursionError`` in the parser);
* YAML aliases (``*name``) are refused, since expanding them ("billion
  laughs") can build gigabytes from a few lines; anchors alone are harmless;
* duplicate keys in one mapping are refused in YAML as TOML already does
  (otherwise one of the values would be used silently);
* only plain data: YAML is read with the safe loader (no ``!!python`` tags),
  TOML with :mod:`tomllib`.

Every failure raises :class:`~scrisk.exceptions.InputFileError` with the line
where the parser knows it.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from scrisk.exceptions import InputFileError

MAX_BYTES = 1_000_000
"""Largest structured file read: 1 MB (the shipped scenarios are about 2 KB; a YAML file
of that size takes seconds to parse)."""
MAX_DEPTH = 32
"""Deepest nesting of tables and lists (a scenario needs 3)."""
SUFFIXES = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml"}


def read_structured(path: str | os.PathLike, label: str | None = None) -> object:
    """Read a TOML or YAML file (by its suffix) into plain Python data, within the limits.

    Parameters
    ----------
    path : path-like
    label : str, optional
        Name used in messages (default: the path).

    Returns
    -------
    object
        For TOML always a dict; for YAML whatever the document holds.

    Raises
    ------
    InputFileError
        Missing file, unknown suffix, too large, not UTF-8, not parseable,
        nested too deeply, a YAML alias or a duplicate key.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "a.yaml").write_text("x: &a [1]\\ny: *a\\n")
    16
    >>> try:
    ...     read_structured(folder / "a.yaml", "a.yaml")
    ... except Exception as err:
    ...     print(err)
    a.yaml: YAML aliases (*name) are not accepted: write the value out (line 2, column 4)
    """
    path = Path(path)
    label = str(path) if label is None else label
    if not path.is_file():
        raise InputFileError(label, "no such file")
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputFileError(label, f"unknown file type {path.suffix!r}; use .toml, .yaml "
                                    "or .yml")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputFileError(label, f"the file is {size:,} bytes; at most {MAX_BYTES:,} are "
                                    "read")
    raw = path.read_bytes()[:MAX_BYTES + 1]  # the file may have grown since stat
    if len(raw) > MAX_BYTES:
        raise InputFileError(label, f"the file is over {MAX_BYTES:,} bytes; at most "
                                    f"{MAX_BYTES:,} are read")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputFileError(label, f"not UTF-8 text ({err.reason} at byte {err.start})") from err
    data = _parse_toml(text, label) if kind == "toml" else _parse_yaml(text, label)
    _check_depth(data, label)
    return data


def parse_toml(text: str, label: str) -> dict:
    """Parse TOML text within the nesting limit (for readers that check size and encoding
    themselves).

    Raises
    ------
    InputFileError
        Invalid TOML, or nested more than :data:`MAX_DEPTH` deep.

    Examples
    --------
    >>> parse_toml("a = [[1]]", "x.toml")
    {'a': [[1]]}
    """
    data = _parse_toml(text, label)
    _check_depth(data, label)
    return data


def _parse_toml(text: str, label: str) -> dict:
    # tomllib recurses once per level of inline arrays/tables: count brackets first so that
    # a file nested thousands deep is refused before the parser overflows the stack
    _check_bracket_depth(text, label)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputFileError(label, f"not valid TOML: {err}") from err
    except RecursionError as err:  # pragma: no cover - the bracket count stops it first
        raise InputFileError(label, f"nested more than {MAX_DEPTH} levels deep") from err


# strings and comments, removed before counting brackets (a "[" in a note is no nesting)
_TOML_SKIP = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\''  # multi-line strings
                        r'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*')  # strings, comments


def _check_bracket_depth(text: str, label: str) -> None:
    """Refuse TOML whose brackets nest deeper than the limit."""
    depth = 0
    for match in _BRACKETS.finditer(_TOML_SKIP.sub(_keep_newlines, text)):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        if depth > MAX_DEPTH:
            line = match.string.count("\n", 0, match.start()) + 1
            raise InputFileError(label, f"nested more than {MAX_DEPTH} levels deep "
                                        f"(line {line})")


_BRACKETS = re.compile(r"[\[\]{}]")


def _keep_newlines(match: re.Match) -> str:
    return "\n" * match.group().count("\n")


def _parse_yaml(text: str, label: str) -> object:
    try:
        import yaml
    except ImportError as err:  # pragma: no cover - PyYAML is a dependency
        raise InputFileError(label, "YAML files need PyYAML: pip install pyyaml (or write "
                                    "the file in TOML)") from err
    # libyaml's parser when present: the pure-Python one takes minutes on a few MB
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    # the YAML scanner is quadratic in unclosed flow brackets: refuse deep ones before it runs
    _check_bracket_depth(text, label)
    try:
        _check_yaml_events(yaml, base, text, label)
        # a safe loader built here (the generic load function is banned project-wide)
        loader = _unique_key_loader(yaml, base, label)(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as err:
        raise InputFileError(label, f"not valid YAML: {err}") from err
    except RecursionError as err:  # pragma: no cover - the depth count stops it first
        raise InputFileError(label, f"nested more than {MAX_DEPTH} levels deep") from err


def _check_yaml_events(yaml, base: type, text: str, label: str) -> None:
    """Refuse aliases and deep nesting from the event stream, before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=base):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            raise InputFileError(label, "YAML aliases (*name) are not accepted: write the value "
                                        f"out (line {mark.line + 1}, column {mark.column + 1})")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise InputFileError(label, f"nested more than {MAX_DEPTH} levels deep "
                                            f"(line {event.start_mark.line + 1})")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _unique_key_loader(yaml, base: type, label: str) -> type:
    """A safe loader (``base``) that refuses a key given twice in one mapping."""

    class UniqueKeyLoader(base):
        def construct_mapping(self, node, deep=False):
            if isinstance(node, yaml.MappingNode):
                seen: dict[object, int] = {}
                for key_node, _ in node.value:
                    key = self.construct_object(key_node, deep=True)
                    line = key_node.start_mark.line + 1
                    try:
                        first = seen.get(key)
                    except TypeError:  # an unhashable key: the base class reports it
                        continue
                    if first is not None:
                        raise InputFileError(label, f"key {key!r} is given twice in one "
                                                    f"mapping (lines {first} and {line})")
                    seen[key] = line
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


def _check_depth(data: object, label: str) -> None:
    """Refuse data nested deeper than the limit (TOML dotted keys nest without brackets)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise InputFileError(label, f"nested more than {MAX_DEPTH} levels deep")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
