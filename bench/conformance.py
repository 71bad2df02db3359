"""The PyTorch example programs at realistic sizes: torch vs deepgrad, side by side.

Each program of pytorch/examples (read from the snapshot named by
DEEPGRAD_PYTORCH_EXAMPLES, see tests/conformance/README.md) runs unmodified, once
under real torch and once under deepgrad (``import torch`` aliased to deepgrad),
each in its own fresh process, one after the other (never at the same time). The
table gives the program's own final metric from each run and the wall time of
each process (Python start, imports and data preparation included).

Run: python bench/conformance.py [--threads N] [--only mnist,vae] [--timeout S]
"""
import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conformance import harness, programs  # noqa: E402


def describe_arguments(program):
    return " ".join(program.bench_args) or "(defaults)"


def run_one(program, library, snapshot, threads, timeout):
    """(metric value or None, seconds, note) of one run of ``program`` at bench size."""
    with tempfile.TemporaryDirectory(prefix=f"conformance-{program.name}-") as workroot:
        main, steps = programs.run_program(program, library, snapshot, workroot, bench=True,
                                           timeout=timeout, threads=threads)
        seconds = sum(step.seconds for step in steps)
        failed = next((step for step in steps if step.returncode != 0), None)
        if failed is not None:
            last_line = (failed.stderr.strip().splitlines() or ["?"])[-1]
            return None, seconds, f"{library} failed: {last_line[:120]}"
        return program.metrics(main.stdout)[program.headline], seconds, ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="OMP/OpenBLAS/MKL threads for both libraries (default 1)")
    parser.add_argument("--only", default="", help="comma-separated program names")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per script")
    options = parser.parse_args()

    snapshot, reason = harness.snapshot_location()
    if snapshot is None:
        sys.exit(reason)
    chosen = options.only.split(",") if options.only else list(programs.PROGRAMS)
    unknown = [name for name in chosen if name not in programs.PROGRAMS]
    if unknown:
        sys.exit(f"unknown programs {unknown}; known: {', '.join(programs.PROGRAMS)}")

    import torch  # noqa: PLC0415 - only for the version line

    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"NumPy {np.__version__}, torch {torch.__version__}, {options.threads} thread(s) "
          f"each\n")
    print("| program | arguments | metric | torch | deepgrad | torch time | deepgrad time "
          "| note |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in chosen:
        program = programs.PROGRAMS[name]
        found = {library: run_one(program, library, snapshot, options.threads, options.timeout)
                 for library in harness.LIBRARIES}
        notes = "; ".join(note for _, _, note in found.values() if note)
        print(f"| {name} | `{describe_arguments(program)}` | {program.headline} | "
              f"{programs.headline_text(found['torch'][0])} | "
              f"{programs.headline_text(found['deepgrad'][0])} | {found['torch'][1]:.1f} s | "
              f"{found['deepgrad'][1]:.1f} s | {notes} |", flush=True)


if __name__ == "__main__":
    main()
