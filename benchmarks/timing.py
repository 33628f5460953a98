"""Timing helper shared by the benchmark scripts (run as scripts, so this folder is on the path)."""

from __future__ import annotations

import time


def best_of(repeat: int, func):
    """Best wall time of ``repeat`` runs and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result
