"""Each library alone in its own process: the primary figure of every benchmark.

    python bench/alone.py bench_cnn [--rounds 3] [--seconds 8] [--threads 2]

Why: timing torch and deepgrad alternately inside one process flatters deepgrad. torch's
thread pool goes cold between its steps and meets OpenBLAS's spinning threads; the same CNN
read 1.39x alternating in one process and 0.51-0.70x with each library alone. Users run one
library at a time, so that is what we time.

How: a script taking part defines ``ALONE = {workload: {contender: factory}}``, where
``factory()`` builds a zero-argument training step in the calling process and imports only
its own library. For every round, each contender runs in a fresh Python process, one after
the other (A B C, A B C, ...: interleaved, so slow drifts of the machine hit all of them),
warms up, then times single steps for about ``--seconds`` and reports their median. The
figure per round is the ratio of those medians (torch time / deepgrad time: above 1 means
deepgrad is faster); we print the ratio of the medians over rounds and the range of the
per-round ratios.

Thread counts: every child gets OMP/OpenBLAS/MKL thread variables set to ``--threads``
before it starts, and torch's factory also calls ``torch.set_num_threads``.
"""
import argparse
import importlib
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def time_steps(step, seconds, warmup=3, min_steps=5):
    """Median and minimum seconds of single calls of ``step`` over about ``seconds``."""
    for _ in range(warmup):
        step()
    samples = []
    start = time.perf_counter()
    while len(samples) < min_steps or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        step()
        samples.append(time.perf_counter() - t0)
    return {"median": float(np.median(samples)), "min": float(np.min(samples)),
            "steps": len(samples)}


def run_child(script, workload, contender, seconds):
    """In the child process: build one contender's step and time it; print JSON."""
    sys.path.insert(0, HERE)
    module = importlib.import_module(script)
    step = module.ALONE[workload][contender]()
    print(json.dumps(time_steps(step, seconds)))


def spawn(script, workload, contender, seconds, threads):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    env["BENCH_THREADS"] = str(threads)
    out = subprocess.run([sys.executable, __file__, "--child", script, workload, contender,
                          "--seconds", str(seconds)], env=env, capture_output=True, text=True,
                         check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{script}/{workload}/{contender} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(script, rounds=3, seconds=8.0, threads=2, workloads=None):
    """{workload: {contender: [per-round result dicts]}} with interleaved fresh processes."""
    sys.path.insert(0, HERE)
    table = importlib.import_module(script).ALONE
    results = {}
    for workload, contenders in table.items():
        if workloads and workload not in workloads:
            continue
        results[workload] = {name: [] for name in contenders}
        for _ in range(rounds):
            for name in contenders:
                results[workload][name].append(spawn(script, workload, name, seconds, threads))
    return results


def summarise(results, baseline="torch", subject="deepgrad"):
    """Print per workload: each contender's median step (range over rounds) and the ratio."""
    for workload, by_name in results.items():
        print(f"\n{workload}: each library alone in its own process, "
              f"{len(next(iter(by_name.values())))} interleaved rounds")
        medians = {name: [r["median"] for r in runs] for name, runs in by_name.items()}
        for name, ts in medians.items():
            print(f"  {name:>9}: median {np.median(ts) * 1e3:8.3f} ms/step "
                  f"(rounds {min(ts) * 1e3:.3f}-{max(ts) * 1e3:.3f})")
        if baseline in medians and subject in medians:
            per_round = [b / s for b, s in zip(medians[baseline], medians[subject])]
            ratio = np.median(medians[baseline]) / np.median(medians[subject])
            print(f"  {subject} vs {baseline} (speed, >1 faster): ratio of medians {ratio:.2f}x,"
                  f" per round {min(per_round):.2f}-{max(per_round):.2f}x")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", help="benchmark module in bench/, e.g. bench_cnn")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0, help="timing per process")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workload", action="append", help="only these workloads")
    parser.add_argument("--json", help="also write the raw results to this file")
    args = parser.parse_args(argv)
    results = measure(args.script, args.rounds, args.seconds, args.threads, args.workload)
    summarise(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _, _, script_, workload_, contender_, _, seconds_ = sys.argv
        run_child(script_, workload_, contender_, float(seconds_))
    else:
        main()
