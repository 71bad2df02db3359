"""deepgrad.sklearn.MLPClassifier against scikit-learn's MLPClassifier on the digits data set.

    python bench/bench_sklearn_mlp.py [--rounds 3] [--threads N]

Both estimators get scikit-learn's default hyperparameters (hidden (100,), relu, adam,
lr 0.001, batch min(200, n), max_iter 200, tol 1e-4, alpha 1e-4) and random_state=round.
Data: sklearn.datasets.load_digits, pixels / 16, a stratified 75/25 split (random_state 0).
Each fit runs alone in a fresh Python process; the contenders alternate (sk, dg, sk, dg ...),
so slow drifts of a shared machine hit both. We time ``fit`` only (not the imports) and print,
per library, the median and range of the fit times and the test accuracies, and the median and
range of the per-round time ratios (sklearn / deepgrad: above 1 means deepgrad is faster).
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

CHILD = r"""
import json, sys, time, warnings
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
which, seed = sys.argv[1], int(sys.argv[2])
if which == "deepgrad":
    from deepgrad.sklearn import MLPClassifier
else:
    from sklearn.neural_network import MLPClassifier
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16.0, y, test_size=0.25, random_state=0,
                                                    stratify=y)
clf = MLPClassifier(random_state=seed)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "accuracy": clf.score(X_test, y_test),
                  "n_iter": clf.n_iter_}))
"""


def run_child(which, seed, env):
    done = subprocess.run([sys.executable, "-c", CHILD, which, str(seed)], capture_output=True,
                          text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None,
                        help="set OMP/OpenBLAS/MKL thread counts for both (default: unset)")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(args.threads)
    results = {"sklearn": [], "deepgrad": []}
    for seed in range(args.rounds):
        for which in results:
            r = run_child(which, seed, env)
            results[which].append(r)
            print(f"round {seed}: {which:>8} fit {r['seconds']:7.2f} s, test accuracy "
                  f"{100 * r['accuracy']:.2f} %, {r['n_iter']} epochs", flush=True)
    for which, rows in results.items():
        t = [r["seconds"] for r in rows]
        a = [100 * r["accuracy"] for r in rows]
        print(f"{which:>8}: fit median {np.median(t):.2f} s (range {min(t):.2f}-{max(t):.2f}), "
              f"accuracy median {np.median(a):.2f} % (range {min(a):.2f}-{max(a):.2f})")
    ratios = [s["seconds"] / d["seconds"] for s, d in zip(results["sklearn"], results["deepgrad"])]
    print(f"sklearn time / deepgrad time: median {np.median(ratios):.2f}x "
          f"(range {min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()
