"""API gaps found by running the PyTorch example programs (tests/conformance), each
checked against torch 2.13 doing the same thing."""
import io
import subprocess
import sys

import numpy as np
import pytest

import deepgrad

torch = pytest.importorskip("torch")


def test_range_as_an_index_reads_and_writes_like_torch():
    # mnist_forward_forward: x_[range(x.shape[0]), y] = x.max()
    base = np.arange(20, dtype=np.float32).reshape(4, 5)
    cols = [1, 0, 4, 2]
    ours, theirs = deepgrad.tensor(base), torch.tensor(base)
    ours[range(4), deepgrad.tensor(cols)] = -1.0
    theirs[range(4), torch.tensor(cols)] = -1.0
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(ours[range(1, 3)].numpy(), theirs[range(1, 3)].numpy())
    np.testing.assert_array_equal(ours[:, range(0, 5, 2)].numpy(), theirs[:, range(0, 5, 2)].numpy())


@pytest.mark.parametrize("call", [lambda m: m.randint(9, size=(3,)),
                                  lambda m: m.randint(high=9, size=(3,)),
                                  lambda m: m.randint(9, (3,)),
                                  lambda m: m.randint(2, 9, (3,))])
def test_randint_signatures_match_torch(call):
    # mnist_forward_forward: torch.randint(len(allowed_indices), size=(1,))
    ours, theirs = call(deepgrad), call(torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    low = 2 if (ours.numpy() >= 2).all() and (theirs.numpy() >= 2).all() else 0
    assert ours.numpy().min() >= low and ours.numpy().max() < 9


def test_randint_like_with_only_high():
    ours = deepgrad.randint_like(deepgrad.zeros(2, 3), 5)
    theirs = torch.randint_like(torch.zeros(2, 3), 5)
    assert tuple(ours.shape) == tuple(theirs.shape) == (2, 3)
    assert ours.numpy().max() < 5 and ours.numpy().min() >= 0


@pytest.mark.parametrize("x, y", [(1, 0), (1, 0.5), (True, False), (2.0, 1)])
def test_where_with_two_python_scalars(x, y):
    # siamese_network: pred = torch.where(outputs > 0.5, 1, 0)
    values = np.array([0.2, 0.7, 0.9], dtype=np.float32)
    ours = deepgrad.where(deepgrad.tensor(values) > 0.5, x, y)
    theirs = torch.where(torch.tensor(values) > 0.5, x, y)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_where_rejects_non_scalars_clearly():
    cond = deepgrad.tensor([True, False])
    with pytest.raises(TypeError, match="tensors or Python scalars"):
        deepgrad.where(cond, "a", 0)


class _Holder:
    """A whole model for pickling; the same shape built from either library."""

    @staticmethod
    def build(lib):
        return lib.nn.Sequential(lib.nn.Embedding(7, 3), lib.nn.Linear(3, 2))


def _save(lib, obj):
    buffer = io.BytesIO()
    lib.save(obj, buffer)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize("lib", [deepgrad, torch], ids=["deepgrad", "torch"])
def test_whole_model_loads_only_with_its_classes_allowed(lib):
    # word_language_model: torch.save(model, f) ... with torch.serialization.safe_globals(
    # [RNNModel, nn.modules.rnn.LSTM, ...]): model = torch.load(f)
    model = _Holder.build(lib)
    allowed = [lib.nn.modules.container.Sequential, lib.nn.modules.sparse.Embedding,
               lib.nn.modules.linear.Linear]
    buffer = _save(lib, model)
    with pytest.raises(Exception) as refused:
        lib.load(buffer)
    assert "UnpicklingError" in type(refused.value).__name__
    buffer.seek(0)
    with lib.serialization.safe_globals(allowed):
        assert set(allowed) <= set(lib.serialization.get_safe_globals())
        loaded = lib.load(buffer)
    assert allowed[-1] not in lib.serialization.get_safe_globals()
    assert type(loaded) is type(model)
    for (name, ours), (_, saved) in zip(loaded.state_dict().items(), model.state_dict().items()):
        np.testing.assert_array_equal(ours.numpy(), saved.numpy(), err_msg=name)
    assert type(loaded[1].weight).__name__ == "Parameter"


def test_add_safe_globals_persists_until_cleared():
    model = _Holder.build(deepgrad)
    before = deepgrad.serialization.get_safe_globals()
    try:
        deepgrad.serialization.add_safe_globals([deepgrad.nn.Sequential, deepgrad.nn.Embedding,
                                                 deepgrad.nn.Linear])
        assert type(deepgrad.load(_save(deepgrad, model))) is deepgrad.nn.Sequential
    finally:
        deepgrad.serialization.clear_safe_globals()
        deepgrad.serialization.add_safe_globals(before)
    with pytest.raises(TypeError, match="safe globals must be"):
        deepgrad.serialization.add_safe_globals([3])


@pytest.mark.parametrize("module, name", [("activation", "MultiheadAttention"),
                                          ("linear", "NonDynamicallyQuantizableLinear")])
def test_attention_classes_at_torchs_module_paths(module, name):
    # word_language_model/generate.py lists torch.nn.modules.activation.MultiheadAttention
    # and torch.nn.modules.linear.NonDynamicallyQuantizableLinear in its safe_globals
    assert hasattr(getattr(torch.nn.modules, module), name)
    ours = getattr(getattr(deepgrad.nn.modules, module), name)
    assert ours.__name__ == name
    if name == "MultiheadAttention":
        assert ours is deepgrad.nn.MultiheadAttention
    with pytest.raises(AttributeError, match="no attribute 'NoSuchLayer'"):
        getattr(getattr(deepgrad.nn.modules, module), "NoSuchLayer")


@pytest.mark.parametrize("flag", ["is_cuda", "is_xpu", "is_mps"])
def test_device_flags_of_a_cpu_tensor(flag):
    # dcgan: if (input.is_cuda or input.is_xpu) and self.ngpu > 1
    assert getattr(deepgrad.zeros(2), flag) is getattr(torch.zeros(2), flag) is False


def test_binary_cross_entropy_gradient_at_saturated_probabilities():
    grads = {}
    for lib in (deepgrad, torch):
        x = lib.tensor([0.0, 1.0, 0.5, 1e-30], requires_grad=True)
        lib.nn.functional.binary_cross_entropy(x, lib.tensor([1.0, 0.0, 1.0, 1.0])).backward()
        grads[lib.__name__] = x.grad.numpy()
    np.testing.assert_allclose(grads["deepgrad"], grads["torch"], rtol=1e-6)


def test_float_of_a_grad_tensor_warns_only_with_grad_mode_on(recwarn):
    # time_sequence_prediction: LBFGS turns the closure's loss into a float under no_grad,
    # where torch stays silent. torch warns once per process, so it is asked in a fresh
    # one: first under no_grad, then with grad mode on.
    probe = ("import torch, warnings\n"
             "x = torch.ones(1, requires_grad=True) * 2\n"
             "for on in (False, True):\n"
             "    with warnings.catch_warnings(record=True) as seen, torch.set_grad_enabled(on):\n"
             "        warnings.simplefilter('always')\n"
             "        float(x)\n"
             "    print(sum('to a scalar' in str(w.message) for w in seen))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split() == ["0", "1"], done.stderr
    x = deepgrad.ones(1, requires_grad=True) * 2
    for on, expected in ((False, 0), (True, 1)):
        recwarn.clear()
        with deepgrad.set_grad_enabled(on):
            assert float(x) == 2.0
        assert sum("to a scalar" in str(w.message) for w in recwarn) == expected

