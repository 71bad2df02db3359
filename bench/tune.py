"""Hyperparameter search at full size (issue 12, item 6): three claims, measured.

1. Random vs grid on f(x, y) = -|x - 0.37| (y unimportant), 9 trials: distinct x values and the
   expected distance of the best x to the optimum, closed form and measured over 2,000 seeds.
2. MNIST-1D, MLP 40-64-64-10 + SGD(momentum 0.9, cosine-annealed lr): grid of 9 learning
   rates (log-spaced on 1e-3..1) vs random search with 3 trials (loguniform on the same
   range). Repeat ``k`` uses common random numbers: one objective seeded with ``k`` (the same
   initial weights and batch order for all 12 trials of the repeat), and ``k`` seeds the
   random draws. Per repeat: is random search's best lr within 2x of the grid's best? Over
   repeats: the fraction within 2x, the mean |log2 ratio|, the accuracy gaps.
   Read the fraction against its ceiling, which holds for *any* objective: random search's
   best can only be within 2x of the grid's best lr g if one of its 3 draws is, and a
   loguniform draw on [a, b] lands in [g/2, 2g] with probability p = log 4 / log(b/a)
   (= 0.2007 on 1e-3..1, less when g is within 2x of an end), so
   P(within 2x) <= 1 - (1 - p)^3 = 0.489. The mean |log2 ratio| is read against the
   distance from g to the nearest of the 3 draws (what a noiseless curve peaked at g picks).
3. Hyperband (R = 9 epochs, eta = 3; each rung retrains from scratch, so the budget is every
   epoch trained) vs the full grid (9 lr x 3 widths {32, 64, 128}, 9 epochs each) on the same
   objective per seed (common random numbers). Both choose by validation accuracy among the
   runs trained for the full R epochs; compared: the *test* accuracy (MNIST-1D's 1,000 test
   examples, never used to choose) of that chosen run, and the epochs spent. Tolerance, fixed
   before measuring: the standard deviation over seeds of the grid's own chosen test accuracy
   (how much the grid's answer moves with nothing but the seed); Hyperband "reaches the same
   accuracy" at seed k when its test accuracy >= the grid's at seed k minus that spread.

Data: the first 2,000 MNIST-1D training examples train, the last 2,000 validate, the test
split tests. Trials run on --workers processes (0: in this process).

Run: .venv/bin/python bench/tune.py [--quick] [--out DIR] [--claims grid,lr,hyperband]
     [--lr-epochs 20] [--seeds 20] [--hb-seeds 10] [--hb-iterations 1] [--workers 2]
     (figures and results.json in DIR)
"""
import argparse
import json
import math
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from deepgrad.lab.tune import (MNIST1DObjective, SerialExecutor, chance_within_factor,  # noqa: E402
                               choice, grid_search, hyperband, loguniform, random_search,
                               uniform)


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


def _objective(seed, quick):
    n = 500 if quick else 2000
    return MNIST1DObjective(num_train=n, num_val=n, hidden=64, seed=seed, report_test=True)


def claim_mnist1d_lr(out, plt, epochs, seeds, executor, quick=False, trials=3, low=1e-3,
                     high=1.0):
    space = {"lr": loguniform(low, high)}
    start, rows, curves = time.perf_counter(), [], []
    for seed in range(seeds):
        objective = _objective(seed, quick)
        grid = grid_search(objective, space, points=9, epochs=epochs, executor=executor)
        rnd = random_search(objective, space, trials, epochs=epochs, seed=seed,
                            executor=executor)
        g, r = grid.best, rnd.best
        ratio = math.log2(r["lr"] / g["lr"])
        nearest = min(abs(math.log2(t["lr"] / g["lr"])) for t in rnd)
        curves.append([(t["lr"], t["score"]) for t in grid])
        rows.append({"seed": seed, "grid_lr": g["lr"], "grid_val": g["score"],
                     "grid_test": g["test_accuracy"], "random_lr": r["lr"],
                     "random_val": r["score"], "random_test": r["test_accuracy"],
                     "random_draws": [t["lr"] for t in rnd], "log2_ratio": ratio,
                     "within_2x": abs(ratio) <= 1, "nearest_draw_log2": nearest,
                     "a_draw_within_2x": nearest <= 1,
                     "ceiling": chance_within_factor(space["lr"], g["lr"], 2, trials),
                     "val_curve": [t["score"] for t in grid]})
        print(f"lr seed {seed}: grid {g['lr']:.4g} ({g['score']:.3f}), random {r['lr']:.4g} "
              f"({r['score']:.3f}), log2 ratio {ratio:+.2f}; curve "
              + " ".join(f"{t['score']:.3f}" for t in grid), flush=True)
    reachable = sum(r["a_draw_within_2x"] for r in rows)
    val_gaps = [r["grid_val"] - r["random_val"] for r in rows]
    fig, ax = plt.subplots(figsize=(4.8, 3.3))
    for i, curve in enumerate(curves):
        ax.plot(*zip(*curve), color="C0", alpha=0.25, label="grid, one line per seed" if i == 0
                else None)
    ax.scatter([r["random_lr"] for r in rows], [r["random_val"] for r in rows], marker="^",
               color="C2", zorder=3, label=f"random ({trials} trials) best, per seed")
    ax.scatter([r["grid_lr"] for r in rows], [r["grid_val"] for r in rows], marker="*", s=70,
               color="gold", edgecolor="black", zorder=3, label="grid best, per seed")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("validation accuracy")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "tune_mnist1d_lr.png", dpi=70)
    return {"epochs": epochs, "grid_trials": 9, "random_trials": trials, "seeds": seeds,
            "per_seed": rows,
            "fraction_within_2x": float(np.mean([r["within_2x"] for r in rows])),
            "ceiling_mean": float(np.mean([r["ceiling"] for r in rows])),
            "fraction_a_draw_within_2x": reachable / seeds,
            "picked_when_a_draw_within_2x": (sum(r["within_2x"] for r in rows) / reachable
                                             if reachable else None),
            "mean_abs_log2_ratio": float(np.mean([abs(r["log2_ratio"]) for r in rows])),
            "mean_nearest_draw_log2": float(np.mean([r["nearest_draw_log2"] for r in rows])),
            "geometric_mean_ratio": float(2 ** np.mean([r["log2_ratio"] for r in rows])),
            "mean_val_gap": float(np.mean(val_gaps)),
            "fraction_val_gap_le_0.02": float(np.mean(np.array(val_gaps) <= 0.02)),
            "mean_test_gap": float(np.mean([r["grid_test"] - r["random_test"] for r in rows])),
            "seconds": time.perf_counter() - start}


def _hyperband_iterations(objective, space, max_epochs, seed, iterations, executor):
    """Li et al. repeat Hyperband's outer loop while budget remains: ``iterations`` runs,
    the best of their full-budget results, and the summed budget."""
    runs = [hyperband(objective, space, max_epochs, eta=3, seed=1000 * i + seed, executor=executor)
            for i in range(iterations)]
    best = max(runs, key=lambda r: r.best["score"])
    return best, sum(r.total_epochs for r in runs)


def claim_hyperband(out, plt, max_epochs, seeds, executor, iterations=1, quick=False):
    space = {"lr": loguniform(1e-3, 1.0), "hidden": choice([32, 64, 128])}
    start, rows = time.perf_counter(), []
    for seed in range(seeds):
        objective = _objective(seed, quick)
        full = grid_search(objective, space, points={"lr": 9}, epochs=max_epochs,
                           executor=executor)
        hb, budget = _hyperband_iterations(objective, space, max_epochs, seed, iterations,
                                           executor)
        g, h = full.best, hb.best
        assert g["epochs"] == h["epochs"] == max_epochs     # both chosen among full-R runs
        rows.append({"seed": seed, "grid_config": full.best_config, "grid_val": g["score"],
                     "grid_test": g["test_accuracy"], "grid_epochs": full.total_epochs,
                     "hb_config": hb.best_config, "hb_val": h["score"],
                     "hb_test": h["test_accuracy"], "hb_epochs": budget})
        print(f"hyperband seed {seed}: grid {full.best_config} test {g['test_accuracy']:.3f} "
              f"({full.total_epochs} epochs); hyperband {hb.best_config} test "
              f"{h['test_accuracy']:.3f} ({budget} epochs)", flush=True)
    grid_test = np.array([r["grid_test"] for r in rows])
    hb_test = np.array([r["hb_test"] for r in rows])
    tolerance = float(np.std(grid_test, ddof=1)) if seeds > 1 else 0.0
    same = hb_test >= grid_test - tolerance
    fig, ax = plt.subplots(figsize=(4.8, 3.2))
    x = np.arange(seeds)
    ax.plot(x, grid_test, "o-", label=f"full grid ({rows[0]['grid_epochs']} epochs)")
    ax.plot(x, hb_test, "^-", label=f"Hyperband ({rows[0]['hb_epochs']} epochs)")
    ax.fill_between(x, grid_test - tolerance, grid_test, color="C0", alpha=0.15,
                    label="grid minus its seed-to-seed std")
    ax.set_xlabel("seed")
    ax.set_ylabel("test accuracy of the chosen run")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "tune_hyperband_budget.png", dpi=70)
    return {"max_epochs": max_epochs, "eta": 3, "seeds": seeds, "per_seed": rows,
            "grid_configs": len(full), "grid_epochs": full.total_epochs,
            "hyperband_iterations": iterations,
            "hyperband_epochs": [r["hb_epochs"] for r in rows],
            "grid_test_mean": float(grid_test.mean()), "hb_test_mean": float(hb_test.mean()),
            "tolerance_grid_seed_std": tolerance,
            "seeds_same_accuracy": int(same.sum()),
            "mean_test_gap": float((grid_test - hb_test).mean()),
            "seconds": time.perf_counter() - start}


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", default="/tmp/deepgrad_bench_tune")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--claims", default="grid,lr,hyperband")
    p.add_argument("--lr-epochs", type=int, default=20)
    p.add_argument("--seeds", type=int, default=20, help="repeats of the lr claim")
    p.add_argument("--hb-seeds", type=int, default=10, help="repeats of the Hyperband claim")
    p.add_argument("--hb-iterations", type=int, default=1)
    args = p.parse_args(argv)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from concurrent.futures import ProcessPoolExecutor
    executor = SerialExecutor() if args.workers == 0 else ProcessPoolExecutor(args.workers)
    claims, results = args.claims.split(","), {}
    if "grid" in claims:
        results["random_vs_grid"] = claim_random_vs_grid(out, plt)
    if "lr" in claims:
        results["mnist1d_lr"] = claim_mnist1d_lr(out, plt, 3 if args.quick else args.lr_epochs,
                                                 3 if args.quick else args.seeds, executor,
                                                 quick=args.quick)
    if "hyperband" in claims:
        results["hyperband"] = claim_hyperband(out, plt, 3 if args.quick else 9,
                                               3 if args.quick else args.hb_seeds, executor,
                                               args.hb_iterations, quick=args.quick)
    print(json.dumps(results, indent=1), flush=True)
    (out / "results.json").write_text(json.dumps(results, indent=1))
    executor.shutdown()


if __name__ == "__main__":
    main()
