"""nn layers moved with ``.to("cuda")`` onto the strict device: forward values, input gradients
and parameter gradients equal those of the same layer on the CPU (itself checked against
PyTorch in tests/nn/), with every array staying on the device."""
import copy

import numpy as np
import pytest

import deepgrad
from deepgrad import nn

from .conftest import host, on_device

def _layers():
    """(id, module factory, input shape, integer input high or None)."""
    return [
        ("linear", lambda: nn.Linear(5, 3), (4, 5), None),
        ("mlp", lambda: nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2)), (4, 5), None),
        ("gelu_tanh_sigmoid", lambda: nn.Sequential(nn.GELU(), nn.Tanh(), nn.Sigmoid()),
         (3, 4), None),
        ("softmax", lambda: nn.LogSoftmax(dim=1), (3, 4), None),
        ("layernorm", lambda: nn.LayerNorm(6), (2, 3, 6), None),
        ("batchnorm1d", lambda: nn.BatchNorm1d(4), (5, 4), None),
        ("batchnorm2d", lambda: nn.BatchNorm2d(3), (2, 3, 4, 4), None),
        ("embedding", lambda: nn.Embedding(10, 4), (3, 5), 10),
        ("flatten_linear", lambda: nn.Sequential(nn.Flatten(), nn.Linear(12, 2)), (2, 3, 4),
         None),
        ("dropout_eval", lambda: nn.Dropout(0.5).eval(), (3, 4), None),
        ("conv2d", lambda: nn.Conv2d(2, 3, 3, padding=1), (2, 2, 5, 5), None),
        ("conv1d", lambda: nn.Conv1d(2, 3, 3), (2, 2, 6), None),
        ("maxpool2d", lambda: nn.MaxPool2d(2), (2, 2, 4, 4), None),
        ("avgpool2d", lambda: nn.AvgPool2d(2), (2, 2, 4, 4), None),
        ("lstm", lambda: nn.LSTM(3, 4, batch_first=True), (2, 5, 3), None),
        ("gru", lambda: nn.GRU(3, 4), (5, 2, 3), None),
        ("rnn_tanh", lambda: nn.RNN(3, 4), (5, 2, 3), None),
        ("multihead_attention", lambda: _SelfAttention(), (2, 3, 4), None),
        ("activations", lambda: nn.Sequential(nn.SiLU(), nn.ELU(), nn.LeakyReLU(0.1), nn.Mish(),
                                              nn.Softplus(), nn.Hardswish(), nn.SELU(),
                                              nn.Hardtanh(), nn.GLU()), (3, 4), None),
        ("prelu", lambda: nn.PReLU(3), (2, 3, 4), None),
        ("groupnorm", lambda: nn.GroupNorm(2, 4), (2, 4, 3), None),
        ("instancenorm2d", lambda: nn.InstanceNorm2d(2, affine=True), (2, 2, 3, 3), None),
        ("rmsnorm", lambda: nn.RMSNorm(4), (2, 3, 4), None),
        ("bilinear", lambda: _Bilinear(), (3, 4), None),
        ("embedding_bag", lambda: _Bag(), (2, 3), 10),
        ("pixel_shuffle", lambda: nn.PixelShuffle(2), (1, 4, 2, 3), None),
        ("reflection_pad", lambda: nn.ReflectionPad2d((1, 2, 0, 1)), (1, 2, 3, 4), None),
        ("replication_pad", lambda: nn.ReplicationPad1d(2), (1, 2, 4), None),
        ("circular_pad", lambda: nn.CircularPad2d(1), (1, 1, 3, 3), None),
        ("upsample_nearest", lambda: nn.Upsample(scale_factor=2), (1, 2, 2, 3), None),
        ("upsample_bilinear", lambda: nn.Upsample(scale_factor=2, mode="bilinear"),
         (1, 2, 2, 3), None),
        ("adaptive_avgpool", lambda: nn.AdaptiveAvgPool2d((2, 1)), (1, 2, 5, 3), None),
        ("adaptive_maxpool", lambda: nn.AdaptiveMaxPool2d(2), (1, 2, 5, 4), None),
        ("maxpool1d", lambda: nn.MaxPool1d(2), (2, 2, 6), None),
        ("lppool", lambda: nn.LPPool2d(2, 2), (1, 2, 4, 4), None),
        ("conv_transpose2d", lambda: nn.ConvTranspose2d(2, 3, 3, stride=2), (1, 2, 3, 3),
                None),
        ("conv2d_groups", lambda: nn.Conv2d(4, 4, 3, groups=2), (1, 4, 4, 4), None),
        ("lstm_cell", lambda: _Cell(nn.LSTMCell(3, 4)), (2, 3), None),
        ("gru_cell", lambda: _Cell(nn.GRUCell(3, 4)), (2, 3), None),
        ("transformer_layer", lambda: nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0,
                                                                 batch_first=True),
         (2, 3, 4), None),
        ("cosine_similarity", lambda: _Pair(nn.CosineSimilarity(dim=1)), (3, 4), None),
        ("pairwise_distance", lambda: _Pair(nn.PairwiseDistance()), (3, 4), None),
    ]


class _Bilinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.bilinear = nn.Bilinear(4, 4, 2)

    def forward(self, x):
        return self.bilinear(x, x * 2.0)


class _Bag(nn.Module):
    def __init__(self):
        super().__init__()
        self.bag = nn.EmbeddingBag(10, 3, mode="mean")

    def forward(self, idx):
        return self.bag(idx)


class _Cell(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.cell = cell

    def forward(self, x):
        out = self.cell(x)
        out = self.cell(x, out)   # a second step from the first one's state
        return out[0] if isinstance(out, tuple) else out


class _Pair(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x, x.flip(0))


class _SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(4, 2, batch_first=True)

    def forward(self, x):
        return self.attn(x, x, x)[0]


def _first(out):
    return out[0] if isinstance(out, tuple) else out


def _run(module, x, upstream_seed=1):
    out = _first(module(x))
    rng = np.random.default_rng(upstream_seed)
    up = deepgrad.tensor(rng.standard_normal(tuple(out.shape)), dtype=out.dtype,
                         device=out.device)
    out.backward(up)
    return out


@pytest.mark.parametrize("name,factory,shape,high", [
    row if isinstance(row, type(pytest.param())) else pytest.param(*row, id=row[0])
    for row in _layers()])
def test_layer_forward_backward_equal_cpu(name, factory, shape, high, cuda):
    deepgrad.manual_seed(0)
    cpu_module = factory()
    dev_module = copy.deepcopy(cpu_module).to("cuda")
    assert all(type(p._data).__name__ == "StrictDeviceArray" for p in dev_module.parameters())
    rng = np.random.default_rng(0)
    if high is None:
        x_host = rng.standard_normal(shape).astype(np.float32)
        x_cpu = deepgrad.tensor(x_host, requires_grad=True)
        x_dev = deepgrad.tensor(x_host, device="cuda", requires_grad=True)
    else:
        x_host = rng.integers(0, high, size=shape)
        x_cpu, x_dev = deepgrad.tensor(x_host), deepgrad.tensor(x_host, device="cuda")
    out_cpu, out_dev = _run(cpu_module, x_cpu), _run(dev_module, x_dev)
    np.testing.assert_allclose(on_device(out_dev), host(out_cpu), rtol=1e-5, atol=1e-6)
    if high is None:
        np.testing.assert_allclose(on_device(x_dev.grad), host(x_cpu.grad), rtol=1e-5, atol=1e-6)
    for (pname, p_cpu), p_dev in zip(cpu_module.named_parameters(), dev_module.parameters()):
        np.testing.assert_allclose(on_device(p_dev.grad), host(p_cpu.grad), rtol=1e-5,
                                   atol=1e-6, err_msg=pname)
    for (bname, b_cpu), b_dev in zip(cpu_module.named_buffers(), dev_module.buffers()):
        np.testing.assert_allclose(on_device(b_dev), host(b_cpu), rtol=1e-6, atol=1e-7,
                                   err_msg=bname)


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss", "mse_loss", "l1_loss",
                                  "binary_cross_entropy_with_logits", "smooth_l1_loss"])
def test_losses_equal_cpu(loss, cuda):
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((6, 4)).astype(np.float32)
    if loss in ("cross_entropy", "nll_loss"):
        target = rng.integers(0, 4, size=6)
    else:
        target = rng.uniform(0, 1, size=(6, 4)).astype(np.float32)
    fn = getattr(nn.functional, loss)
    results = []
    for dev in ("cpu", "cuda"):
        x = deepgrad.tensor(logits, device=dev, requires_grad=True)
        inp = nn.functional.log_softmax(x, 1) if loss == "nll_loss" else x
        value = fn(inp, deepgrad.tensor(target, device=dev))
        value.backward()
        results.append((value, x.grad))
    (v_cpu, g_cpu), (v_dev, g_dev) = results
    np.testing.assert_allclose(on_device(v_dev), host(v_cpu), rtol=1e-6)
    np.testing.assert_allclose(on_device(g_dev), host(g_cpu), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("mask", ["causal", "padding_with_a_dead_row", "float_bias"])
def test_scaled_dot_product_attention_equals_cpu(mask, cuda):
    """Includes a query row whose keys are all masked (it must give 0, not NaN, on both)."""
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((2, 3, 4)).astype(np.float32) for _ in range(3))
    keep = np.ones((3, 3), dtype=bool)
    keep[1] = False
    bias = rng.standard_normal((3, 3)).astype(np.float32)
    results = []
    for d in ("cpu", "cuda"):
        qt, kt, vt = (deepgrad.tensor(a, device=d, requires_grad=True) for a in (q, k, v))
        kwargs = {"causal": {"is_causal": True},
                  "padding_with_a_dead_row": {"attn_mask": deepgrad.tensor(keep, device=d)},
                  "float_bias": {"attn_mask": deepgrad.tensor(bias, device=d)}}[mask]
        out = nn.functional.scaled_dot_product_attention(qt, kt, vt, **kwargs)
        out.backward(deepgrad.tensor(np.arange(out.numel(), dtype=np.float32).reshape(out.shape),
                                     device=d))
        results.append((out, qt.grad, kt.grad, vt.grad))
    for got, want in zip(results[1], results[0]):
        np.testing.assert_allclose(on_device(got), host(want), rtol=1e-5, atol=1e-6)
    assert not np.isnan(host(results[0][0])).any()
