"""Start-up time of `croupier --help` and `croupier --version` (whole processes).

Each command runs as a fresh process, in turn with two references measured in the same run:
  baseline: the bare interpreter (`python -c pass`), the floor no CLI can beat;
  eager:    importing the CLI and every command module, as the CLI did before lazy loading.
Reports the median wall and CPU time (user + sys, from the OS's accounting of the finished
child: on a busy shared machine wall time mostly measures the queue) of each, and the wall
ratio to the baseline pair by pair (the median of the per-round ratios). Usage:

    python bench/cli_startup_bench.py [--runs 15] [--budget 0.3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

EAGER = (
    "import croupier.cli, importlib\n"
    "for target in croupier.cli.COMMANDS.values():\n"
    "    importlib.import_module(target.partition(':')[0])"
)
COMMANDS: dict[str, list[str]] = {
    "baseline (python -c pass)": [sys.executable, "-c", "pass"],
    "croupier --help": [sys.executable, "-m", "croupier", "--help"],
    "croupier --version": [sys.executable, "-m", "croupier", "--version"],
    "eager import of every command": [sys.executable, "-c", EAGER],
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _once(argv: list[str]) -> tuple[float, float]:
    """(wall, cpu) seconds of one run."""
    cpu, started = _cpu(), time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started, _cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="rounds (each runs every command)")
    parser.add_argument("--budget", type=float, default=0.3, help="--help budget, seconds")
    args = parser.parse_args()
    for argv in COMMANDS.values():  # warm-up: file cache, .pyc files
        _once(argv)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, argv in COMMANDS.items():
            wall, cpu = _once(argv)
            times[name].append(wall)
            cpus[name].append(cpu)
    base = times["baseline (python -c pass)"]
    print(f"{args.runs} rounds, python {sys.version.split()[0]}")
    print(
        f"{'command':<32} {'wall median s':>14} {'min s':>7} {'max s':>7} {'cpu median s':>13}"
        f" {'wall x baseline':>16}"
    )
    for name, samples in times.items():
        ratio = statistics.median(s / b for s, b in zip(samples, base, strict=True))
        print(
            f"{name:<32} {statistics.median(samples):>14.3f} {min(samples):>7.3f}"
            f" {max(samples):>7.3f} {statistics.median(cpus[name]):>13.3f} {ratio:>16.1f}"
        )
    for name in ("croupier --help", "croupier --version"):
        wall, cpu = statistics.median(times[name]), statistics.median(cpus[name])
        verdict = "within" if min(wall, cpu) < args.budget else "OVER"
        print(
            f"{name}: median wall {wall:.3f} s, cpu {cpu:.3f} s: {verdict} the"
            f" {args.budget:.2f} s budget"
        )


if __name__ == "__main__":
    main()
