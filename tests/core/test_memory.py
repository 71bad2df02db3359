"""Memory: backward frees what it used, training does not grow, gradient sums are right.

* After ``loss.backward()`` the activations a step saved are gone although the loss tensor
  (and so the root of its graph) is still alive: checked with weak references to the arrays.
* Memory is flat over many steps: tracemalloc (which sees NumPy's allocations) shows no
  growth over 600 steps of a small training loop (after 110 warm-up steps).
* The engine adds the gradients meeting at one tensor into one buffer in place; these tests
  check against torch that this never changes a gradient that is shared elsewhere (a
  formula may hand the same gradient to two inputs, a hook may keep it).
"""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import deepgrad
from ..conftest import torch


def _mlp_step_arrays(x, w1, b1, w2, target):
    """One forward pass; returns the loss and weak references to its intermediate arrays."""
    z1 = x @ w1 + b1
    h = z1.relu()
    z2 = h @ w2
    loss = deepgrad.nn.functional.cross_entropy(z2, target)
    refs = [weakref.ref(t._data) for t in (z1, h, z2)]
    return loss, refs


def test_backward_frees_the_saved_activations_while_the_loss_lives():
    rng = np.random.default_rng(0)
    x = deepgrad.tensor(rng.standard_normal((6, 5)).astype(np.float32))
    w1 = deepgrad.tensor(rng.standard_normal((5, 7)).astype(np.float32), requires_grad=True)
    b1 = deepgrad.zeros(7, requires_grad=True)
    w2 = deepgrad.tensor(rng.standard_normal((7, 3)).astype(np.float32), requires_grad=True)
    target = deepgrad.tensor([0, 2, 1, 1, 0, 2])
    loss, refs = _mlp_step_arrays(x, w1, b1, w2, target)
    gc.collect()
    assert all(r() is not None for r in refs), "the graph must hold its activations until backward"
    loss.backward()
    gc.collect()
    assert [r() is None for r in refs] == [True, True, True]
    assert loss.grad_fn is not None and w1.grad is not None  # the loss and grads survive


def test_retain_graph_keeps_the_activations_for_a_second_backward():
    w = deepgrad.ones(4, requires_grad=True)
    h = (w * 3).exp()
    ref = weakref.ref(h._data)
    loss = (h * 2).sum()
    del h
    loss.backward(retain_graph=True)
    gc.collect()
    assert ref() is not None
    loss.backward()
    gc.collect()
    assert ref() is None
    t = torch.ones(4, dtype=torch.float32, requires_grad=True)
    tl = ((t * 3).exp() * 2).sum()
    tl.backward(retain_graph=True)
    tl.backward()
    np.testing.assert_allclose(w.grad.numpy(), t.grad.numpy(), rtol=1e-6)


def test_memory_is_flat_over_600_training_steps():
    deepgrad.manual_seed(0)
    nn = deepgrad.nn
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = deepgrad.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = deepgrad.randn(4, 6)
    y = deepgrad.tensor([0, 1, 2, 1])

    def steps(n):
        for _ in range(n):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()

    steps(100)  # warm, untraced (tracing slows every allocation): optimizer state, imports
    tracemalloc.start()  # counts what is allocated from now on and not yet freed
    try:
        steps(10)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        steps(600)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # one leaked 4x8 float32 activation per step would be 600 * 128 B = 77 kB
    assert after - before < 16 * 1024, f"memory grew by {after - before} bytes over 600 steps"


def _shared_gradient_graph(leaf):
    """Gradients meet in ways that tempt in-place summing: ``h + h`` hands one gradient to
    both edges of ``h``; ``p = u + v`` hands one gradient to two different nodes, each of
    which also receives another; ``h`` keeps its gradient (retain_grad) and feeds ten uses."""
    h = leaf * 1.5
    h.retain_grad()
    u, v = h.sin(), h.cos()
    p = u + v
    out = (h + h) * 0.5 + p * 2 + u * v
    for k in range(10):
        out = out + (h * (k + 1)).tanh()
    return out.sum(), h


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_summed_gradients_match_torch(dtype):
    values = np.array([0.3, -1.2, 2.0, 0.7], dtype=dtype)
    a = deepgrad.tensor(values, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    kept = []
    a.register_hook(lambda g: kept.append(g))  # a hook keeping the leaf's whole gradient
    loss, h = _shared_gradient_graph(a)
    t_loss, t_h = _shared_gradient_graph(t)
    loss.backward()
    t_loss.backward()
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=tol)
    np.testing.assert_allclose(h.grad.numpy(), t_h.grad.numpy(), rtol=tol)
    np.testing.assert_allclose(kept[0].numpy(), t.grad.numpy(), rtol=tol)
    assert a.grad.dtype == getattr(deepgrad, dtype)


def test_summed_gradients_with_create_graph_match_torch():
    values = np.array([0.3, -1.2, 2.0], dtype=np.float64)
    results = []
    for lib in (deepgrad, torch):
        a = lib.tensor(values, requires_grad=True)
        loss, _ = _shared_gradient_graph(a)
        (g,) = lib.autograd.grad(loss, a, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), a)
        results.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10)


def test_a_weight_used_at_every_time_step_gets_the_sum_as_torch():
    rng = np.random.default_rng(3)
    w_np = rng.standard_normal((3, 3))
    xs = rng.standard_normal((8, 2, 3))
    grads = []
    for lib in (deepgrad, torch):
        w = lib.tensor(w_np, requires_grad=True)
        h = lib.zeros(2, 3, dtype=lib.float64)
        for x in xs:
            h = (lib.tensor(x) + h @ w).tanh()
        h.sum().backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_backward_from_two_outputs_where_one_feeds_the_other_as_torch():
    values = np.array([0.5, -1.0, 2.0])
    grads = []
    for lib in (deepgrad, torch):
        a = lib.tensor(values, requires_grad=True)
        y = a.exp()
        z = (y * y).sin()
        lib.autograd.backward([y, z], [lib.ones(3, dtype=lib.float64),
                                       lib.full((3,), 2.0, dtype=lib.float64)])
        grads.append(a.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


_START_UP = """
import sys
import numpy as np
import deepgrad
loaded = set(sys.modules)
x = deepgrad.tensor(np.random.default_rng(0).standard_normal((128, 512)).astype(np.float32),
                    requires_grad=True)
x.relu().sum().backward()  # 65,536 elements: above the compiled loop's size threshold
print(sorted(m for m in ("deepgrad.onnx", "deepgrad.distributed", "deepgrad.distributions",
                         "deepgrad.serialization", "tempfile") if m in loaded))
print("numba" in sys.modules)
"""


def test_start_up_loads_no_rarely_used_parts_and_relu_does_not_load_numba():
    """Every module imported stays resident: ``import deepgrad`` leaves ONNX export,
    distributed training, distributions and serialization (with tempfile, shutil, bz2, lzma)
    until first use, and an MLP-sized ReLU gradient does not load numba (~130 MiB) on its own.
    A fresh process: this test process has imported all of them."""
    import os  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    out = subprocess.run([sys.executable, "-c", _START_UP], capture_output=True, text=True,
                         check=True, env=dict(os.environ, DEEPGRAD_FUSED="1"))
    assert out.stdout.split("\n")[:2] == ["[]", "False"], out.stdout + out.stderr
    # and the lazy names still work as attributes and in from-imports
    from deepgrad import distributions, load, save  # noqa: PLC0415

    assert deepgrad.save is save and deepgrad.load is load
    assert deepgrad.distributions is distributions and "onnx" in dir(deepgrad)
