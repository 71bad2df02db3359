"""Peak memory of a training run: deepgrad, torch and hand-written NumPy, each in a fresh process.

    python bench/bench_memory.py [--runs 3] [--steps 300] [--threads 2]

The run: an MLP 784-512-256-10 (ReLU), batch 128, cross-entropy, plain SGD, ``--steps``
steps over a fixed set of 8 random batches. Each contender runs alone in a new Python
process (interleaved over ``--runs``), and reports

* ``peak``: the process's peak resident set size (``resource.getrusage(...).ru_maxrss``),
  what the operating system had to give the run, imports included;
* ``import``: the resident size right after importing the library (before any data), so
  the library's own footprint can be told apart from what training adds;
* ``training``: ``peak - import``.

deepgrad runs three times: as installed (its compiled loops use numba once it is imported;
neither ReLU's gradient nor SGD's update imports it by itself, so this run never loads it),
with ``DEEPGRAD_FUSED=0`` (NumPy only), and with numba imported by the program
(``deepgrad-numba``: SGD's update then runs compiled), to show numba's own footprint: ~65 MiB
for ``import numba``, ~65 MiB more at the first compiled call (LLVM), whether the machine
code comes from numba's disk cache or is compiled.

Python's bytecode cache matters here: with ``PYTHONDONTWRITEBYTECODE=1`` and stale or
missing ``__pycache__`` files, every process compiles deepgrad's sources and ``import
deepgrad`` resides ~1.5 MiB larger; run ``python -m compileall -q deepgrad`` first.

The NumPy contender is the hand-derived forward/backward a careful user would write: the
practical floor. Saved activations that outlive their use, gradients kept as extra copies
or a graph that is never freed show up as ``training`` above NumPy's.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.abspath(__file__)
# "deepgrad-numpy": deepgrad with its compiled loops off (DEEPGRAD_FUSED=0); "deepgrad-numba":
# the program imports numba first, so SGD's compiled loop runs: numba and LLVM alone make
# ~130 MiB of resident memory once loaded
CONTENDERS = ("deepgrad", "deepgrad-numpy", "deepgrad-numba", "torch", "numpy")
SIZES = (784, 512, 256, 10)
BATCH, N_BATCHES, LR = 128, 8, 0.01


def _current_rss_mb():
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb():
    import resource  # noqa: PLC0415 - Unix only, like this benchmark

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _data(np):
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((BATCH, SIZES[0])).astype(np.float32) for _ in range(N_BATCHES)]
    ys = [rng.integers(0, SIZES[-1], BATCH) for _ in range(N_BATCHES)]
    return xs, ys


def _train_lib(lib, steps, np):
    """deepgrad or torch: the same PyTorch-API program."""
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(), nn.Linear(SIZES[1], SIZES[2]),
                          nn.ReLU(), nn.Linear(SIZES[2], SIZES[3]))
    opt = lib.optim.SGD(model.parameters(), lr=LR)
    xs, ys = _data(np)
    batches = [(lib.from_numpy(x), lib.from_numpy(y)) for x, y in zip(xs, ys)]
    for step in range(steps):
        x, y = batches[step % N_BATCHES]
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()


def _train_numpy(steps, np):
    """Hand-derived forward and backward of the same MLP."""
    rng = np.random.default_rng(1)
    weights = [(rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(np.float32)
               for n_in, n_out in zip(SIZES[:-1], SIZES[1:])]
    biases = [np.zeros(n, np.float32) for n in SIZES[1:]]
    xs, ys = _data(np)
    eye = np.eye(SIZES[-1], dtype=np.float32)
    for step in range(steps):
        x, y = xs[step % N_BATCHES], ys[step % N_BATCHES]
        acts = [x]
        for i, (w, b) in enumerate(zip(weights, biases)):
            z = acts[-1] @ w + b
            acts.append(np.maximum(z, 0) if i < len(weights) - 1 else z)
        z = acts.pop()
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - eye[y]) / BATCH
        for i in range(len(weights) - 1, -1, -1):
            a = acts[i]
            gw, gb = a.T @ g, g.sum(axis=0)
            if i > 0:
                g = (g @ weights[i].T) * (a > 0)
            weights[i] -= LR * gw
            biases[i] -= LR * gb


def run_child(contender, steps):
    import numpy as np  # noqa: PLC0415

    if contender == "deepgrad-numba":
        import numba  # noqa: F401,PLC0415 - imported by the program: SGD's loop then uses it
    if contender.startswith("deepgrad"):
        import deepgrad as lib  # noqa: PLC0415
    elif contender == "torch":
        import torch as lib  # noqa: PLC0415

        lib.set_num_threads(int(os.environ.get("BENCH_THREADS", 2)))
    after_import = _current_rss_mb()
    if contender == "numpy":
        _train_numpy(steps, np)
    else:
        _train_lib(lib, steps, np)
    peak = _peak_rss_mb()
    print(json.dumps({"import": after_import, "peak": peak, "training": peak - after_import}))


def spawn(contender, steps, threads):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    env["BENCH_THREADS"] = str(threads)
    if contender == "deepgrad-numpy":
        env["DEEPGRAD_FUSED"] = "0"
    out = subprocess.run([sys.executable, HERE, "--child", contender, "--steps", str(steps)],
                         env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{contender} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(args.child, args.steps)
        return
    results = {name: [] for name in CONTENDERS}
    for _ in range(args.runs):  # interleaved: slow drifts of the machine hit everyone
        for name in CONTENDERS:
            results[name].append(spawn(name, args.steps, args.threads))
    print(f"MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, SGD, {args.steps} steps; "
          f"each library alone in a fresh process, {args.runs} runs (min-max), MiB")
    print(f"  {'':>14}  {'peak RSS':>15}  {'after import':>15}  {'training adds':>15}")
    for name, runs in results.items():
        cells = [f"{min(r[k] for r in runs):6.1f}-{max(r[k] for r in runs):6.1f}"
                 for k in ("peak", "import", "training")]
        print(f"  {name:>14}  " + "  ".join(f"{c:>15}" for c in cells))
    base = [r["peak"] for r in results["numpy"]]
    for name in ("deepgrad", "deepgrad-numpy", "deepgrad-numba", "torch"):
        ratios = [r["peak"] / b for r, b in zip(results[name], base)]
        print(f"  {name} peak / numpy peak: {min(ratios):.2f}-{max(ratios):.2f}x")


if __name__ == "__main__":
    main()
