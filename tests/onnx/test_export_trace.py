"""Custom forward() code exported by tracing: views, functional calls, arithmetic, indexing."""
import numpy as np
import pytest

import deepgrad
import deepgrad.nn as nn
import deepgrad.nn.functional as F
import deepgrad.onnx as donnx

from ._roundtrip import check_roundtrip, export_bytes, onnx, run_onnx


class LeNetLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(4 * 3 * 3, 5)

    def forward(self, x):
        x = self.pool(F.relu(self.conv(x)))
        x = x.view(x.size(0), -1)
        return F.log_softmax(self.fc(x), dim=1)


class FlattenNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=1)
        self.fc = nn.Linear(3 * 4 * 4, 2)

    def forward(self, x):
        return self.fc(deepgrad.flatten(deepgrad.tanh(self.conv(x)), 1))


def test_view_batch_and_functional_relu_with_dynamic_batch():
    model = LeNetLike()
    names = dict(input_names=["image"], output_names=["logp"],
                 dynamic_axes={"image": {0: "batch"}, "logp": {0: "batch"}})
    data = check_roundtrip(model, deepgrad.randn(2, 1, 8, 8), run_args=deepgrad.randn(5, 1, 8, 8),
                           **names)
    graph = onnx.load_from_string(data).graph
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_torch_flatten_with_dynamic_batch():
    check_roundtrip(FlattenNet(), deepgrad.randn(2, 2, 4, 4), run_args=deepgrad.randn(5, 2, 4, 4),
                    dynamic_axes={"x": [0], "output": [0]})


class Arithmetic(nn.Module):
    """Scalar and tensor arithmetic, elementwise functions, reductions and shape ops."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(deepgrad.randn(6, 3))
        self.b = nn.Parameter(deepgrad.randn(3))
        self.register_buffer("scale", deepgrad.rand(3) + 0.5)
        self.register_buffer("mask", deepgrad.tensor([True, False, True]))

    def forward(self, x, y):
        a = (x * 2.5 + 0.1) - (1.0 - y) / 3.0 + 2.0 / (x.abs() + 1.0) - x ** 2 + (-y).exp()
        b = a @ self.w + self.b                              # (N, 3)
        b = b * self.scale + deepgrad.sqrt(x.abs()).mean(dim=1, keepdim=True)
        c = deepgrad.cat([b, b.sigmoid(), b.tanh().clamp(-0.5, 0.4)], dim=1)   # (N, 9)
        d = c.t().matmul(c).sum(dim=0) / 7.0                  # (9,)
        e = c[:, 1:7:2] + c[:, None, 0].squeeze(1).unsqueeze(-1).expand(-1, 3)
        f = deepgrad.maximum(e.permute(1, 0), deepgrad.zeros(3, 1)).transpose(0, 1)
        g = F.softmax(f, dim=-1) * F.gelu(f) + F.silu(f) + F.softplus(f, beta=2.0)
        h = g.max(dim=1)[0] + g.min(dim=0, keepdim=True)[0].sum() + deepgrad.logsumexp(g, 1)
        h = h + deepgrad.where(self.mask, g.cumsum(dim=1), -g)[:, 0]
        return g.amax(dim=1) + d[:1] + d.mean() + h, F.linear(g, self.w[:3, :3].t(), self.b)


def test_arithmetic_and_shape_ops():
    x, y = deepgrad.randn(4, 6), deepgrad.randn(4, 6)
    check_roundtrip(Arithmetic(), (x, y), output_names=["first", "second"])


def test_scalar_constants_are_exact():
    """``x + c`` keeps no ``c`` on its node; the exporter finds the very float32 used."""
    class Shift(nn.Module):
        def forward(self, x):
            return (x + 0.1) * 1.0 + (0.3 - x) + 1e-3 / x

    x = deepgrad.randn(50) * 1e3
    data = export_bytes(Shift(), x)
    other = deepgrad.randn(50) * 10
    got = run_onnx(data, [other])[0]
    expected = Shift()(other).numpy()
    np.testing.assert_array_equal(got, expected)


def test_parameters_keep_their_state_dict_names():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    graph = onnx.load_from_string(export_bytes(model, deepgrad.randn(1, 3))).graph
    stored = {init.name for init in graph.initializer}
    assert {"0.weight", "0.bias", "2.weight", "2.bias"} <= stored


def test_shared_weight_stored_once():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(7, 4)

        def forward(self, idx):
            h = self.emb(idx)                      # (N, T, 4)
            return h @ self.emb.weight.t()         # logits against the same matrix

    model = Tied()
    data = check_roundtrip(model, deepgrad.tensor([[1, 2, 6], [0, 0, 3]]))
    graph = onnx.load_from_string(data).graph
    assert [i.name for i in graph.initializer].count("emb.weight") == 1
    assert len(graph.initializer) == 1


def test_sizes_read_from_a_dynamic_axis_must_not_be_frozen():
    class FreshState(nn.Module):
        def forward(self, x):
            return x + deepgrad.zeros(x.size(0), 1)       # a tensor sized from the input

    x = deepgrad.randn(2, 3)
    check_roundtrip(FreshState(), x)                       # fixed sizes: fine
    with pytest.raises(donnx.OnnxExporterError, match="sizes read from the inputs"):
        donnx.export(FreshState(), x, dynamic_axes={"x": {0: "batch"}})


def test_flatten_module_and_expand_keep_the_batch_free():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.flat = nn.Flatten()
            self.bias = nn.Parameter(deepgrad.randn(1, 12))

        def forward(self, x):
            h = self.flat(x)
            return h * self.bias.expand(h.shape[0], -1)

    check_roundtrip(Net(), deepgrad.randn(2, 3, 4), run_args=deepgrad.randn(6, 3, 4),
                    dynamic_axes={"x": {0: "b"}, "output": {0: "b"}})


TRACED_LAYERS = {   # no exporter of their own: their forward is traced op by op
    "bilinear": (lambda: nn.Bilinear(3, 4, 5), [(2, 3), (2, 4)]),
    "maxout": (lambda: nn.Maxout(6, 4, 3), [(2, 6)]),
    "lstm_cell": (lambda: nn.LSTMCell(3, 4), [(2, 3)]),
    "gru_cell": (lambda: nn.GRUCell(3, 4), [(2, 3)]),
    "rnn_cell": (lambda: nn.RNNCell(3, 4, nonlinearity="relu"), [(2, 3)]),
    "softmax2d": (lambda: nn.Softmax2d(), [(2, 3, 4, 4)]),
    "transformer": (lambda: nn.Transformer(8, 2, 1, 1, 16, batch_first=True), [(2, 4, 8),
                                                                             (2, 3, 8)]),
}


@pytest.mark.parametrize("name", sorted(TRACED_LAYERS))
def test_layers_without_an_exporter_are_traced(name):
    make, shapes = TRACED_LAYERS[name]
    check_roundtrip(make(), tuple(deepgrad.randn(*s) for s in shapes))
