"""Data-parallel scaling on this machine: DistributedDataParallel with 1 and 2 MPI ranks.

Workload: MLP 784-512-256-10, float32, cross-entropy, SGD with momentum; each rank takes a
batch of 128 (so 2 ranks train on 256 samples per step). Figures: samples per second.
Contenders, each in its own fresh job, interleaved over rounds:
  1 rank, 2 BLAS threads   (one process using both cores through OpenBLAS)
  1 rank, 1 BLAS thread
  2 ranks, 1 BLAS thread each (the two cores split by data instead of inside each GEMM)
Run: python bench/bench_ddp.py [--rounds 3] [--seconds 8]
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.abspath(__file__)
BATCH = 128


def child(seconds):
    import deepgrad  # noqa: PLC0415
    import deepgrad.distributed as dist  # noqa: PLC0415
    from deepgrad import nn  # noqa: PLC0415

    dist.init_process_group("mpi")
    rank = dist.get_rank()
    rng = np.random.default_rng(rank)
    x = deepgrad.tensor(rng.standard_normal((BATCH, 784)).astype(np.float32))
    y = deepgrad.tensor(rng.integers(0, 10, BATCH))
    deepgrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                          nn.Linear(256, 10))
    ddp = nn.parallel.DistributedDataParallel(model)
    opt = deepgrad.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(ddp(x), y).backward()
        opt.step()

    for _ in range(3):
        step()
    dist.barrier()
    times, start = [], time.perf_counter()
    while len(times) < 10 or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
        stop = deepgrad.tensor([float(time.perf_counter() - start >= seconds and len(times) >= 10)])
        dist.all_reduce(stop, op=dist.ReduceOp.MIN)  # all ranks stop together
        if stop.item():
            break
    if rank == 0:
        world = dist.get_world_size()
        print(json.dumps({"step_ms": float(np.median(times)) * 1e3,
                          "samples_per_s": world * BATCH / float(np.median(times))}))
    dist.destroy_process_group()


def job(ranks, threads, seconds):
    mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               PYTHONPATH=os.path.dirname(os.path.dirname(HERE)))
    out = subprocess.run([mpiexec, "-n", str(ranks), sys.executable, HERE, "--child",
                          str(seconds)], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    setups = {"1 rank, 2 threads": (1, 2), "1 rank, 1 thread": (1, 1),
              "2 ranks, 1 thread each": (2, 1)}
    results = {name: [] for name in setups}
    for _ in range(args.rounds):
        for name, (ranks, threads) in setups.items():
            results[name].append(job(ranks, threads, args.seconds))
    print(f"MLP 784-512-256-10, batch {BATCH} per rank, float32, DDP over MPI; "
          f"{args.rounds} interleaved rounds")
    for name, runs in results.items():
        sps = [r["samples_per_s"] for r in runs]
        ms = [r["step_ms"] for r in runs]
        print(f"  {name:>24}: {np.median(sps):8.0f} samples/s ({min(sps):.0f}-{max(sps):.0f}), "
              f"step {np.median(ms):.2f} ms ({min(ms):.2f}-{max(ms):.2f})")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(float(sys.argv[2]))
    else:
        main()
