"""Memory: backward frees what it used, training does not grow, gradient sums are right.

* After ``loss.backward()`` the activations a step saved are gone although the loss tensor
  (and so the root of its graph) is still alive: checked with weak references to the arrays.
* Each saved activation is freed as soon as backward has used it, while backward still
  runs: checked from a gradient hook on an earlier tensor.
* Memory is flat over many steps: tracemalloc (which sees NumPy's allocations) shows no
  growth over 600 steps of a small training loop (after 110 warm-up steps), and over
  10,000 steps neither the live Python objects (``sys.getallocatedblocks``: every tensor,
  graph node and array holds some) nor the resident size grow.
* ``import deepgrad`` leaves rarely used parts (and numba) unloaded: a small training run's
  peak memory is mostly the libraries' (``bench/bench_memory.py``).
* The engine adds the gradients meeting at one tensor into one buffer in place; these tests
  check against torch that this never changes a gradient that is shared elsewhere (a
  formula may hand the same gradient to two inputs, a hook may keep it).
"""
import gc
import os
import sys
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


def test_backward_frees_each_activation_as_soon_as_it_is_used():
    """When the gradient reaches z1 (the first layer's output), the nodes of the later
    layers have run: what they saved (h, z2 and the softmax inside cross-entropy) must
    already be gone, before backward reaches the first layer."""
    rng = np.random.default_rng(0)
    x = deepgrad.tensor(rng.standard_normal((6, 5)).astype(np.float32))
    w1 = deepgrad.tensor(rng.standard_normal((5, 7)).astype(np.float32), requires_grad=True)
    w2 = deepgrad.tensor(rng.standard_normal((7, 3)).astype(np.float32), requires_grad=True)
    target = deepgrad.tensor([0, 2, 1, 1, 0, 2])
    z1 = x @ w1
    h = z1.relu()
    z2 = h @ w2
    loss = deepgrad.nn.functional.cross_entropy(z2, target)
    later = {"h": weakref.ref(h._data), "z2": weakref.ref(z2._data)}
    del h, z2
    alive_at_z1 = {}

    def at_z1(grad):
        gc.collect()
        alive_at_z1.update({name: ref() is not None for name, ref in later.items()})

    z1.register_hook(at_z1)
    gc.collect()
    assert all(ref() is not None for ref in later.values())  # held by the graph until then
    loss.backward()
    assert alive_at_z1 == {"h": False, "z2": False}
    assert z1._data is not None and w1.grad is not None


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


def _tiny_training_steps():
    """steps(n): n SGD steps (momentum) of a 6-8-3 MLP on one fixed batch of 4."""
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

    return steps


def test_memory_is_flat_over_600_training_steps():
    steps = _tiny_training_steps()
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


def _current_rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads Linux's /proc")
def test_memory_is_flat_over_10000_training_steps():
    """10,000 steps of a tiny MLP (~3.5 s): no Python object (tensor, graph node, array
    header, optimiser state) may survive a step, and the resident size stays put. Counted
    with ``sys.getallocatedblocks`` rather than tracemalloc, which slows every allocation
    ~4x; a leak of one object per step would show as 10,000 blocks."""
    steps = _tiny_training_steps()
    steps(200)  # warm: optimizer state, caches, lazy imports
    gc.collect()
    blocks, rss = sys.getallocatedblocks(), _current_rss_bytes()
    steps(10_000)
    gc.collect()
    grown_blocks = sys.getallocatedblocks() - blocks
    grown_rss = _current_rss_bytes() - rss
    assert grown_blocks < 500, f"{grown_blocks} more Python objects after 10,000 steps"
    # one leaked 4 x 8 float32 activation with its array object (~250 B) per step: 2.5 MB
    assert grown_rss < 1 << 20, f"resident size grew by {grown_rss} bytes over 10,000 steps"


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
                         "deepgrad.serialization", "tempfile", "deepgrad.amp", "deepgrad.cuda",
                         "deepgrad.optim.sgd", "deepgrad.optim.adam",
                         "deepgrad.optim.lr_scheduler", "deepgrad.utils.data.dataloader",
                         "concurrent.futures", "logging", "deepgrad.nn.parallel",
                         "deepgrad.nn.utils") if m in loaded))
print("numba" in sys.modules)
# an MLP's training step with SGD (535k parameters, as bench_memory.py's run)
nn = deepgrad.nn
model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                      nn.Linear(256, 10))
opt = deepgrad.optim.SGD(model.parameters(), lr=0.01)
for _ in range(2):
    opt.zero_grad()
    nn.functional.cross_entropy(model(deepgrad.randn(128, 784)),
                                deepgrad.randint(0, 10, (128,))).backward()
    opt.step()
print(sorted(m for m in ("numba", "deepgrad.optim.adam", "deepgrad.utils.data.dataloader")
             if m in sys.modules))
"""


def test_start_up_loads_no_rarely_used_parts_and_relu_does_not_load_numba():
    """Every module imported stays resident: ``import deepgrad`` leaves ONNX export,
    distributed training, distributions, serialization (with tempfile, shutil, bz2, lzma),
    amp and cuda, nn's utils and parallel, each optimiser and schedule, and the DataLoader
    (with concurrent.futures and logging) until first use. Neither an MLP-sized ReLU
    gradient nor SGD's update loads numba (~130 MiB) on its own (``optim/_fused.py``).
    A fresh process: this test process has imported all of them."""
    import subprocess  # noqa: PLC0415

    out = subprocess.run([sys.executable, "-c", _START_UP], capture_output=True, text=True,
                         check=True, env=dict(os.environ, DEEPGRAD_FUSED="1"))
    assert out.stdout.split("\n")[:3] == ["[]", "False", "[]"], out.stdout + out.stderr
    # and the lazy names still work as attributes and in from-imports
    from deepgrad import distributions, load, save  # noqa: PLC0415

    assert deepgrad.save is save and deepgrad.load is load
    assert deepgrad.distributions is distributions and "onnx" in dir(deepgrad)


def test_lazily_loaded_names_work_as_if_imported():
    """deepgrad's, nn's, optim's and utils.data's names loaded on first use: attributes,
    from-imports, ``import ... as``, ``dir()`` (tab completion), star-imports, pickling."""
    import pickle  # noqa: PLC0415

    import deepgrad.optim as optim  # noqa: PLC0415
    import deepgrad.utils.data as data  # noqa: PLC0415
    from deepgrad import GradScaler, amp, autocast, cuda, nn  # noqa: PLC0415
    from deepgrad.optim import SGD, Adam, lr_scheduler  # noqa: PLC0415
    from deepgrad.optim.lr_scheduler import StepLR  # noqa: PLC0415
    from deepgrad.utils.data import DataLoader, TensorDataset  # noqa: PLC0415

    assert optim.SGD is SGD and deepgrad.optim.Adam is Adam and optim.lr_scheduler is lr_scheduler
    assert SGD.__module__ == "deepgrad.optim.sgd" and data.DataLoader is DataLoader
    assert deepgrad.amp is amp and deepgrad.GradScaler is amp.GradScaler is GradScaler
    assert deepgrad.autocast is autocast and deepgrad.is_autocast_enabled() is False
    assert cuda.is_available() is False and deepgrad.cuda is cuda
    assert nn.DataParallel is nn.parallel.DataParallel and callable(nn.utils.clip_grad_norm_)
    assert nn.regularization is not None and callable(nn.Linear)
    for module, names in ((deepgrad, ("amp", "cuda", "GradScaler", "autocast", "nn", "optim")),
                          (nn, ("utils", "parallel", "DataParallel", "Linear")),
                          (optim, ("SGD", "LBFGS", "Muon", "lr_scheduler", "swa_utils")),
                          (data, ("DataLoader", "Sampler", "random_split"))):
        assert set(names) <= set(dir(module)), module.__name__
    assert set(optim.__all__) <= set(dir(optim)) and set(data.__all__) <= set(dir(data))
    for module in (optim, data, nn):
        with pytest.raises(AttributeError):
            module.NoSuchThing  # noqa: B018 - the attribute access is the test
    namespace = {}
    exec("from deepgrad.optim import *\nfrom deepgrad.utils.data import *", namespace)
    assert namespace["RAdam"] is optim.RAdam and namespace["Subset"] is data.Subset
    # star-imports bind the lazily loaded names that torch's star-imports bind
    import torch  # noqa: PLC0415 - the oracle
    import torch.nn  # noqa: PLC0415

    for ours, theirs, lazy in ((deepgrad, torch, ("save", "load", "GradScaler", "autocast",
                                                   "is_autocast_enabled", "amp", "cuda", "onnx")),
                               (nn, torch.nn, ("DataParallel", "utils", "parallel"))):
        ns_ours, ns_theirs = {}, {}
        exec(f"from {ours.__name__} import *", ns_ours)
        exec(f"from {theirs.__name__} import *", ns_theirs)
        for name in lazy:
            assert (name in ns_ours) == (name in ns_theirs), (ours.__name__, name)
    model = nn.Linear(3, 2)
    opt = pickle.loads(pickle.dumps(optim.SGD(model.parameters(), lr=0.1)))
    assert type(opt) is SGD
    dataset = pickle.loads(pickle.dumps(TensorDataset(deepgrad.ones(4, 3))))
    assert type(dataset) is TensorDataset and len(dataset) == 4
    assert StepLR.__module__.startswith("deepgrad.optim.lr_scheduler")
