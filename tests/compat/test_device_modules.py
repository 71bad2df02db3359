"""deepgrad.accelerator, cuda, backends, amp, nn.DataParallel, threads and flags against
torch 2.13 CPU (the same machine: no GPU, so both must answer 'none')."""
import warnings

import numpy as np
import pytest
import torch

import deepgrad
import deepgrad.backends.cudnn  # noqa: F401 - the import itself is under test
from deepgrad import nn

from ..conftest import assert_close, to_torch

NO_GPU = not deepgrad.cuda.is_available()


@pytest.mark.skipif(not NO_GPU, reason="compares with torch's answers on a machine without GPU")
def test_no_gpu_answers_match_torch():
    assert deepgrad.accelerator.is_available() == torch.accelerator.is_available() is False
    assert deepgrad.accelerator.current_accelerator() is None
    assert torch.accelerator.current_accelerator() is None
    assert deepgrad.accelerator.device_count() == torch.accelerator.device_count() == 0
    assert deepgrad.cuda.is_available() == torch.cuda.is_available() is False
    assert deepgrad.cuda.device_count() == torch.cuda.device_count() == 0
    assert deepgrad.cuda.memory_allocated() == torch.cuda.memory_allocated() == 0
    assert deepgrad.cuda.max_memory_allocated() == torch.cuda.max_memory_allocated() == 0
    assert deepgrad.cuda.memory_reserved() == torch.cuda.memory_reserved() == 0
    deepgrad.cuda.empty_cache()
    deepgrad.cuda.reset_peak_memory_stats()
    deepgrad.cuda.manual_seed(3)
    deepgrad.cuda.manual_seed_all(3)
    assert deepgrad.cuda.initial_seed() == 3


@pytest.mark.skipif(not NO_GPU, reason="needs a machine without GPU")
@pytest.mark.parametrize("call", [
    lambda m: m.accelerator.current_device_index(),
    lambda m: m.accelerator.synchronize(),
    lambda m: m.accelerator.memory_allocated(),
    lambda m: m.accelerator.empty_cache(),
    lambda m: m.accelerator.set_device_index(0),
])
def test_accelerator_calls_that_need_a_device_raise_runtime_error(call):
    with pytest.raises(RuntimeError, match="accelerator"):
        call(torch)
    with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is"):
        call(deepgrad)


@pytest.mark.skipif(not NO_GPU, reason="needs a machine without GPU")
def test_cuda_calls_that_need_a_device_raise_and_device_index_none_is_a_no_op():
    for call in (deepgrad.cuda.current_device, deepgrad.cuda.synchronize,
                 deepgrad.cuda.get_device_name):
        with pytest.raises(RuntimeError, match="no.*GPU|none is available"):
            call()
    with torch.accelerator.device_index(None), deepgrad.accelerator.device_index(None):
        pass


def test_backends_flags_have_torchs_defaults_and_are_settable():
    import deepgrad.backends as db
    tb = torch.backends
    for name in ("enabled", "benchmark", "deterministic", "allow_tf32"):
        assert getattr(db.cudnn, name) == getattr(tb.cudnn, name), name
    assert db.cuda.matmul.allow_tf32 == tb.cuda.matmul.allow_tf32
    assert db.mps.is_available() is False and db.mps.is_built() is False
    if NO_GPU:
        assert db.cudnn.is_available() is False and db.cudnn.version() is None
    old = db.cudnn.benchmark
    db.cudnn.benchmark = True
    assert deepgrad.backends.cudnn.benchmark is True
    db.cudnn.benchmark = old


def test_device_checks_as_scripts_write_them():
    dev = deepgrad.device("cuda" if deepgrad.cuda.is_available() else "cpu")
    assert dev.type == ("cuda" if deepgrad.cuda.is_available() else "cpu")
    dev = deepgrad.accelerator.current_accelerator() or deepgrad.device("cpu")
    x = deepgrad.ones(2, device=dev)
    assert x.device == dev


# --- mixed precision ---------------------------------------------------------------------

@pytest.mark.skipif(not NO_GPU, reason="needs a machine without GPU")
def test_cuda_grad_scaler_without_gpu_warns_and_passes_through_like_torch():
    with pytest.warns(UserWarning, match="CUDA is not available.  Disabling"):
        t_scaler = torch.amp.GradScaler("cuda")
    with pytest.warns(UserWarning, match="CUDA is not available.  Disabling"):
        d_scaler = deepgrad.amp.GradScaler("cuda")
    assert d_scaler.is_enabled() == t_scaler.is_enabled() is False
    assert d_scaler.get_scale() == t_scaler.get_scale() == 1.0
    assert d_scaler.state_dict() == t_scaler.state_dict() == {}
    loss = deepgrad.tensor(2.0)
    assert d_scaler.scale(loss) is loss
    with pytest.warns(FutureWarning, match="deprecated"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            deepgrad.cuda.amp.GradScaler()


class _PlainSGD:
    """w -= 0.1 * grad: enough of an optimizer for GradScaler, with no compile step."""

    def __init__(self, lib, params):
        self.lib, self.param_groups = lib, [{"params": params}]

    def zero_grad(self):
        for p in self.param_groups[0]["params"]:
            p.grad = None

    def step(self):
        with self.lib.no_grad():
            for p in self.param_groups[0]["params"]:
                p -= 0.1 * p.grad
        return "stepped"


def _scaler_run(lib, scaler, steps):
    w = lib.tensor([0.5, -0.25], requires_grad=True)
    opt = _PlainSGD(lib, [w])
    xs = [[1.0, 2.0], [1e30, 1.0], [3.0, -1.0], [2.0, 2.0], [1.0, 1.0]]
    scales, weights = [], []
    for i in range(steps):
        opt.zero_grad()
        with np.errstate(over="ignore"):   # the 1e30 input overflows on purpose
            loss = (w * lib.tensor(xs[i % len(xs)])).sum() ** 2 / 1e4
        with np.errstate(over="ignore", invalid="ignore"):
            scaler.scale(loss).backward()
        if i % 2:
            scaler.unscale_(opt)          # the clip-before-step pattern
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
        weights.append(w.detach().numpy().copy())
    return scales, np.array(weights), scaler.state_dict()


def test_grad_scaler_matches_torch_cpu_scaler_step_for_step():
    kw = dict(init_scale=2.0 ** 10, growth_factor=4.0, backoff_factor=0.25, growth_interval=2)
    d = _scaler_run(deepgrad, deepgrad.amp.GradScaler("cpu", **kw), 10)
    t = _scaler_run(torch, torch.amp.GradScaler("cpu", **kw), 10)
    assert d[0] == t[0]                         # inf steps back off, clean runs grow
    np.testing.assert_allclose(d[1], t[1], rtol=1e-6)
    assert d[2] == t[2]


def test_grad_scaler_errors_match_torch():
    for lib in (torch, deepgrad):
        w = lib.ones(1, requires_grad=True)
        opt = _PlainSGD(lib, [w])
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale((w * 2).sum()).backward()
        scaler.unscale_(opt)
        with pytest.raises(RuntimeError, match="already been called"):
            scaler.unscale_(opt)
        scaler.step(opt)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
            scaler.step(opt)


def test_autocast_disabled_is_silent_and_cuda_without_gpu_warns_like_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with deepgrad.autocast("cpu", enabled=False):
            assert deepgrad.is_autocast_enabled() is False
    if NO_GPU:
        with pytest.warns(UserWarning, match="Disabling autocast"):
            with torch.autocast("cuda"):
                pass
        with pytest.warns(UserWarning, match="Disabling autocast"):
            with deepgrad.autocast("cuda"):
                assert deepgrad.is_autocast_enabled() is False


def test_enabled_autocast_warns_that_it_runs_in_full_precision():
    x = deepgrad.ones(2, 2)
    with pytest.warns(UserWarning, match="does not autocast"):
        with deepgrad.autocast("cpu", dtype=deepgrad.float16):
            assert deepgrad.is_autocast_enabled("cpu") is True
            assert (x @ x).dtype == deepgrad.float32
    assert deepgrad.is_autocast_enabled() is False


# --- DataParallel ----------------------------------------------------------------------------

def _nets():
    t_net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    d_net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    d_net.load_state_dict({k: deepgrad.tensor(v.detach().numpy())
                           for k, v in t_net.state_dict().items()})
    return d_net, t_net


@pytest.mark.skipif(not NO_GPU, reason="torch's CPU DataParallel is the oracle")
def test_data_parallel_matches_torch_outputs_keys_and_attributes():
    d_net, t_net = _nets()
    d_dp, t_dp = nn.DataParallel(d_net), torch.nn.DataParallel(t_net)
    assert list(d_dp.state_dict()) == list(t_dp.state_dict())
    assert all(k.startswith("module.") for k in d_dp.state_dict())
    assert d_dp.device_ids == t_dp.device_ids == []
    assert d_dp.module is d_net
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    d_out, t_out = d_dp(deepgrad.tensor(x)), t_dp(torch.tensor(x))
    assert_close(d_out, t_out, rtol=1e-5, atol=1e-6)
    d_out.sum().backward()
    t_out.sum().backward()
    assert_close(d_net[0].weight.grad, t_net[0].weight.grad, rtol=1e-5, atol=1e-6)
    # checkpoints move between the two wrappers
    d_dp.load_state_dict({k: deepgrad.tensor(v.detach().numpy() * 2)
                          for k, v in t_dp.state_dict().items()})
    assert_close(d_net[2].bias, t_net[2].bias.detach() * 2)
    t_dp.load_state_dict({k: to_torch(v) for k, v in d_dp.state_dict().items()})
    assert_close(d_dp(deepgrad.tensor(x)), t_dp(torch.tensor(x)), rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(not NO_GPU, reason="torch's CPU data_parallel is the oracle")
def test_functional_data_parallel_needs_a_device_like_torch():
    from torch.nn.parallel import data_parallel as t_dp
    from deepgrad.nn.parallel import data_parallel as d_dp
    d_net, t_net = _nets()
    x = np.ones((2, 3), np.float32)
    with pytest.raises(RuntimeError, match="device type could not be determined"):
        t_dp(t_net, torch.tensor(x))
    with pytest.raises(RuntimeError, match="device type could not be determined"):
        d_dp(d_net, deepgrad.tensor(x))


# --- threads, determinism, dtype limits --------------------------------------------------

def test_set_num_threads_round_trips_and_rejects_bad_values():
    before = deepgrad.get_num_threads()
    deepgrad.set_num_threads(1)
    assert deepgrad.get_num_threads() == 1
    deepgrad.set_num_threads(before)
    assert deepgrad.get_num_threads() == before
    with pytest.raises(RuntimeError):
        torch.set_num_threads(0)
    with pytest.raises(RuntimeError):
        deepgrad.set_num_threads(0)


def test_determinism_and_precision_flags_round_trip_like_torch():
    # torch's defaults are the oracle; its setter is not called (its first call takes ~5 s)
    assert deepgrad.are_deterministic_algorithms_enabled() is \
        torch.are_deterministic_algorithms_enabled() is False
    deepgrad.use_deterministic_algorithms(True)
    assert deepgrad.are_deterministic_algorithms_enabled() is True
    deepgrad.use_deterministic_algorithms(False)
    for lib in (torch, deepgrad):
        assert lib.get_float32_matmul_precision() == "highest"
        lib.set_float32_matmul_precision("high")
        assert lib.get_float32_matmul_precision() == "high"
        lib.set_float32_matmul_precision("highest")


@pytest.mark.parametrize("name", ["float32", "float64", "float16"])
def test_finfo_matches_torch(name):
    ours, theirs = deepgrad.finfo(getattr(deepgrad, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert deepgrad.finfo().eps == torch.finfo().eps


@pytest.mark.parametrize("name", ["int64", "int32", "int16", "int8", "uint8"])
def test_iinfo_matches_torch(name):
    ours, theirs = deepgrad.iinfo(getattr(deepgrad, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.min, ours.max) == (theirs.bits, theirs.min, theirs.max)


def test_manual_seed_reproduces_and_constants_match():
    deepgrad.manual_seed(7)
    a = deepgrad.rand(3)
    deepgrad.manual_seed(7)
    assert deepgrad.equal(a, deepgrad.rand(3))
    assert (deepgrad.pi, deepgrad.e, deepgrad.inf) == (torch.pi, torch.e, torch.inf)
    assert np.isnan(deepgrad.nan) and deepgrad.newaxis is torch.newaxis is None


@pytest.mark.skipif(not NO_GPU, reason="compares with torch's answers on a machine without GPU")
def test_pin_memory_without_accelerator_warns_in_the_loader_and_raises_on_a_tensor():
    from torch.utils.data import DataLoader as TLoader, TensorDataset as TSet
    from deepgrad.utils.data import DataLoader, TensorDataset
    with pytest.warns(UserWarning, match="no accelerator is found"):
        list(TLoader(TSet(torch.ones(4, 2)), batch_size=2, pin_memory=True))
    with pytest.warns(UserWarning, match="no accelerator is found"):
        batches = list(DataLoader(TensorDataset(deepgrad.ones(4, 2)), batch_size=2,
                                  pin_memory=True))
    assert len(batches) == 2
    for lib in (torch, deepgrad):
        assert lib.ones(2).is_pinned() is False
        with pytest.raises(RuntimeError, match="Cannot access accelerator device"):
            lib.ones(2).pin_memory()
