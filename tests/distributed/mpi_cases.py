"""Programs run by test_mpi.py under ``mpiexec -n 2``; each case asserts on its own and
prints "ok <case> rank <r>" when it passed (the test checks both ranks printed it).

Run one by hand: mpiexec -n 2 python tests/distributed/mpi_cases.py collectives
"""
import sys

import numpy as np

import deepgrad
import deepgrad.distributed as dist
from deepgrad import nn


def collectives():
    r, n = dist.get_rank(), dist.get_world_size()
    assert n == 2
    base = np.array([1.0, -2.0, 3.5])
    mine = base * (r + 1)                                  # rank 0: base, rank 1: 2 * base
    for op, expected in ((dist.ReduceOp.SUM, 3 * base), (dist.ReduceOp.AVG, 1.5 * base),
                         (dist.ReduceOp.MAX, np.maximum(base, 2 * base)),
                         (dist.ReduceOp.MIN, np.minimum(base, 2 * base)),
                         (dist.ReduceOp.PRODUCT, 2 * base * base)):
        t = deepgrad.tensor(mine)
        version = t._version
        dist.all_reduce(t, op=op)
        np.testing.assert_allclose(t.numpy(), expected, err_msg=str(op))
        assert t._version == version + 1, "an in-place collective bumps the version counter"
    t = deepgrad.tensor(mine.astype(np.float32))
    work = dist.all_reduce(t, async_op=True)
    work.wait()
    assert work.is_completed() and t.dtype == deepgrad.float32
    np.testing.assert_allclose(t.numpy(), 3 * base)
    ints = deepgrad.tensor([r + 1, 10 * (r + 1)])
    dist.all_reduce(ints)
    assert ints.tolist() == [3, 30] and ints.dtype == deepgrad.int64
    try:
        dist.all_reduce(deepgrad.tensor([1, 2]), op=dist.ReduceOp.AVG)
        raise AssertionError("AVG of integers must be refused")
    except TypeError as e:
        assert "floating" in str(e)
    # a non-contiguous tensor is reduced in place through a copy
    m = deepgrad.tensor(np.arange(6.0).reshape(2, 3) * (r + 1)).t()
    dist.all_reduce(m)
    np.testing.assert_allclose(m.numpy(), 3 * np.arange(6.0).reshape(2, 3).T)
    b = deepgrad.tensor([float(r)] * 4)
    dist.broadcast(b, src=1)
    assert b.tolist() == [1.0] * 4
    out = [deepgrad.zeros(2), deepgrad.zeros(2)]
    dist.all_gather(out, deepgrad.tensor([r, r + 0.5]))
    assert [o.tolist() for o in out] == [[0.0, 0.5], [1.0, 1.5]]
    red = deepgrad.tensor([r + 1.0])
    dist.reduce(red, dst=0)
    assert red.tolist() == ([3.0] if r == 0 else [2.0])
    gathered = [deepgrad.zeros(1), deepgrad.zeros(1)] if r == 1 else None
    dist.gather(deepgrad.tensor([10.0 * r]), gathered, dst=1)
    if r == 1:
        assert [g.tolist() for g in gathered] == [[0.0], [10.0]]
    got = deepgrad.zeros(2)
    dist.scatter(got, [deepgrad.tensor([1.0, 2.0]), deepgrad.tensor([3.0, 4.0])] if r == 0
                 else None, src=0)
    assert got.tolist() == ([1.0, 2.0] if r == 0 else [3.0, 4.0])
    objs = [None, None]
    dist.all_gather_object(objs, {"rank": r})
    assert objs == [{"rank": 0}, {"rank": 1}]
    lst = [f"from {r}", r]
    dist.broadcast_object_list(lst, src=0)
    assert lst == ["from 0", 0]
    dist.barrier()
    try:
        dist.broadcast(deepgrad.zeros(1), src=5)
        raise AssertionError("a bad src must be refused")
    except ValueError as e:
        assert "src=5" in str(e)


def _mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(),
                         nn.Linear(16, 3))


def _data(seed=0, n=32):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 6))
    y = rng.integers(0, 3, n)
    return deepgrad.tensor(x), deepgrad.tensor(y)


def _train(model, x, y, steps, lr=0.1):
    opt = deepgrad.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()


def ddp_matches_one_process():
    """2 ranks x batch 16 == 1 process x batch 32, several buckets, different start weights."""
    deepgrad.set_default_dtype(deepgrad.float64)
    r = dist.get_rank()
    x, y = _data()
    deepgrad.manual_seed(1)
    reference = _mlp()
    deepgrad.manual_seed(100 + r)                     # each rank starts elsewhere ...
    model = _mlp()
    if r == 0:                                        # ... but rank 0 holds the reference's
        model.load_state_dict(reference.state_dict())
    ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=0.0005)  # ~500 bytes
    assert len(ddp._buckets) > 2, len(ddp._buckets)
    for p, q in zip(model.parameters(), reference.parameters()):  # broadcast from rank 0
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    assert list(ddp.state_dict())[0].startswith("module.")
    _train(reference, x, y, steps=5)
    _train(ddp, x[16 * r:16 * (r + 1)], y[16 * r:16 * (r + 1)], steps=5)
    for p, q in zip(model.parameters(), reference.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6, atol=1e-9)


def ddp_no_sync_accumulates():
    """Two micro-batches under no_sync, one synced: the mean gradient of the whole batch."""
    deepgrad.set_default_dtype(deepgrad.float64)
    r = dist.get_rank()
    x, y = _data(n=40)
    deepgrad.manual_seed(1)
    reference, model = _mlp(), _mlp()
    model.load_state_dict(reference.state_dict())
    nn.functional.cross_entropy(reference(x), y).backward()
    ddp = nn.parallel.DistributedDataParallel(model)
    part = slice(20 * r, 20 * (r + 1))
    xs, ys = x[part], y[part]
    with ddp.no_sync():
        (nn.functional.cross_entropy(ddp(xs[:10]), ys[:10]) / 2).backward()
    local = [p.grad.numpy().copy() for p in model.parameters()]
    (nn.functional.cross_entropy(ddp(xs[10:]), ys[10:]) / 2).backward()
    for p, q in zip(model.parameters(), reference.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12)
    others = [None, None]
    dist.all_gather_object(others, local)
    assert not all(np.allclose(a, b) for a, b in zip(*others)), "no_sync must not communicate"


def ddp_unused_parameters():
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.body, self.used, self.unused = nn.Linear(4, 4), nn.Linear(4, 2), nn.Linear(4, 2)

        def forward(self, x):
            return self.used(self.body(x))

    deepgrad.manual_seed(0)
    ddp = nn.parallel.DistributedDataParallel(TwoHeads(), find_unused_parameters=True)
    ddp(deepgrad.randn(3, 4)).sum().backward()
    assert ddp.module.unused.weight.grad is None and ddp.module.used.weight.grad is not None
    strict = nn.parallel.DistributedDataParallel(TwoHeads())
    try:
        strict(deepgrad.randn(3, 4)).sum().backward()
        raise AssertionError("an unused parameter must be an error without find_unused")
    except RuntimeError as e:
        assert "unused.weight" in str(e) and "find_unused_parameters=True" in str(e)


def rank_failure():
    """Rank 1 raises while rank 0 waits in a collective: the whole job must end."""
    if dist.get_rank() == 1:
        raise ValueError("rank 1 fails on purpose")
    dist.all_reduce(deepgrad.zeros(1))  # would wait forever without the abort


CASES = {f.__name__: f for f in (collectives, ddp_matches_one_process, ddp_no_sync_accumulates,
                                 ddp_unused_parameters, rank_failure)}

if __name__ == "__main__":
    dist.init_process_group("mpi")
    CASES[sys.argv[1]]()
    print(f"ok {sys.argv[1]} rank {dist.get_rank()}", flush=True)
    dist.destroy_process_group()
