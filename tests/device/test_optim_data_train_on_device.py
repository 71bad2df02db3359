"""Optimisers, the DataLoader and whole training steps on the strict device, each compared with
the same run on the CPU (whose results tests/optim and tests/nn check against PyTorch)."""
import copy

import numpy as np
import pytest

import deepgrad
from deepgrad import nn, optim
from deepgrad.utils.data import DataLoader, TensorDataset

from .conftest import host, on_device

OPTIMIZERS = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.1),
    "sgd_momentum_nesterov_wd": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True,
                                                     weight_decay=0.01),
    "adam": lambda ps: optim.Adam(ps, lr=0.01),
    "adam_amsgrad": lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.1),
    "adamw": lambda ps: optim.AdamW(ps, lr=0.01),
    "adagrad": lambda ps: optim.Adagrad(ps, lr=0.1),
    "adadelta": lambda ps: optim.Adadelta(ps),
    "adamax": lambda ps: optim.Adamax(ps, lr=0.01),
    "nadam": lambda ps: optim.NAdam(ps, lr=0.01),
    "radam": lambda ps: optim.RAdam(ps, lr=0.01),
    "rmsprop": lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    "rprop": lambda ps: optim.Rprop(ps, lr=0.01),
    "asgd": lambda ps: optim.ASGD(ps, lr=0.01),
    "adafactor": lambda ps: optim.Adafactor(ps, lr=0.01),
    "muon": lambda ps: optim.Muon([p for p in ps if p.dim() == 2], lr=0.01),
}


def _mlp():
    deepgrad.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))


def _train(model, make_opt, device, steps=3, x_shape=(5, 6), classes=3):
    rng = np.random.default_rng(0)
    opt = make_opt(model.parameters())
    losses = []
    for _ in range(steps):
        x = deepgrad.tensor(rng.standard_normal(x_shape).astype(np.float32), device=device)
        y = deepgrad.tensor(rng.integers(0, classes, size=x_shape[0]), device=device)
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return losses


def _assert_same_run(cpu_model, dev_model, cpu_losses, dev_losses, rtol=1e-5):
    for lc, ld in zip(cpu_losses, dev_losses):
        np.testing.assert_allclose(on_device(ld), host(lc), rtol=rtol)
    for (name, pc), pd in zip(cpu_model.named_parameters(), dev_model.parameters()):
        np.testing.assert_allclose(on_device(pd), host(pc), rtol=rtol, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_steps_equal_cpu(name, cuda):
    cpu_model = _mlp()
    dev_model = copy.deepcopy(cpu_model).to("cuda")
    make = OPTIMIZERS[name]
    _assert_same_run(cpu_model, dev_model, _train(cpu_model, make, "cpu"),
                     _train(dev_model, make, "cuda"))
    opt = make(dev_model.parameters())   # optimiser state lives on the device too
    _train(dev_model, lambda _: opt, "cuda", steps=1)
    for state in opt.state.values():
        for value in state.values():
            if isinstance(value, deepgrad.Tensor) and value.dim() > 0:
                on_device(value)


def test_optimizer_never_hands_device_arrays_to_numba(cuda, monkeypatch):
    """The fused compiled loop takes NumPy arrays only; on the device the kernel path runs."""
    from deepgrad.optim import _fused

    monkeypatch.setattr(_fused, "ENABLED", True)   # the suite switches it off for speed
    calls = []
    original = _fused.FusedLoop.kernel

    def spy(self, arrays, scalars):
        kernel = original(self, arrays, scalars)
        calls.append(kernel)
        return kernel
    monkeypatch.setattr(_fused.FusedLoop, "kernel", spy)
    _train(_mlp().to("cuda"), OPTIMIZERS["adam"], "cuda", steps=1)
    assert calls and all(k is None for k in calls)


def test_dataloader_batches_move_to_device(cuda):
    rng = np.random.default_rng(0)
    xs, ys = rng.standard_normal((10, 3)).astype(np.float32), rng.integers(0, 2, size=10)
    loader = DataLoader(TensorDataset(deepgrad.tensor(xs), deepgrad.tensor(ys)), batch_size=4)
    seen = []
    for xb, yb in loader:
        xb, yb = xb.to("cuda"), yb.to("cuda", non_blocking=True)
        seen.append((on_device(xb), on_device(yb)))
    np.testing.assert_array_equal(np.concatenate([a for a, _ in seen]), xs)
    np.testing.assert_array_equal(np.concatenate([b for _, b in seen]), ys)


def test_dataloader_collates_device_tensors_on_the_device(cuda):
    """A dataset already on the device: default_collate stacks the samples there."""
    xs = np.arange(12, dtype=np.float32).reshape(6, 2)
    dataset = TensorDataset(deepgrad.tensor(xs, device="cuda"))
    batches = [b for (b,) in DataLoader(dataset, batch_size=4, shuffle=False)]
    np.testing.assert_array_equal(np.concatenate([on_device(b) for b in batches]), xs)


def test_mlp_training_step_equals_cpu(cuda):
    # no bias before BatchNorm: its gradient is 0 up to round-off (~1e-8), which Adam scales
    # up to +-lr, so that bias would follow the order of the float additions, not the maths
    cpu_model = nn.Sequential(nn.Linear(6, 16, bias=False), nn.BatchNorm1d(16), nn.ReLU(),
                              nn.Dropout(0.0), nn.Linear(16, 3))
    dev_model = copy.deepcopy(cpu_model).to("cuda")
    make = OPTIMIZERS["adam"]
    _assert_same_run(cpu_model, dev_model, _train(cpu_model, make, "cpu", steps=4),
                     _train(dev_model, make, "cuda", steps=4))


def _cnn():
    deepgrad.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 3 * 3, 3))


def test_cnn_training_step_equals_cpu(cuda):
    cpu_model = _cnn()
    dev_model = copy.deepcopy(cpu_model).to("cuda")
    make = OPTIMIZERS["sgd_momentum_nesterov_wd"]
    _assert_same_run(cpu_model, dev_model, _train(cpu_model, make, "cpu", x_shape=(4, 1, 6, 6)),
                     _train(dev_model, make, "cuda", x_shape=(4, 1, 6, 6)))


@pytest.mark.parametrize("max_norm,norm_type", [(0.1, 2.0), (100.0, 2.0), (0.05, float("inf")),
                                                (0.3, 1.0)])
def test_clip_grad_norm_stays_on_device(max_norm, norm_type, cuda):
    results = []
    for dev in ("cpu", "cuda"):
        model = _mlp().to(dev)
        _train(model, lambda ps: optim.SGD(ps, lr=0.0), dev, steps=1)
        total = nn.utils.clip_grad_norm_(model.parameters(), max_norm, norm_type)
        results.append((total, [p.grad for p in model.parameters()]))
    (t_cpu, g_cpu), (t_dev, g_dev) = results
    # float32 round-off: host NumPy arrays take BLAS row sums in cross-entropy and Linear,
    # device arrays their own reductions (as CuPy's differ from NumPy's)
    np.testing.assert_allclose(on_device(t_dev), host(t_cpu), rtol=1e-5)
    for gc, gd in zip(g_cpu, g_dev):
        np.testing.assert_allclose(on_device(gd), host(gc), rtol=1e-5)


def test_dataloader_pin_memory_with_a_device_gives_unchanged_batches(cuda, recwarn):
    """With a GPU present pin_memory=True raises no 'no accelerator' warning and the
    batches (host tensors, not page-locked in deepgrad) move to the device unchanged."""
    xs = np.arange(8, dtype=np.float32).reshape(4, 2)
    loader = DataLoader(TensorDataset(deepgrad.tensor(xs)), batch_size=2, pin_memory=True)
    moved = [b.pin_memory().to("cuda", non_blocking=True) for (b,) in loader]
    assert not [w for w in recwarn if "pin_memory" in str(w.message)]
    np.testing.assert_array_equal(np.concatenate([on_device(b) for b in moved]), xs)
