"""The Trainer on 1 and 2 MPI ranks: examples/configs/mnist1d_mlp.toml, training samples/s.

The config (MNIST-1D, the paper's MLP 40-100-100-10, Adam, cosine schedule, validation on
10 %, a run folder) is loaded as ``deepgrad train`` loads it, with ``epochs`` and the
per-rank ``batch_size`` replaced. Figure: training samples per second over epochs 2..E
(the first epoch is left out as warm-up), counted over all ranks; each epoch's time
includes its validation and rank 0's checkpoint write. Contenders, each a fresh job,
interleaved over rounds:

  1 rank, 2 BLAS threads, batch 100
  1 rank, 1 BLAS thread,  batch 100
  2 ranks x 1 thread, batch 100 each (200 per step: half the optimizer steps)
  2 ranks x 1 thread, batch 50 each  (100 per step: the single-process optimisation)

Run: python bench/bench_trainer_mpi.py [--rounds 3] [--epochs 11]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.abspath(__file__)
ROOT = os.path.dirname(os.path.dirname(HERE))
CONFIG = os.path.join(ROOT, "examples", "configs", "mnist1d_mlp.toml")


def child(epochs, batch):
    from deepgrad.cli_config import load_plan  # noqa: PLC0415
    from deepgrad.train import Callback  # noqa: PLC0415

    folder = tempfile.mkdtemp(prefix="bench-trainer-mpi-")
    text = open(CONFIG).read()
    text = re.sub(r"(?m)^epochs = .*$", f"epochs = {epochs}", text)
    text = re.sub(r"(?m)^run_dir = .*$", f'run_dir = "{folder}/run"', text)
    text = re.sub(r"(?m)^batch_size = .*$", f"batch_size = {batch}", text)
    path = os.path.join(folder, "config.toml")
    with open(path, "w") as f:
        f.write(text)
    plan = load_plan(path)

    class Clock(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                self.start = time.perf_counter()
            self.end = time.perf_counter()

    clock = Clock()
    trainer = plan["trainer"]
    trainer.callbacks.append(clock)
    trainer.fit(plan["train"], epochs=epochs, val_split=plan["val_split"],
                batch_size=plan["batch_size"])
    n_train = int(len(plan["train"][0]) * (1 - plan["val_split"]))
    if trainer.is_global_zero:
        seconds = clock.end - clock.start
        print(json.dumps({"samples_per_s": (epochs - 1) * n_train / seconds,
                          "epoch_s": seconds / (epochs - 1),
                          "val_accuracy": trainer.history.history["val_accuracy"][-1]}))


def job(ranks, threads, epochs, batch):
    mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               PYTHONPATH=ROOT, MPLBACKEND="Agg")
    out = subprocess.run([mpiexec, "-n", str(ranks), sys.executable, HERE, "--child",
                          str(epochs), str(batch)], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=11)
    args = parser.parse_args()
    setups = {"1 rank, 2 threads, batch 100": (1, 2, 100),
              "1 rank, 1 thread, batch 100": (1, 1, 100),
              "2 ranks x 1 thread, batch 100 each": (2, 1, 100),
              "2 ranks x 1 thread, batch 50 each": (2, 1, 50)}
    results = {name: [] for name in setups}
    for _ in range(args.rounds):
        for name, setup in setups.items():
            results[name].append(job(*setup[:2], args.epochs, setup[2]))
    print(f"Trainer, {CONFIG.split(os.sep)[-1]} ({args.epochs} epochs, the last "
          f"{args.epochs - 1} timed), {args.rounds} interleaved rounds")
    for name, runs in results.items():
        sps = [r["samples_per_s"] for r in runs]
        acc = [r["val_accuracy"] for r in runs]
        print(f"  {name:>36}: {np.median(sps):8.0f} samples/s ({min(sps):.0f}-{max(sps):.0f}),"
              f" final val_accuracy {min(acc):.3f}-{max(acc):.3f}")


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
