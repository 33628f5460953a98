"""Candidate scoring and upstream portfolio optimisation (OR-Tools CP-SAT).

Examples
--------
>>> from scrisk.optimize import solve_portfolio
>>> from scrisk.optimize.synthetic import synthetic_problem
>>> solve_portfolio(synthetic_problem(6, seed=0), 300.0, workers=1).status
'optimal'
"""

from __future__ import annotations

from scrisk._lazy import lazy_exports

_PUBLIC = {
    "score_candidates": "scrisk.optimize.scoring",
    "CandidateScores": "scrisk.optimize.scoring",
    "DEFAULT_SCORE_WEIGHTS": "scrisk.optimize.scoring",
    "optimize_portfolio": "scrisk.optimize.portfolio",
    "solve_portfolio": "scrisk.optimize.portfolio",
    "evaluate_portfolio": "scrisk.optimize.portfolio",
    "portfolio_frontier": "scrisk.optimize.portfolio",
    "plot_frontier": "scrisk.optimize.portfolio",
    "PortfolioResult": "scrisk.optimize.portfolio",
    "PortfolioOptions": "scrisk.optimize.portfolio",
    "FrontierResult": "scrisk.optimize.portfolio",
    "build_problem": "scrisk.optimize.problem",
    "problem_from_frames": "scrisk.optimize.problem",
    "dataset_with_candidates": "scrisk.optimize.problem",
    "PortfolioProblem": "scrisk.optimize.problem",
    "Target": "scrisk.optimize.problem",
    "PortfolioParameterError": "scrisk.optimize.problem",
    "country_loss_scenarios": "scrisk.optimize.scenarios",
}

__all__ = sorted(_PUBLIC)


__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())
