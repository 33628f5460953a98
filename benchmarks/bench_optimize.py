"""Portfolio optimisation at scale: solve time and optimality gap with every constraint on.

Synthetic, seeded instances (scrisk.optimize.synthetic) of 50, 500, 1,000 and
5,000 candidates with: total and yearly budgets, a 35 % country cap, the
linearised HHI penalty (third lexicographic stage), an excluded country group
(``concern``), a cost surcharge on another group, and the robust worst case
over three disruption scenarios. Goal: 1,000 candidates proven optimal in
under 30 s on 2 cores.

A third row per size ("cap") keeps budget, targets and a binding 35 % country
cap only: the case where CP-SAT needs longest. It reports the status
(``optimal``, ``feasible`` with its gap, or ``greedy_fallback`` when no
solution came within the time limit), whether the cap binds (the shortfall
with the cap is larger than without it, or a country sits at the cap) and the
time, as measured. ``--time-limit`` bounds each whole solve.

Run: ``.venv/bin/python benchmarks/bench_optimize.py [--sizes 50 500 1000 5000]
[--workers 8] [--time-limit 30] [--objective lexicographic|weighted]
[--kinds budget all cap]``.
The baseline in the same process is the same instance without the robust and
diversification parts (budget and targets only), to show what they cost.

``--shipped`` instead times the report's portfolio section on the shipped
dataset: candidate scores, the policy portfolio and a five-point budget
frontier, each call building its own problem (the baseline, as the report
called them) against one problem built once and passed to all three
(``problem=``), CPU seconds of each (fresh dataset, interleaved), and checks
that both choose the same projects with the same status.
"""

from __future__ import annotations

import argparse
import os
import time

from scrisk.optimize.portfolio import solve_portfolio
from scrisk.optimize.synthetic import synthetic_problem, synthetic_scenarios

GOAL_SIZE, GOAL_SECONDS = 1000, 30.0
CAP = 0.35
KINDS = ("budget", "all", "cap")


def run(n: int, seed: int, workers: int, time_limit: float, objective: str, kind: str) -> dict:
    problem = synthetic_problem(n, seed)
    cand = problem.candidates
    total = float(cand.loc[cand["eligible"], "cost_oku_yen"].sum())
    options = dict(budget_oku_yen=0.3 * total, time_limit_s=time_limit, workers=workers,
                   objective=objective)
    if kind == "all":
        options.update(annual_budget_oku_yen=0.12 * total, max_country_share=CAP,
                       exclude_groups=("concern",), group_cost_penalty={"partner": 0.2},
                       robust="worst", scenarios=synthetic_scenarios(problem, 3, seed))
    elif kind == "cap":
        options.update(max_country_share=CAP, order=("targets", "cost"))
    else:
        options.update(order=("targets", "cost"))
    started = time.monotonic()
    result = solve_portfolio(problem, **options)
    wall = time.monotonic() - started
    at_cap = False
    if kind == "cap":
        grew = result.country_shares.loc[result.country_shares["after_t"]
                                         > result.country_shares["before_t"] + 1e-9]
        at_cap = bool((grew["share_after"] >= CAP - 0.005).any())
    return {"n": n, "status": result.status, "wall_s": wall,
            "solver_s": float(result.stages["time_s"].sum()),
            "gap": result.gap, "selected": len(result.selected),
            "spend": result.spend_oku_yen, "budget": options["budget_oku_yen"],
            "short_pp": float(result.targets["shortfall"].sum()), "at_cap": at_cap,
            "stages": ", ".join(f"{st.stage} {st.status}" + (
                f" {100 * st.gap:.2f}%" if st.status != "optimal" else "")
                for st in result.stages.itertuples(index=False))}


def shipped(rounds: int, workers: int, time_limit: float) -> None:
    """The report's three portfolio parts on the shipped data, separately and sharing a problem."""
    from threadpoolctl import threadpool_limits

    from scrisk.data.load import load_dataset
    from scrisk.optimize import (
        build_problem,
        optimize_portfolio,
        portfolio_frontier,
        score_candidates,
    )

    options = {"iso3": "JPN", "battery_gwh": 150.0}
    solve = {"workers": workers, "seed": 0, "time_limit_s": time_limit}
    budgets = [0.0, 399.25, 798.5, 1597.0, 3194.0]

    def separate(ds):
        return (score_candidates(ds, 2030, **options).table,
                optimize_portfolio(ds, "policy", 2030, **options, **solve),
                portfolio_frontier(ds, budgets, 2030, **options, **solve).table)

    def shared(ds):
        problem = build_problem(ds, 2030, **options)
        return (score_candidates(ds, 2030, problem=problem).table,
                optimize_portfolio(ds, "policy", 2030, problem=problem, **solve),
                portfolio_frontier(problem, budgets, **solve).table)

    cpu: dict[str, list[float]] = {"separate": [], "shared": []}
    out = {}
    with threadpool_limits(1):
        for _ in range(rounds):
            for name, way in (("separate", separate), ("shared", shared)):
                ds = load_dataset()
                start = time.process_time()
                out[name] = way(ds)
                cpu[name].append(time.process_time() - start)
    (sa, pa, fa), (sb, pb, fb) = out["separate"], out["shared"]
    same = (sa.equals(sb) and pa.status == pb.status
            and pa.selected["project_id"].tolist() == pb.selected["project_id"].tolist()
            and fa.drop(columns=["gap"]).equals(fb.drop(columns=["gap"])))
    base, this = min(cpu["separate"]), min(cpu["shared"])
    print(f"shipped data, report portfolio section (scores, policy portfolio, 5-point "
          f"frontier; best of {rounds}, CPU s incl. CP-SAT threads): each building its "
          f"problem {base:.2f}, one shared problem {this:.2f}, ratio {base / this:.2f}x; "
          f"same projects, status and frontier: {'yes' if same else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 1000, 5000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--objective", default="lexicographic")
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument("--shipped", action="store_true",
                        help="time the report's portfolio section on the shipped data instead")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of --shipped")
    args = parser.parse_args()
    if args.shipped:
        shipped(args.rounds, min(args.workers, 2), args.time_limit)
        return
    print(f"cores available: {os.cpu_count()}, CP-SAT workers: {args.workers}, "
          f"objective: {args.objective}, time limit {args.time_limit:g} s per solve")
    header = (f"{'candidates':>10} {'constraints':>11} {'status':>15} {'wall s':>8} "
              f"{'solver s':>9} {'gap %':>8} {'chosen':>6} {'spend/budget':>13} {'short pp':>9}")
    print(header)
    print("-" * len(header))
    results = {}
    for n in args.sizes:
        for kind in args.kinds:
            r = run(n, args.seed, args.workers, args.time_limit, args.objective, kind)
            results[(n, kind)] = r
            print(f"{n:>10} {kind:>11} {r['status']:>15} "
                  f"{r['wall_s']:>8.2f} {r['solver_s']:>9.2f} {100 * r['gap']:>8.4f} "
                  f"{r['selected']:>6} {r['spend'] / r['budget']:>13.3f} {r['short_pp']:>9.2f}",
                  flush=True)
            if r["status"] != "optimal":
                print(f"{'':>10} stages: {r['stages']}", flush=True)
        base = results.get((n, "budget"))
        for kind in ("all", "cap"):
            if base is None or (n, kind) not in results:
                continue
            r = results[(n, kind)]
            line = (f"{'':>10} ratio {kind}/budget-only wall time: "
                    f"{r['wall_s'] / max(base['wall_s'], 1e-9):.2f}x")
            if kind == "cap":
                binds = r["short_pp"] > base["short_pp"] + 1e-6
                state = ("binds" if binds else "is active (a country at the cap), shortfall "
                         "unchanged" if r["at_cap"] else "does NOT bind")
                line += (f"; the {CAP:g} cap {state} (shortfall {r['short_pp']:.2f} pp vs "
                         f"{base['short_pp']:.2f} pp without it)")
            print(line, flush=True)
    if (GOAL_SIZE, "all") in results:
        r = results[(GOAL_SIZE, "all")]
        ok = r["wall_s"] < GOAL_SECONDS and r["status"] == "optimal"
        print(f"goal ({GOAL_SIZE} candidates, all constraints, proven optimal in "
              f"< {GOAL_SECONDS:g} s): {'met' if ok else 'NOT met'} "
              f"({r['wall_s']:.2f} s, {r['status']}, gap {100 * r['gap']:.4f} %)")


if __name__ == "__main__":
    main()
