"""Timing helpers shared by the benchmarks: alternate the contenders, report medians."""
import os
import platform
import time

import numpy as np


def machine_line():
    """One line naming the machine and library versions, for RESULTS.md."""
    import torch  # noqa: PLC0415 - benchmarks compare against torch

    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, NumPy {np.__version__}, torch {torch.__version__} "
            f"({torch.get_num_threads()} threads)")


def training_step(model, opt, loss_fn, x, y):
    """One SGD-style step of ``model`` on (x, y) for either library: zero_grad, loss,
    backward, step; returns the loss as a float."""
    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def compare(contenders, repeats=7, number=None, min_time=0.2):
    """Median seconds per call for each ``name -> fn``, timed alternately.

    Each round runs every contender ``number`` times (chosen so one round lasts
    about ``min_time``), rounds alternate to share machine noise fairly.
    """
    for fn in contenders.values():  # warm up (allocations, caches, lazy imports)
        fn()
        fn()
    if number is None:
        slowest = 0.0
        for fn in contenders.values():
            t0 = time.perf_counter()
            fn()
            slowest = max(slowest, time.perf_counter() - t0)
        number = max(1, int(min_time / max(slowest, 1e-7)))
    samples = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - t0) / number)
    return {name: float(np.median(s)) for name, s in samples.items()}


def report(title, times, baseline="torch"):
    """Print times (us or ms) and each contender's speed relative to the baseline."""
    print(f"\n{title}")
    base = times[baseline]
    for name, t in times.items():
        unit, scale = ("us", 1e6) if t < 1e-3 else ("ms", 1e3)
        print(f"  {name:>10}: {t * scale:9.2f} {unit}/step   speed vs {baseline}: {base / t:5.2f}x")
    return times


def profile(step, steps=30, rows=25):
    """Print a cProfile of ``steps`` calls of ``step`` (the scripts' ``--profile`` option)."""
    import cProfile  # noqa: PLC0415
    import pstats  # noqa: PLC0415

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        step()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(rows)
