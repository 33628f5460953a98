"""Disruption analysis: chokepoints, scenarios as data, a vectorised engine, Monte Carlo.

* :func:`chokepoints` ranks the countries, facilities, trade links and sea
  lanes an importer's supply depends on (look-through), with single points
  of failure, weighted betweenness and minimum cuts;
  :func:`midstream_chokepoints` does the same for a battery midstream stage
  (cathode, anode, cells): producer countries and the element mines and
  refiners behind them.
* :func:`load_scenario` reads and validates a scenario file
  (``docs/scenarios.md``); :func:`run_scenario` applies its shocks;
  :func:`monte_carlo` samples them by their probabilities;
  :func:`run_and_monte_carlo` does both at the cost of about one.
* :class:`SupplyModel` is the array engine underneath: a batch of scenarios
  is a matrix of surviving shares, evaluated with matrix products.

The formulas, their rationale and a worked example are in
``docs/methods.md``.
"""

from __future__ import annotations

from scrisk._lazy import lazy_exports

_PUBLIC = {
    "chokepoints": "scrisk.disruption.chokepoints",
    "ChokepointResult": "scrisk.disruption.chokepoints",
    "element_losses": "scrisk.disruption.chokepoints",
    "model_elements": "scrisk.disruption.chokepoints",
    "physical_graph": "scrisk.disruption.chokepoints",
    "midstream_chokepoints": "scrisk.disruption.midstream",
    "MidstreamChokepointResult": "scrisk.disruption.midstream",
    "midstream_scenario": "scrisk.disruption.midstream",
    "MidstreamScenarioResult": "scrisk.disruption.midstream",
    "upstream_nodes": "scrisk.disruption.chokepoints",
    "Scenario": "scrisk.disruption.scenarios",
    "Shock": "scrisk.disruption.scenarios",
    "ScenarioResult": "scrisk.disruption.scenarios",
    "load_scenario": "scrisk.disruption.scenarios",
    "parse_scenario": "scrisk.disruption.scenarios",
    "run_scenario": "scrisk.disruption.scenarios",
    "monte_carlo": "scrisk.disruption.montecarlo",
    "run_and_monte_carlo": "scrisk.disruption.montecarlo",
    "MonteCarloResult": "scrisk.disruption.montecarlo",
    "SupplyModel": "scrisk.disruption.engine",
    "Evaluation": "scrisk.disruption.engine",
    "SeaRoutes": "scrisk.disruption.engine",
    "Gates": "scrisk.disruption.engine",
    "example_network": "scrisk.disruption.example",
}

__all__ = sorted(_PUBLIC)


__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())
