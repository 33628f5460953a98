"""PNG charts kept by content hash, so that an unchanged chart is not drawn again.

The key of a chart is a SHA-256 over everything that decides its pixels: the
drawing function, the language, the source note, the data given to it
(DataFrames and arrays by their values), the source of ``scrisk.report`` (the
drawing code and catalogues), the shipped country outlines and the versions of
matplotlib, Pillow, pyproj, geopandas and matplotlib-fontja. A changed number, label or line of code
gives another key; nothing is ever invalidated by hand.

The cache holds PNG bytes only (checked by their signature when read), which
are embedded in the report as images and never executed. It lives in the
user's cache folder (``$SCRISK_CACHE_DIR``, else ``$XDG_CACHE_HOME/scrisk``,
else ``~/.cache/scrisk``), never in the report's output folder;
``SCRISK_CACHE_DIR=off`` turns it off. A cache that cannot be read or written
is skipped silently: the chart is then drawn.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 20 * 1024 * 1024
OFF = ("off", "0", "no", "false", "")


class Uncacheable(Exception):
    """An argument whose content cannot be fingerprinted: the chart is drawn."""


def cache_dir() -> Path | None:
    """Folder of cached charts, or ``None`` when caching is off.

    Examples
    --------
    >>> import os
    >>> os.environ["SCRISK_CACHE_DIR"] = "off"
    >>> cache_dir() is None
    True
    >>> del os.environ["SCRISK_CACHE_DIR"]
    """
    given = os.environ.get("SCRISK_CACHE_DIR")
    if given is not None:
        if given.strip().lower() in OFF:
            return None
        return Path(given) / "figures"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scrisk" / "figures"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the drawing code, catalogues, map outlines and drawing libraries' versions.

    Only ``scrisk/report`` draws: the numbers a chart shows reach it as
    arguments, which are part of its key, so a change elsewhere in scrisk
    keeps the cache. The country outlines are read by the maps themselves.
    """
    import matplotlib
    import PIL

    from scrisk.report.maps import countries_path

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".toml", ".json", ".mplstyle") and path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    outlines = countries_path()
    digest.update(outlines.read_bytes() if outlines.is_file() else b"no outlines")
    digest.update(f"matplotlib {matplotlib.__version__} pillow {PIL.__version__}".encode())
    # the maps' projection and outline reader, and the Japanese font
    for package in ("pyproj", "geopandas", "matplotlib-fontja"):
        digest.update(f" {package} {_version(package)}".encode())
    return digest.hexdigest()


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "absent"


def figure_key(draw: Callable[..., object], lang: str, source: str, kwargs: Mapping) -> str | None:
    """Content hash of one chart, or ``None`` when an argument cannot be fingerprinted.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"x": [1.0, 2.0]})
    >>> a = figure_key(len, "en", "src", {"data": frame})
    >>> a == figure_key(len, "en", "src", {"data": frame.copy()})
    True
    >>> a == figure_key(len, "ja", "src", {"data": frame})
    False
    >>> a == figure_key(len, "en", "src", {"data": frame.assign(x=[1.0, 2.5])})
    False
    """
    digest = hashlib.sha256(code_fingerprint().encode())
    try:
        _feed(digest, (getattr(draw, "__module__", ""), getattr(draw, "__qualname__", repr(draw)),
                       lang, source))
        _feed(digest, dict(kwargs))
    except Uncacheable:
        return None
    return digest.hexdigest()


def load(key: str | None) -> bytes | None:
    """Cached PNG bytes of ``key``, or ``None`` (not cached, caching off, not a PNG)."""
    folder = cache_dir()
    if key is None or folder is None:
        return None
    path = folder / f"{key}.png"
    try:
        if not path.is_file() or path.stat().st_size > MAX_PNG_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data if data.startswith(PNG_SIGNATURE) else None


def store(key: str | None, png: bytes) -> None:
    """Keep ``png`` under ``key`` (written to a temporary name, then renamed)."""
    folder = cache_dir()
    if key is None or folder is None or not png.startswith(PNG_SIGNATURE):
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".png")
        with os.fdopen(handle, "wb") as out:
            out.write(png)
        os.replace(tmp, folder / f"{key}.png")
    except OSError:
        return


def _feed(digest, value) -> None:
    """Add a value's type and content to ``digest`` (recursively)."""
    if value is None or isinstance(value, bool | int | float | str | bytes | np.generic):
        digest.update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, pd.DataFrame):
        digest.update(f"frame{value.shape}:".encode())
        _feed(digest, [str(c) for c in value.columns])
        _feed(digest, value.index)
        for column in value.columns:
            _feed(digest, value[column])
        _feed(digest, dict(value.attrs))
    elif isinstance(value, pd.Series | pd.Index):
        digest.update(f"{type(value).__name__}:{value.dtype}:{value.name!r}:{len(value)};"
                      .encode())
        if isinstance(value, pd.Series):  # the labels of a series are part of the chart
            _feed(digest, value.index)
        if hasattr(value, "to_wkb"):  # geometries
            _feed(digest, list(value.to_wkb()))
            return
        values = np.asarray(value)
        if values.dtype == object:  # text, mixed or extension values: one by one
            _feed(digest, values.tolist())
        else:
            digest.update(np.ascontiguousarray(values).tobytes())
    elif isinstance(value, np.ndarray):
        digest.update(f"array{value.shape}:{value.dtype};".encode())
        if value.dtype == object:
            _feed(digest, value.ravel().tolist())
        else:
            digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, Mapping):
        digest.update(f"map{len(value)}:".encode())
        for k in sorted(value, key=repr):
            _feed(digest, k)
            _feed(digest, value[k])
    elif isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        digest.update(f"{type(value).__name__}{len(items)}:".encode())
        for item in items:
            _feed(digest, item)
    elif callable(value) and hasattr(value, "__qualname__"):
        digest.update(f"fn:{value.__module__}.{value.__qualname__};".encode())
    elif hasattr(value, "__dataclass_fields__"):
        digest.update(f"dc:{type(value).__qualname__}:".encode())
        _feed(digest, {name: getattr(value, name) for name in value.__dataclass_fields__})
    else:
        raise Uncacheable(type(value).__name__)
