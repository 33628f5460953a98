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

from scrisk._lazy import lazy_exports

__version__ = "0.1.0"

# Public name -> module that defines it; imported on first use so that the CLI starts fast.
_PUBLIC = {
    "load_dataset": "scrisk.data.load",
    "Dataset": "scrisk.data.load",
    "validate_folder": "scrisk.data.load",
    "validate_file": "scrisk.data.load",
    "CountryResolver": "scrisk.data.countries",
    "build_network": "scrisk.network",
    "SupplyNetwork": "scrisk.network",
    "hhi": "scrisk.metrics.concentration",
    "concentration": "scrisk.metrics.concentration",
    "company_concentration": "scrisk.metrics.concentration",
    "import_dependency": "scrisk.metrics.dependency",
    "geopolrisk": "scrisk.metrics.geopolrisk",
    "geopolrisk_table": "scrisk.metrics.geopolrisk",
    "GeoPolRiskOptions": "scrisk.metrics.geopolrisk",
    "origin_matrix": "scrisk.metrics.exposure",
    "lookthrough_exposure": "scrisk.metrics.exposure",
    "self_sufficiency": "scrisk.metrics.self_sufficiency",
    "battery_needs": "scrisk.metrics.battery",
    "battery_coverage": "scrisk.metrics.battery",
    "battery_goal": "scrisk.metrics.midstream",
    "cell_capacity": "scrisk.metrics.midstream",
    "midstream_exposure": "scrisk.metrics.midstream",
    "plant_table": "scrisk.metrics.midstream",
    "capacity_comparison": "scrisk.metrics.midstream",
    "owner_concentration": "scrisk.metrics.midstream",
    "criticality": "scrisk.metrics.criticality",
    "chokepoints": "scrisk.disruption",
    "midstream_chokepoints": "scrisk.disruption",
    "load_scenario": "scrisk.disruption",
    "run_scenario": "scrisk.disruption",
    "monte_carlo": "scrisk.disruption",
    "score_candidates": "scrisk.optimize",
    "optimize_portfolio": "scrisk.optimize",
    "PortfolioResult": "scrisk.optimize",
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


__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals(), extra=("__version__",))
