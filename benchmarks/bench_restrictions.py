"""Benchmark: the share of supply under export restrictions, with and without the crossed share.

Times :func:`scrisk.metrics.restrictions.restriction_shares` for Japan over every commodity the
inventory names and every data year of the shipped data, twice in one process:

* baseline: direct and mined-origin shares only (the crossed-border tracing switched off, as
  before it existed);
* current: with the crossed-border share (one sparse solve per stage below the importer's
  stage, and one more per restricting exporter for the by-exporter split).

The flow models are built once before timing (every analysis shares them) and the memo of
crossed shares is cleared before each timed run, so the ratio is the cost of the tracing
itself. Prints best-of times, the ratio and the peak memory.

    python benchmarks/bench_restrictions.py [--repeat 3] [--importer JPN]
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

from timing import best_of

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--importer", default="JPN")
    args = parser.parse_args(argv)

    import scrisk.metrics.restrictions as restrictions
    from scrisk import load_dataset

    dataset = load_dataset()
    warm = restrictions.restriction_shares(dataset, importer=args.importer)  # builds the models
    current = restrictions._crossed_rows

    def without_crossed():
        restrictions._crossed_rows = lambda *a, **k: None
        try:
            return restrictions.restriction_shares(dataset, importer=args.importer)
        finally:
            restrictions._crossed_rows = current

    base_t, base = best_of(args.repeat, without_crossed)
    def with_crossed():
        restrictions._CROSSED_MEMO.clear()  # time the tracing, not the memo
        return restrictions.restriction_shares(dataset, importer=args.importer)

    new_t, new = best_of(args.repeat, with_crossed)
    same = (base.table[["direct_share", "mined_share"]].fillna(-1).equals(
        new.table[["direct_share", "mined_share"]].fillna(-1)))
    rows = len(warm.table)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"restriction_shares, importer {args.importer}, {rows} commodity-year-stage rows, "
          f"best of {args.repeat} (flow models built beforehand)")
    print(f"{'':28}{'baseline':>12}{'current':>12}{'ratio':>8}")
    print(f"{'time (s)':28}{base_t:12.3f}{new_t:12.3f}{new_t / base_t:8.2f}")
    print(f"direct and mined shares identical: {same}; peak RSS {peak_mb:,.0f} MB")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
