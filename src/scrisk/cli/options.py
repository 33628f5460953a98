"""Option values shared by every command: finite numbers, seeds, ``key=value`` pairs, lists.

Every number a user types is checked once, here, with a message naming
the option and the value:

- :func:`finite_floats` runs on the whole command tree before parsing, so
  that *every* float option of every command (those added later too)
  rejects ``nan`` and ``inf`` as a usage error (exit 2), instead of a
  NaN silently dropping a target or reaching a solver;
- :data:`SeedOption` is a non-negative integer (numpy's generators take no
  negative seed);
- :func:`parse_pairs` and :func:`parse_numbers` read ``--weight cost=0.2``
  and ``--stake-levels 0.25,0.5`` style values, finite numbers only.

Examples
--------
>>> parse_pairs(["cost=0.2", "targets=1e3"], "--weight")
{'cost': 0.2, 'targets': 1000.0}
>>> parse_numbers("0.25, 0.5,1", "--stake-levels")
(0.25, 0.5, 1.0)
>>> parse_pairs(["concern=nan"], "--group-penalty")
Traceback (most recent call last):
...
scrisk.cli.options.OptionValueError: --group-penalty concern=nan: 'nan' is not a finite number
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Annotated, Any

import typer

from scrisk.exceptions import ScriskError


class OptionValueError(ScriskError, ValueError):
    """A command-line option value that cannot be used (a usage error, exit 2)."""

    exit_code = 2


# Upper bounds of counts: beyond them a run takes hours or more memory than a workstation
# has; each is far above what the results need (the Monte Carlo error at 1e6 runs is 0.1 %).
MAX_RUNS = 10_000_000
MAX_FRONTIER_POINTS = 101

SeedOption = Annotated[int, typer.Option(
    "--seed", min=0, help="Seed of the random draws (a whole number >= 0); the same seed "
    "gives the same numbers.")]


def finite_number(text: str, option: str, context: str = "") -> float:
    """``text`` as a finite float, or :class:`OptionValueError` naming ``option``.

    Examples
    --------
    >>> finite_number("1,597", "--budget")
    Traceback (most recent call last):
    ...
    scrisk.cli.options.OptionValueError: --budget: '1,597' is not a number
    """
    where = f"{option} {context}".strip()
    try:
        value = float(str(text).strip())
    except ValueError:
        raise OptionValueError(f"{where}: {str(text).strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise OptionValueError(f"{where}: {str(text).strip()!r} is not a finite number")
    return value


def parse_pairs(items: Iterable[str] | None, option: str) -> dict[str, float]:
    """Repeated ``key=value`` options as a mapping of finite numbers.

    Raises
    ------
    OptionValueError
        For an item without ``=`` or a key, a value that is not a finite
        number, or a key given twice.
    """
    out: dict[str, float] = {}
    for item in items or []:
        key, sep, value = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            raise OptionValueError(f"{option} expects key=value with a number (e.g. "
                                   f"{option} cost=0.2), got {item!r}")
        if key in out:
            raise OptionValueError(f"{option} {key} is given twice ({item!r}); give it once")
        out[key] = finite_number(value, option, item)
    return out


def parse_numbers(text: str, option: str) -> tuple[float, ...]:
    """A comma-separated list of finite numbers (``0.25,0.5,1``)."""
    return tuple(finite_number(v, option, repr(text) if "," in text else "")
                 for v in str(text).split(",") if v.strip())


# --------------------------------------------------------------------------- the whole tree


def _check_finite(ctx, param, value: Any) -> Any:
    values = value if isinstance(value, list | tuple) else [value]
    for v in values:
        if isinstance(v, float) and not math.isfinite(v):
            raise typer.BadParameter(f"{v} is not a finite number (NaN and infinity are not "
                                     "accepted)", ctx=ctx, param=param)
    return value


def _is_float_option(param) -> bool:
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    if annotation is float:
        return True
    args = getattr(annotation, "__args__", ())
    return float in args


def finite_floats(command) -> int:
    """Make every option under a click ``command`` name its value on error, floats finite.

    Walks the command tree once: every float option rejects NaN and
    infinity (its own callback still runs after the check), and a value
    that fails an option's type or range says which value it was
    (``--seed -1: Input should be greater than or equal to 0``). Returns
    the number of float options checked.
    """
    count = 0
    for param in getattr(command, "params", ()):
        if getattr(param, "_scrisk_checked", False):
            continue
        param._scrisk_checked = True
        if hasattr(param, "process_value"):
            param.process_value = _naming_value(param.process_value)
        if _is_float_option(param):
            own = param.callback

            def callback(ctx, p, value, _own=own):
                value = _check_finite(ctx, p, value)
                return _own(ctx, p, value) if _own is not None else value

            param.callback = callback
            count += 1
    for sub in (getattr(command, "commands", None) or {}).values():
        count += finite_floats(sub)
    return count


def _naming_value(process_value):
    """Wrap a parameter's ``process_value`` so that its usage error quotes the raw value."""
    from typer._click.exceptions import BadParameter

    def wrapped(ctx, value):
        try:
            return process_value(ctx, value)
        except BadParameter as exc:
            raw = [v for v in (value if isinstance(value, list | tuple) else [value])
                   if isinstance(v, str)]
            if raw and not any(v in exc.message for v in raw):
                exc.message = f"{', '.join(map(repr, raw))}: {exc.message}"
            raise

    return wrapped


def float_options(command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """Every float option of a command tree: (command path, option name); for tests."""
    found = []
    for param in getattr(command, "params", ()):
        if _is_float_option(param) and getattr(param, "opts", None):
            found.append((path, param.opts[0]))
    for name, sub in (getattr(command, "commands", None) or {}).items():
        found += float_options(sub, (*path, name))
    return found
