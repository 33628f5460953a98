"""Lazy re-exports: a package names its public objects without importing their modules.

Importing geopandas, OR-Tools or matplotlib costs seconds; a package's
``__init__`` maps each public name to the module defining it, and the module
is imported on first attribute access only (PEP 562).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, public: Mapping[str, str], namespace: dict[str, Any],
                 extra: tuple[str, ...] = ()) -> tuple[Callable[[str], Any], Callable[[], list]]:
    """``__getattr__`` and ``__dir__`` for a package that re-exports ``public`` lazily.

    Parameters
    ----------
    package : str
        The package's ``__name__`` (for error messages).
    public : Mapping[str, str]
        Public name -> module that defines it.
    namespace : dict
        The package's ``globals()``; a resolved name is cached there.
    extra : tuple of str
        Names defined in the package itself, listed by ``dir()``.

    Examples
    --------
    >>> namespace = {}
    >>> getattr_, dir_ = lazy_exports("pkg", {"sqrt": "math"}, namespace)
    >>> getattr_("sqrt")(9.0), "sqrt" in namespace
    (3.0, True)
    """

    def __getattr__(name: str) -> Any:
        module = public.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*public, *extra})

    return __getattr__, __dir__
