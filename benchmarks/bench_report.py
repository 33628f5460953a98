"""Benchmark: ``scrisk report`` (what ``make report`` runs), cold and with the chart cache warm.

For each language set (``en``, ``ja``, ``en,ja``) the report is written by a
fresh ``scrisk report`` process, timed from start to exit (imports and
loading included):

* **cold**: the chart cache off (``SCRISK_CACHE_DIR=off``), every chart drawn;
* **warm**: a chart cache filled by one untimed run of the same command, so
  unchanged charts are read instead of drawn.

Each row prints the wall time, the CPU time (the process and its workers)
and the peak resident memory of the largest process. With
``--baseline-src DIR`` (the ``src`` folder of another checkout, e.g.
``git worktree add /tmp/base main``; a whole checkout, since the shipped demand
paths are read beside ``src``) the same commands run with that code,
interleaved with this checkout's runs so that both see the same machine
load, and the ratio baseline / this is printed; both use this checkout's
``data/``. The visible text of both HTML reports (charts' base64 payloads
removed) is compared: the numbers must not change with the speed.

    python benchmarks/bench_report.py [--langs en,ja] [--repeat 1] [--baseline-src DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANG_SETS = ("en", "ja", "en,ja")
RUN_CLI = "import sys; from scrisk.cli import main; sys.argv[0] = 'scrisk'; sys.exit(main())"


def run_report(src: Path, lang: str, out: Path, cache: str) -> dict[str, float]:
    """One ``scrisk report`` in a child process: wall s, CPU s and peak RSS (MB)."""
    env = {**os.environ, "PYTHONPATH": str(src), "SCRISK_DATA": str(ROOT / "data"),
           "SCRISK_CACHE_DIR": cache}
    command = [sys.executable, "-c", RUN_CLI, "report", "--out", str(out), "--lang", lang]
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    error = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if child.returncode:
        raise SystemExit(f"scrisk report --lang {lang} with {src} failed:\n{error[-2000:]}")
    # ru_maxrss is in KiB on Linux: the largest of the child and the workers it waited for
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024}


def visible_text(folder: Path) -> dict[str, str]:
    """The HTML reports of a folder without their base64 payloads (images, font)."""
    return {path.name: re.sub(r"data:[a-z/+-]+;base64,[A-Za-z0-9+/=]+", "",
                              path.read_text(encoding="utf-8"))
            for path in sorted(folder.glob("*.html"))}


def first_difference(base: dict[str, str], mine: dict[str, str]) -> str:
    """Where two sets of reports first differ (file name and the text around it)."""
    for name in sorted(set(base) | set(mine)):
        a, b = base.get(name, ""), mine.get(name, "")
        if a != b:
            at = next((k for k, (x, y) in enumerate(zip(a, b, strict=False))
                       if x != y), min(len(a), len(b)))
            return (f"  {name} differs at character {at}:\n  baseline: {a[at - 120:at + 120]!r}"
                    f"\n  this:     {b[at - 120:at + 120]!r}")
    return ""


def measure(src: Path, lang: str, work: Path, mode: str, repeat: int) -> tuple[dict, Path]:
    """Best of ``repeat`` runs of one mode (cold or warm); returns timings and the out folder."""
    out = work / f"out-{mode}-{lang.replace(',', '_')}"
    cache = "off"
    if mode == "warm":
        cache = str(work / f"cache-{lang.replace(',', '_')}")
        run_report(src, lang, out, cache)  # fills the chart cache (untimed)
    best: dict | None = None
    for _ in range(repeat):
        result = run_report(src, lang, out, cache)
        if best is None or result["wall"] < best["wall"]:
            best = result
    return best, out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--langs", default=";".join(LANG_SETS),
                        help="language sets separated by ';' (default en;ja;en,ja)")
    parser.add_argument("--modes", default="cold,warm", help="cold, warm or both")
    parser.add_argument("--repeat", type=int, default=1, help="runs per row (best wall)")
    parser.add_argument("--baseline-src", type=Path, default=None,
                        help="src folder of another checkout to compare with")
    args = parser.parse_args(argv)
    here = ROOT / "src"
    if args.baseline_src and not (args.baseline_src / "scrisk").is_dir():
        parser.error(f"--baseline-src {args.baseline_src}: no scrisk package in it; give the "
                     "src folder of a whole checkout (its paths/ folder is read beside it)")
    if args.baseline_src and not (args.baseline_src.parent / "paths").is_dir():
        parser.error(f"--baseline-src {args.baseline_src}: no paths/ folder beside it, so the "
                     "baseline report would leave out the demand path; use a whole checkout "
                     "(git worktree add DIR main)")
    sets = [x.strip() for x in args.langs.split(";") if x.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    print(f"scrisk report on {os.cpu_count()} CPUs; wall and CPU in s, peak RSS of the "
          "largest process in MB")
    head = f"{'lang':6s} {'mode':5s} {'wall':>7s} {'cpu':>7s} {'peak':>7s}"
    if args.baseline_src:
        head += f" | {'base wall':>9s} {'base cpu':>8s} {'base peak':>9s} {'ratio':>6s} text"
    print(head)
    with tempfile.TemporaryDirectory(prefix="scrisk-bench-report-") as tmp:
        work = Path(tmp)
        for lang in sets:
            for mode in modes:
                base = None
                if args.baseline_src:
                    base, base_out = measure(args.baseline_src.resolve(), lang,
                                             work / "base", mode, args.repeat)
                mine, out = measure(here, lang, work / "this", mode, args.repeat)
                line = (f"{lang:6s} {mode:5s} {mine['wall']:7.1f} {mine['cpu']:7.1f} "
                        f"{mine['peak_mb']:7.0f}")
                if base is not None:
                    mine_text, base_text = visible_text(out), visible_text(base_out)
                    same = mine_text == base_text
                    if not same:
                        print(first_difference(base_text, mine_text))
                    line += (f" | {base['wall']:9.1f} {base['cpu']:8.1f} "
                             f"{base['peak_mb']:9.0f} {base['wall'] / mine['wall']:5.2f}x "
                             f"{'same' if same else 'DIFFERENT'}")
                print(line, flush=True)


if __name__ == "__main__":
    main()
