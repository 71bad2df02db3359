"""One Adam step on ~1M float32 parameters: deepgrad vs torch.optim.Adam vs hand-written NumPy.

The model is a 784-1000-200-10 MLP's weights and biases (987,210 numbers) with fixed
random gradients. Runs: deepgrad (its fused loops when numba is installed, and its
NumPy kernels), torch.optim.Adam (its default single-tensor CPU path) with
``--threads`` threads (default 2) and with one, and hand-written in-place NumPy Adam
(whole arrays, and in cache-sized blocks as deepgrad). Then a whole training step of
that MLP (forward, backward, Adam) in deepgrad and torch.
They run in alternating rounds, so that a busy machine slows them alike; the median
time per step is reported with ratios.

    python bench/bench_adam.py [--repeats 9] [--threads 2]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import compare, machine_line, training_step  # noqa: E402

import deepgrad  # noqa: E402
import deepgrad.optim  # noqa: E402
import deepgrad.optim._fused as fused_loops  # noqa: E402
import deepgrad.optim._updates as updates  # noqa: E402

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


def with_fused(step, fused):
    """``step`` run with deepgrad's fused loops switched on or off (the NumPy kernels)."""
    def run():
        fused_loops.ENABLED = fused
        return step()
    return run


def show(times, scale=1e3, unit="ms"):
    """One line per contender: time per step and deepgrad's time over it."""
    for k, v in times.items():
        ratio = "" if k == "deepgrad" else f"   deepgrad / {k} = {times['deepgrad'] / v:.2f}"
        print(f"  {k:14s} {scale * v:8.3f} {unit}/step{ratio}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--threads", type=int, default=2, help="torch's threads")
    args = parser.parse_args()
    import torch  # the oracle; deepgrad itself never imports it

    threads = args.threads
    torch.set_num_threads(threads)
    rng = np.random.default_rng(0)
    values = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    n = sum(v.size for v in values)

    def deepgrad_adam():
        params = [deepgrad.tensor(v, requires_grad=True) for v in values]
        for p, g in zip(params, grads):
            p.grad = deepgrad.tensor(g)
        return params, deepgrad.optim.Adam(params, lr=LR, betas=BETAS, eps=EPS)

    (dg_params, dg_opt), (dn_params, dn_opt) = deepgrad_adam(), deepgrad_adam()
    th_params = [torch.tensor(v, requires_grad=True) for v in values]
    for p, g in zip(th_params, grads):
        p.grad = torch.tensor(g)
    th_opt = torch.optim.Adam(th_params, lr=LR, betas=BETAS, eps=EPS)  # torch's default path

    np_params = [v.copy() for v in values]
    np_opt = NumpyAdam(np_params, grads)
    nb_params = [v.copy() for v in values]
    nb_opt = NumpyAdam(nb_params, grads, block=updates.CHUNK)

    def torch_step(k):
        def step():
            if torch.get_num_threads() != k:
                torch.set_num_threads(k)
            th_opt.step()
        return step

    machine = machine_line()
    # torch's two runs share one optimiser: both run equally often
    runs = {"deepgrad": with_fused(dg_opt.step, True),
            "deepgrad-numpy": with_fused(dn_opt.step, False),
            "torch": torch_step(threads), "torch-1thr": torch_step(1),
            "numpy": np_opt.step, "numpy-blocked": nb_opt.step}
    # rounds of ~40 consecutive steps per contender, alternating: a contender's first
    # step after another's pays for waking threads (torch's OpenMP workers spin-wait
    # after a step and take the second core from whoever runs next), not its others
    times = compare(runs, repeats=args.repeats, min_time=0.1)
    fused_loops.ENABLED = True
    fused_used = bool(deepgrad.optim.adam._adam_loop._ready)

    # same numbers after the same number of steps (float32 rounding aside)
    ref = np.concatenate([p.reshape(-1) for p in np_params])
    for name, ps in (("deepgrad", [p.detach().numpy() for p in dg_params]),
                     ("deepgrad-numpy", [p.detach().numpy() for p in dn_params]),
                     ("numpy-blocked", nb_params)):
        got = np.concatenate([p.reshape(-1) for p in ps])
        assert np.allclose(got, ref, rtol=1e-4, atol=1e-6), f"{name} disagrees with numpy"

    print(f"Adam step, {n:,} float32 parameters in {len(SHAPES)} tensors, median of "
          f"{args.repeats} rounds; torch with {threads} threads where not marked 1thr")
    print(f"  deepgrad: fused loops (numba) {'used' if fused_used else 'NOT AVAILABLE'}; "
          "deepgrad-numpy: its NumPy kernels")
    print(f"  ({machine}, load average {os.getloadavg()[0]:.2f})")
    show(times)
    training_steps(torch, threads, args.repeats)
    small_model_steps(torch, threads, args.repeats)


def training_steps(torch, threads, repeats, batch=64):
    """A whole step of the same MLP (forward, backward, Adam) in deepgrad and torch."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch)

    def build(lib):
        lib.manual_seed(0)
        nn = lib.nn
        model = nn.Sequential(nn.Linear(784, 1000), nn.ReLU(), nn.Linear(1000, 200), nn.ReLU(),
                              nn.Linear(200, 10))
        opt = lib.optim.Adam(model.parameters(), lr=LR)
        return training_step(model, opt, nn.functional.cross_entropy, lib.tensor(x),
                             lib.tensor(y))

    dg_step, th_step = build(deepgrad), build(torch)
    torch.set_num_threads(threads)
    times = compare({"deepgrad": with_fused(dg_step, True),
                     "deepgrad-numpy": with_fused(dg_step, False),
                     "torch": th_step}, repeats=repeats, min_time=0.2)
    fused_loops.ENABLED = True
    print(f"\nTraining step of that MLP (forward, backward, Adam), batch {batch}, "
          f"torch with {threads} threads, deepgrad with OpenBLAS's default")
    show(times)



def small_model_steps(torch, threads, repeats, shapes=((32, 64), (32,), (10, 32), (10,))):
    """Adam on a tiny model (an MLP 64-32-10): per-parameter overhead, not memory, counts."""
    rng = np.random.default_rng(2)
    values = [rng.standard_normal(s).astype(np.float32) for s in shapes]

    def adam(lib):
        params = [lib.tensor(v, requires_grad=True) for v in values]
        for p in params:
            p.grad = lib.tensor(np.ones_like(p.detach().numpy()))
        return lib.optim.Adam(params, lr=LR).step

    torch.set_num_threads(threads)
    times = compare({"deepgrad": with_fused(adam(deepgrad), True),
                     "deepgrad-numpy": with_fused(adam(deepgrad), False),
                     "torch": adam(torch)}, repeats=repeats, min_time=0.1)
    fused_loops.ENABLED = True
    print(f"\nAdam step on a tiny model: {sum(v.size for v in values):,} parameters in "
          f"{len(shapes)} tensors (MLP 64-32-10)")
    show(times, 1e6, "us")


if __name__ == "__main__":
    main()
