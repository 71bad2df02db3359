"""Hyperparameter search at full size (issue 12, item 6): three claims, measured.

1. Random vs grid on f(x, y) = -|x - 0.37| (y unimportant), 9 trials: distinct x values and the
   expected distance of the best x to the optimum, closed form and measured over 2,000 seeds.
2. MNIST-1D, MLP + SGD(momentum 0.9): grid of 9 learning rates (log scale, 1e-3..1) vs random
   search with 3 trials, over 10 seeds: the random best lr within 2x of the grid's best?
3. Hyperband (R=9 epochs, eta=3) vs full grid (9 lr x 3 widths, 9 epochs each): best validation
   accuracy and total epoch budget of each.

Run: .venv/bin/python bench/tune.py [--quick] [--out DIR] [--claims grid,lr,hyperband]
     [--lr-epochs 5] [--seeds 10] [--hb-iterations 1]   (figures and results.json in DIR)
"""
import argparse
import json
import math
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from deepgrad.lab.tune import (MNIST1DObjective, SerialExecutor, choice, grid_search,  # noqa: E402
                               hyperband, loguniform, random_search, uniform)


def peaked(config, epochs):
    return -abs(config["x"] - 0.37)


def claim_random_vs_grid(out, plt):
    space = {"x": uniform(0, 1), "y": uniform(0, 1)}
    grid = grid_search(peaked, space, points=3, executor=SerialExecutor())
    t = np.linspace(0, 0.63, 20001)
    covered = np.minimum(t, 0.37) + np.minimum(t, 0.63)
    closed = float(np.trapezoid((1 - covered) ** 9, t))
    found = [-random_search(peaked, space, 9, seed=s, executor=SerialExecutor()).best["score"]
             for s in range(2000)]
    rnd = random_search(peaked, space, 9, seed=0, executor=SerialExecutor())
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    ax.scatter([r["x"] for r in grid], [r["y"] for r in grid], label="grid (3 distinct x)")
    ax.scatter([r["x"] for r in rnd], [r["y"] for r in rnd], marker="^",
               label="random (9 distinct x)")
    ax.axvline(0.37, color="gray", ls="--", label="optimum of x")
    ax.set_xlabel("x (important)")
    ax.set_ylabel("y (unimportant)")
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(out / "tune_random_vs_grid.png", dpi=70)
    return {"grid_best_distance": -grid.best["score"], "random_expected_closed_form": closed,
            "random_measured_mean": float(np.mean(found)),
            "p_random_beats_grid_closed_form": 1 - 0.74 ** 9,
            "p_random_beats_grid_measured": float(np.mean(np.array(found) < 0.13))}


def claim_mnist1d_lr(out, plt, objective, epochs, seeds, executor):
    space = {"lr": loguniform(1e-3, 1.0)}
    start = time.perf_counter()
    grid = grid_search(objective, space, points=9, epochs=epochs, executor=executor)
    picks = [random_search(objective, space, 3, epochs=epochs, seed=s, executor=executor).best
             for s in range(seeds)]
    grid_lr = grid.best["lr"]
    ratios = [max(p["lr"] / grid_lr, grid_lr / p["lr"]) for p in picks]
    geo = math.exp(np.mean(np.log([p["lr"] for p in picks])))
    ax = grid.plot("lr")
    ax.scatter([p["lr"] for p in picks], [p["score"] for p in picks], marker="^", color="C2",
               label="random (3 trials) best, per seed")
    ax.axvline(geo, color="C2", ls=":", label="geometric mean of random picks")
    ax.legend(fontsize=7)
    ax.set_ylabel("validation accuracy")
    ax.figure.set_size_inches(4.8, 3.3)
    ax.figure.tight_layout()
    ax.figure.savefig(out / "tune_mnist1d_lr.png", dpi=70)
    return {"grid_best_lr": grid_lr, "grid_best_acc": grid.best["score"], "grid_trials": 9,
            "random_trials": 3, "seeds": seeds, "random_best_lrs": [p["lr"] for p in picks],
            "random_best_accs": [p["score"] for p in picks],
            "geometric_mean_lr": geo, "geo_ratio_to_grid": max(geo / grid_lr, grid_lr / geo),
            "fraction_within_2x": float(np.mean(np.array(ratios) <= 2)),
            "mean_acc_gap": grid.best["score"] - float(np.mean([p["score"] for p in picks])),
            "seconds": time.perf_counter() - start}


def _hyperband_iterations(objective, space, max_epochs, seed, iterations, executor):
    """Li et al. repeat Hyperband's outer loop while budget remains: ``iterations`` runs,
    the best of their full-budget results, and the summed budget."""
    runs = [hyperband(objective, space, max_epochs, eta=3, seed=1000 * i + seed, executor=executor)
            for i in range(iterations)]
    best = max(runs, key=lambda r: r.best["score"])
    return best, sum(r.total_epochs for r in runs)


def claim_hyperband(out, plt, objective, max_epochs, executor, iterations=1):
    space = {"lr": loguniform(1e-3, 1.0), "hidden": choice([32, 64, 128])}
    start = time.perf_counter()
    full = grid_search(objective, space, points={"lr": 9}, epochs=max_epochs, executor=executor)
    pairs = [_hyperband_iterations(objective, space, max_epochs, s, iterations, executor)
             for s in range(3)]
    hb = [best for best, _ in pairs]
    budgets = [epochs for _, epochs in pairs]
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    ax.bar(["full grid"] + [f"hyperband s{s}" for s in range(3)],
           [full.total_epochs] + budgets, color=["C0"] + ["C1"] * 3)
    for i, acc in enumerate([full.best["score"]] + [h.best["score"] for h in hb]):
        ax.text(i, 5, f"acc\n{acc:.3f}", ha="center", fontsize=7, color="white")
    ax.set_ylabel("total epochs trained")
    ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    fig.savefig(out / "tune_hyperband_budget.png", dpi=70)
    return {"grid_configs": len(full), "grid_epochs": full.total_epochs,
            "grid_best_acc": full.best["score"], "grid_best": full.best_config,
            "hyperband_iterations": iterations, "hyperband_epochs": budgets,
            "hyperband_best_acc": [h.best["score"] for h in hb],
            "hyperband_best": [h.best_config for h in hb],
            "seconds": time.perf_counter() - start}


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", default="/tmp/deepgrad_bench_tune")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--claims", default="grid,lr,hyperband")
    p.add_argument("--lr-epochs", type=int, default=5)
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--hb-iterations", type=int, default=1)
    args = p.parse_args(argv)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    num_train = 500 if args.quick else 2000
    objective = MNIST1DObjective(num_train=num_train, num_val=1000, hidden=64, seed=0)
    from concurrent.futures import ProcessPoolExecutor
    executor = SerialExecutor() if args.workers == 0 else ProcessPoolExecutor(args.workers)
    claims, results = args.claims.split(","), {}
    if "grid" in claims:
        results["random_vs_grid"] = claim_random_vs_grid(out, plt)
    if "lr" in claims:
        results["mnist1d_lr"] = claim_mnist1d_lr(out, plt, objective,
                                                 2 if args.quick else args.lr_epochs,
                                                 3 if args.quick else args.seeds, executor)
    if "hyperband" in claims:
        results["hyperband"] = claim_hyperband(out, plt, objective, 3 if args.quick else 9,
                                               executor, args.hb_iterations)
    print(json.dumps(results, indent=1), flush=True)
    (out / "results.json").write_text(json.dumps(results, indent=1))
    executor.shutdown()


if __name__ == "__main__":
    main()
