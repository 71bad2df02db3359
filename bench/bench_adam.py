"""One Adam step on ~1M float32 parameters: deepgrad vs torch.optim.Adam vs hand-written NumPy.

The model is a 784-1000-200-10 MLP's weights and biases (987,210 numbers) with fixed
random gradients. Runs: deepgrad (one thread, the default, and two threads via
``deepgrad.optim.optimizer.NUM_THREADS``), torch.optim.Adam (its default single-tensor
CPU path; 2 threads and 1 thread) and hand-written in-place NumPy Adam (whole arrays,
and in cache-sized blocks as deepgrad). They run alternately, so that a busy machine
slows them alike, and the median time per step is reported with ratios.

    python bench/bench_adam.py [--repeats 30]
"""
import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import deepgrad  # noqa: E402
import deepgrad.optim  # noqa: E402
import deepgrad.optim.optimizer as optimizer_base  # noqa: E402

SHAPES = [(784, 1000), (1000,), (1000, 200), (200,), (200, 10), (10,)]
LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8


class NumpyAdam:
    """Adam written directly on flat arrays, in place, with a scratch buffer.

    ``block``: update in slices of that many elements (None: whole arrays at once).
    """

    def __init__(self, params, grads, block=None):
        self.params = [p.reshape(-1) for p in params]
        self.grads = [g.reshape(-1) for g in grads]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.buf = np.empty(max(p.size for p in params), np.float32)
        self.block = block
        self.t = 0

    def step(self):
        self.t += 1
        b1, b2 = BETAS
        bc1, bc2 = 1.0 - b1 ** self.t, 1.0 - b2 ** self.t
        for arrays in zip(self.params, self.grads, self.m, self.v):
            size = arrays[0].size
            block = self.block or size
            for i in range(0, size, block):
                p, g, m, v = (a[i:i + block] for a in arrays)
                self._update(p, g, m, v, self.buf[:p.size], b1, b2, bc1, bc2)

    @staticmethod
    def _update(p, g, m, v, buf, b1, b2, bc1, bc2):
        m *= b1
        np.multiply(g, 1.0 - b1, out=buf)
        m += buf
        v *= b2
        np.multiply(g, g, out=buf)
        buf *= 1.0 - b2
        v += buf
        np.sqrt(v, out=buf)
        buf /= bc2 ** 0.5
        buf += EPS
        np.divide(m, buf, out=buf)
        buf *= -LR / bc1
        p += buf


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    import torch  # the oracle; deepgrad itself never imports it

    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    values = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    n = sum(v.size for v in values)

    dg_params = [deepgrad.tensor(v, requires_grad=True) for v in values]
    for p, g in zip(dg_params, grads):
        p.grad = deepgrad.tensor(g)
    dg_opt = deepgrad.optim.Adam(dg_params, lr=LR, betas=BETAS, eps=EPS)
    dg2_params = [deepgrad.tensor(v, requires_grad=True) for v in values]
    for p, g in zip(dg2_params, grads):
        p.grad = deepgrad.tensor(g)
    dg2_opt = deepgrad.optim.Adam(dg2_params, lr=LR, betas=BETAS, eps=EPS)

    def deepgrad_threads(opt, k):
        def step():
            optimizer_base.NUM_THREADS = k  # blocks of a parameter on k threads
            opt.step()
        return step

    th_params = [torch.tensor(v, requires_grad=True) for v in values]
    for p, g in zip(th_params, grads):
        p.grad = torch.tensor(g)
    th_opt = torch.optim.Adam(th_params, lr=LR, betas=BETAS, eps=EPS)  # foreach: torch's default

    np_params = [v.copy() for v in values]
    np_opt = NumpyAdam(np_params, grads)
    nb_params = [v.copy() for v in values]
    nb_opt = NumpyAdam(nb_params, grads, block=optimizer_base._CHUNK)

    def torch_threads(k):
        def step():
            torch.set_num_threads(k)
            th_opt.step()
        return step

    # torch's two runs share one optimiser: both must run equally often (they do)
    runs = {"deepgrad": deepgrad_threads(dg_opt, 1), "deepgrad-2thr": deepgrad_threads(dg2_opt, 2),
            "torch": torch_threads(2), "torch-1thr": torch_threads(1),
            "numpy": np_opt.step, "numpy-blocked": nb_opt.step}
    times = {k: [] for k in runs}
    for fn in runs.values():  # warm up (allocates state)
        fn()
    for _ in range(args.repeats):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)

    # same numbers after the same number of steps (float32 rounding aside; torch's
    # optimiser took twice as many steps, for its two thread settings)
    ref = np.concatenate([p.reshape(-1) for p in np_params])
    for name, ps in (("deepgrad", [p.detach().numpy() for p in dg_params]),
                     ("deepgrad-2thr", [p.detach().numpy() for p in dg2_params]),
                     ("numpy-blocked", nb_params)):
        got = np.concatenate([p.reshape(-1) for p in ps])
        assert np.allclose(got, ref, rtol=1e-4, atol=1e-6), f"{name} disagrees with numpy"

    med = {k: 1e3 * float(np.median(v)) for k, v in times.items()}
    print(f"Adam step, {n:,} float32 parameters in {len(SHAPES)} tensors, median of "
          f"{args.repeats} (machine: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores; numpy {np.__version__}, torch {torch.__version__}, "
          f"load average {os.getloadavg()[0]:.2f})")
    for k, v in med.items():
        ratio = "" if k == "deepgrad" else f"   deepgrad / {k} = {med['deepgrad'] / v:.2f}"
        print(f"  {k:13s} {v:7.3f} ms/step{ratio}")


if __name__ == "__main__":
    main()
