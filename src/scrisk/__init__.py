"""scrisk: critical-mineral and battery supply-chain risk.

Load the validated dataset, build supply networks, compute concentration,
dependency, GeoPolRisk, look-through exposure, self-sufficiency and battery
needs, simulate disruptions and optimise upstream investments.

Examples
--------
>>> import scrisk
>>> ds = scrisk.load_dataset()
>>> "cobalt" in ds.commodities_list
True
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# Public name -> module that defines it; imported on first use so that the CLI starts fast.
_PUBLIC = {
    "load_dataset": "scrisk.data.load",
    "Dataset": "scrisk.data.load",
    "validate_folder": "scrisk.data.load",
    "CountryResolver": "scrisk.data.countries",
    "ScriskError": "scrisk.exceptions",
    "DataValidationError": "scrisk.exceptions",
    "ValidationFailure": "scrisk.exceptions",
    "UnknownChoiceError": "scrisk.exceptions",
    "UnknownCommodityError": "scrisk.exceptions",
    "UnknownCountryError": "scrisk.exceptions",
    "InfeasibleTargetError": "scrisk.exceptions",
    "SolverError": "scrisk.exceptions",
    "ScenarioError": "scrisk.exceptions",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'scrisk' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
