"""Single-process behaviour of deepgrad.distributed: errors as torch's, a world of one."""
import pytest

import deepgrad
import deepgrad.distributed as dist

from ..conftest import torch


def test_not_initialised_errors_like_torch():
    with pytest.raises(ValueError) as ours:
        dist.get_rank()
    with pytest.raises(ValueError) as theirs:
        torch.distributed.get_rank()
    assert str(ours.value) == str(theirs.value)
    assert not dist.is_initialized()


def test_bad_backend_and_world_size_are_named():
    with pytest.raises(ValueError, match="'nccl'"):
        dist.init_process_group("nccl")
    pytest.importorskip("mpi4py")
    with pytest.raises(ValueError, match="world_size=4"):
        dist.init_process_group("mpi", world_size=4)
    assert not dist.is_initialized()


def test_world_of_one_process():
    pytest.importorskip("mpi4py")
    dist.init_process_group("gloo")
    try:
        assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (0, 1, "gloo")
        with pytest.raises(RuntimeError, match="twice"):
            dist.init_process_group("mpi")
        t = deepgrad.tensor([1.0, 2.0])
        dist.all_reduce(t, op=dist.ReduceOp.AVG)
        assert t.tolist() == [1.0, 2.0]
        model = deepgrad.nn.Linear(3, 2)
        ddp = deepgrad.nn.parallel.DistributedDataParallel(model)
        ddp(deepgrad.randn(4, 3)).sum().backward()
        assert model.weight.grad is not None
        assert set(ddp.state_dict()) == {"module.weight", "module.bias"}
    finally:
        dist.destroy_process_group()
    assert not dist.is_initialized()
