"""The Trainer under ``mpiexec -n 2``: programs run by test_trainer_mpi.py.

Every rank also trains the single-process reference itself (``distributed=False``, batch
2b), so each comparison is made on both ranks. Each case prints "ok <case> rank <r>".
Each rank works in its own private folder (``os.chdir``), so a file written by rank 1
under a relative path would be found there. Run by hand:

    mpiexec -n 2 python tests/distributed/trainer_cases.py all
"""
import os
import sys
import tempfile
import time
import warnings

import numpy as np

import deepgrad
import deepgrad.distributed as dist
from deepgrad import nn, optim
from deepgrad.train import Callback, EarlyStopping, Metric, ModelCheckpoint, Trainer
from deepgrad.utils.data import DataLoader, DistributedSampler, IterableDataset, TensorDataset


def _data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 6))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 0.8).astype(np.int64)
    return X, y


def _model(seed):
    deepgrad.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))


def _trainer(distributed, seed=0, opt="sgd", lr=None, **kwargs):
    model = _model(seed)
    optimizer = (optim.SGD(model.parameters(), lr=lr or 0.2, momentum=0.9) if opt == "sgd"
                 else optim.Adam(model.parameters(), lr=lr or 0.01))
    return Trainer(model, optimizer, nn.CrossEntropyLoss(), metrics=["accuracy", "f1", "top2"],
                   progress=None, distributed=distributed, **kwargs)


def _weights(trainer):
    return {k: v.numpy().copy() for k, v in trainer.model.state_dict().items()}


def _close(a, b, rtol, what):
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=rtol, atol=1e-12, err_msg=f"{what} {key}")


class _InterleavedOrder(DistributedSampler):
    """One process reading, as batch k of size 2b, batch k of rank 0 then of rank 1:
    the order two ranks read from ``DistributedSampler(shuffle=True)`` (set_epoch too)."""

    def __init__(self, dataset, b):
        super().__init__(dataset, num_replicas=1, rank=0, shuffle=True, seed=0)
        self.b = b

    def __iter__(self):
        order = self._all_indices()               # the permutation of seed + epoch
        shares = [order[0::2], order[1::2]]
        b = self.b
        return iter([i for k in range(0, len(shares[0]), b)
                     for share in shares for i in share[k:k + b]])


def same_as_one_process():
    """2 ranks x batch 8 == 1 process x batch 16: weights, History, validation, evaluate."""
    X, y = _data(48, 0)
    Xv, yv = _data(13, 1)                         # 13: shards of 7 and 6
    ref = _trainer(False)
    ref_h = ref.fit((X, y), epochs=3, batch_size=16, shuffle=False, val=(Xv, yv))
    par = _trainer(True, seed=7 * dist.get_rank())  # rank 1 starts elsewhere: rank 0's sent
    h = par.fit((X, y), epochs=3, batch_size=8, shuffle=False, val=(Xv, yv))
    assert par.world_size == 2 and len(h.epoch) == 3
    _close(_weights(par), _weights(ref), 1e-6, "weights")
    for key in ref_h.history:                      # loss, accuracy, f1, top2, val_*, lr
        np.testing.assert_allclose(h.history[key], ref_h.history[key], rtol=1e-6,
                                   err_msg=key)
    for key, value in ref.evaluate((Xv, yv), batch_size=4).items():
        np.testing.assert_allclose(par.evaluate((Xv, yv), batch_size=4)[key], value,
                                   rtol=1e-6, err_msg=key)
    # accumulate=2 micro-batches of 4 on each rank: again one step of 16
    acc = _trainer(True, accumulate=2)
    h = acc.fit((X, y), epochs=2, batch_size=4, shuffle=False)
    ref = _trainer(False)
    ref_h = ref.fit((X, y), epochs=2, batch_size=16, shuffle=False)
    _close(_weights(acc), _weights(ref), 1e-6, "accumulated weights")
    np.testing.assert_allclose(h.history["loss"], ref_h.history["loss"], rtol=1e-6)
    # shuffled: the sampler's order of two ranks, read by one process
    ds = TensorDataset(deepgrad.tensor(X), deepgrad.tensor(y))
    ref = _trainer(False)
    ref_h = ref.fit(DataLoader(ds, batch_size=16, sampler=_InterleavedOrder(ds, 8)), epochs=3)
    par = _trainer(True)
    h = par.fit((X, y), epochs=3, batch_size=8, shuffle=True)
    _close(_weights(par), _weights(ref), 1e-6, "shuffled weights")
    np.testing.assert_allclose(h.history["loss"], ref_h.history["loss"], rtol=1e-6)


def only_rank_zero_writes():
    """run_dir and ModelCheckpoint under relative paths: files in rank 0's folder only."""
    X, y = _data(32, 2)
    sys.modules["matplotlib"] = None     # no curve images: seconds of plotting saved
    warnings.simplefilter("ignore", RuntimeWarning)
    t = _trainer(True, run_dir="run", callbacks=[ModelCheckpoint("ckpt-{epoch}.safetensors")])
    t.fit((X, y), epochs=2, batch_size=8, val_split=0.25)
    t.save_checkpoint("direct.safetensors")       # outside fit: rank 0 writes, all wait
    here = sorted(os.listdir("."))
    if t.rank == 0:
        assert here == ["ckpt-1.safetensors", "ckpt-2.safetensors", "direct.safetensors",
                        "run"], here
        run = set(os.listdir("run"))
        assert {"metrics.csv", "config.json", "best.safetensors", "report.html"} <= run, run
        with open("run/metrics.csv") as f:
            assert len(f.read().strip().splitlines()) == 3       # header + 2 epochs
    else:
        assert here == [], f"rank 1 wrote {here}"


def resume_equals_uninterrupted(shared):
    """Stop after 2 of 4 epochs, load the checkpoint on both ranks, go on: same run."""
    X, y = _data(40, 3)
    kw = dict(opt="adam", seed=1)
    whole = _trainer(True, **kw)
    whole_h = whole.fit((X, y), epochs=4, batch_size=6, val_split=0.2)
    path = os.path.join(shared, "half.safetensors")
    first = _trainer(True, callbacks=[ModelCheckpoint(path)], **kw)
    first.fit((X, y), epochs=2, batch_size=6, val_split=0.2)
    second = _trainer(True, opt="adam", seed=9)   # other weights: the checkpoint replaces them
    second.load_checkpoint(path)
    h = second.fit((X, y), epochs=4, batch_size=6, val_split=0.2, initial_epoch=2)
    _close(_weights(second), _weights(whole), 1e-12, "resumed weights")
    for key in whole_h.history:
        np.testing.assert_allclose(h.history[key], whole_h.history[key], rtol=1e-12)


class _StopOneRank(Callback):
    """Stops training on one rank only: at an epoch's end, or at a batch."""

    def __init__(self, rank, epoch, batch=None):
        super().__init__()
        self.rank, self.epoch, self.batch = rank, epoch, batch
        self.hooks = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.batch is None and epoch == self.epoch and self.trainer.rank == self.rank:
            self.trainer.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        if self.batch is not None and self.trainer.current_epoch == self.epoch \
                and batch == self.batch and self.trainer.rank == self.rank:
            self.trainer.stop_training = True


def stopping_is_the_same_on_every_rank():
    X, y = _data(48, 4)
    # EarlyStopping on the combined val_loss; a large lr makes it rise early
    model = _model(0)                             # distributed="auto": the group is there
    t = Trainer(model, optim.SGD(model.parameters(), lr=3.0, momentum=0.9),
                nn.CrossEntropyLoss(), progress=None,
                callbacks=[EarlyStopping(patience=1, min_delta=0.05)])
    assert t.world_size == 2
    t.fit((X, y), epochs=30, batch_size=8, val_split=0.25)
    stops = dist.get_world_size() * [None]
    dist.all_gather_object(stops, (t.epoch, t.callbacks[0].stopped_epoch, t.history.history))
    assert stops[0] == stops[1], stops
    assert 0 < stops[0][1] < 29, stops[0]         # it did stop early
    # one rank stops at an epoch's end, then at a batch: both end together, no hang
    for rank, epoch, batch in ((1, 1, None), (0, 2, 1)):
        t = _trainer(True, callbacks=[_StopOneRank(rank, epoch, batch)])
        t.fit((X, y), epochs=6, batch_size=8)
        assert t.epoch == epoch + 1, (rank, epoch, batch, t.epoch)


def bad_input_is_refused_on_every_rank():
    """Errors raised alike on every rank, before any collective: nobody waits."""
    class Stream(IterableDataset):
        def __iter__(self):
            return iter([(deepgrad.zeros(6, dtype=deepgrad.float64), deepgrad.tensor(0))] * 8)

    try:
        _trainer(True).fit(DataLoader(Stream(), batch_size=4), epochs=1)
        raise AssertionError("an iterable dataset cannot be sharded: must be refused")
    except ValueError as e:
        assert "map-style" in str(e), e

    class Median(Metric):
        name = "median"

        def reset(self): ...

    model = _model(0)
    try:
        Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(),
                metrics=[Median()])
        raise AssertionError("a metric without merge must be refused")
    except ValueError as e:
        assert "merge" in str(e), e


def rank_failure():
    """A callback raises on rank 1 during training: the job must end with its error."""
    class Boom(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1 and self.trainer.rank == 1:
                raise RuntimeError("rank 1 callback fails on purpose")

    X, y = _data(32, 5)
    _trainer(True, callbacks=[Boom()]).fit((X, y), epochs=5, batch_size=8)


def main(case):
    deepgrad.set_default_dtype(deepgrad.float64)
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    shared = [tempfile.mkdtemp(prefix="dg-mpi-") if rank == 0 else None]
    dist.broadcast_object_list(shared, src=0)
    private = tempfile.mkdtemp(prefix=f"dg-rank{rank}-")
    cases = {"same_as_one_process": same_as_one_process,
             "only_rank_zero_writes": only_rank_zero_writes,
             "resume_equals_uninterrupted": lambda: resume_equals_uninterrupted(shared[0]),
             "stopping_is_the_same_on_every_rank": stopping_is_the_same_on_every_rank,
             "bad_input_is_refused_on_every_rank": bad_input_is_refused_on_every_rank,
             "rank_failure": rank_failure}
    chosen = [c for c in cases if c != "rank_failure"] if case == "all" else [case]
    for name in chosen:
        folder = os.path.join(private, name)
        os.makedirs(folder)
        os.chdir(folder)
        began = time.perf_counter()
        cases[name]()
        dist.barrier()
        print(f"ok {name} rank {rank} ({time.perf_counter() - began:.1f} s)", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
