"""torch.onnx.export's user-facing API: files, names, options, errors, and nothing half-written."""
import io
import pathlib
import sys

import numpy as np
import pytest

import deepgrad
import deepgrad.nn as nn
import deepgrad.onnx as donnx

from ._roundtrip import check_roundtrip, onnx, run_onnx


class Complementary(nn.Module):
    def forward(self, x):
        return deepgrad.erfc(x)             # ONNX has Erf but no Erfc: no exporter


class Doubler(deepgrad.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2


class UsesFunction(nn.Module):
    def forward(self, x):
        return Doubler.apply(x)


def _unsupported_model():
    return nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.ReLU(), Complementary()))


def test_unsupported_op_is_named_with_its_place_and_nothing_is_written(tmp_path):
    target = tmp_path / "model.onnx"
    with pytest.raises(donnx.UnsupportedOperatorError) as info:
        donnx.export(_unsupported_model(), deepgrad.randn(2, 3), target)
    assert "Erfc" in str(info.value) and "'1.1' (Complementary)" in str(info.value)
    assert list(tmp_path.iterdir()) == []   # no file, no temporary left behind


def test_failed_export_leaves_the_previous_file_intact(tmp_path):
    target = tmp_path / "model.onnx"
    target.write_bytes(b"previous")
    with pytest.raises(donnx.UnsupportedOperatorError):
        donnx.export(_unsupported_model(), deepgrad.randn(2, 3), str(target))
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]


def test_custom_function_is_named():
    with pytest.raises(donnx.UnsupportedOperatorError, match="Doubler"):
        donnx.export(UsesFunction(), deepgrad.randn(2, 3), io.BytesIO())


def test_unsupported_layer_setting_is_named():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.AdaptiveAvgPool2d(3))
    buf = io.BytesIO()
    with pytest.raises(donnx.UnsupportedOperatorError, match=r"'1' \(AdaptiveAvgPool2d\)"):
        donnx.export(model, deepgrad.randn(1, 1, 7, 7), buf)
    assert buf.getvalue() == b""


def test_missing_onnx_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)   # makes `import onnx` raise ImportError
    with pytest.raises(ImportError, match=r"pip install deepgrad\[onnx\]"):
        donnx.export(nn.Linear(2, 2), deepgrad.randn(1, 2), io.BytesIO())


def test_is_in_onnx_export_is_true_only_while_exporting():
    seen = []

    class Spy(nn.Module):
        def forward(self, x):
            seen.append(donnx.is_in_onnx_export())
            return x * 2

    assert donnx.is_in_onnx_export() is False
    donnx.export(Spy(), deepgrad.randn(2), io.BytesIO())
    assert seen and all(seen) and donnx.is_in_onnx_export() is False
    with pytest.raises(donnx.UnsupportedOperatorError):
        donnx.export(_unsupported_model(), deepgrad.randn(2, 3), io.BytesIO())
    assert donnx.is_in_onnx_export() is False


@pytest.mark.parametrize("kind", ["str", "pathlib", "file"])
def test_writes_to_paths_and_file_objects(tmp_path, kind):
    model, x = nn.Linear(3, 2), deepgrad.randn(4, 3)
    path = tmp_path / "m.onnx"
    if kind == "file":
        with open(path, "wb") as fh:
            assert donnx.export(model, x, fh) is None
    else:
        assert donnx.export(model, (x,), str(path) if kind == "str" else pathlib.Path(path)) is None
    got = run_onnx(path.read_bytes(), [x])[0]
    assert got.shape == (4, 2)
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_no_file_returns_the_model_proto():
    proto = donnx.export(nn.Linear(3, 2), deepgrad.randn(1, 3))
    assert isinstance(proto, onnx.ModelProto)
    assert proto.opset_import[0].version == 20


def test_default_names_come_from_forward_and_options_are_honoured():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)

        def forward(self, query, memory, scale=1.0):
            return self.lin(query) * scale + memory, memory.sum(dim=0)

    model = Two()
    q, m = deepgrad.randn(2, 3), deepgrad.randn(2, 3)
    proto = donnx.export(model, (q, m, {"scale": 3.0}), keep_initializers_as_inputs=True,
                         opset_version=18)
    names = [i.name for i in proto.graph.input]
    assert names[:2] == ["query", "memory"] and {"lin.weight", "lin.bias"} <= set(names)
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1"]
    assert proto.opset_import[0].version == 18
    data = check_roundtrip(model, (q, m), input_names=["q"])
    assert [i.name for i in onnx.load_from_string(data).graph.input] == ["q", "memory"]


def test_dynamic_axes_list_form_names_the_axes():
    proto = donnx.export(nn.Linear(3, 2), deepgrad.randn(2, 3), input_names=["x"],
                         dynamic_axes={"x": [0]})
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "x_dynamic_axes_1"


@pytest.mark.parametrize("options, error, words", [
    (dict(opset_version=9), ValueError, "opset_version 10 to 23, got 9"),
    (dict(dynamic_axes={"nope": {0: "b"}}), ValueError, "'nope'"),
    (dict(dynamic_axes={"output": {2: "b"}}), ValueError, "axes [2] out of range"),
    (dict(output_names=["a", "b"]), ValueError, "2 output_names given for 1 outputs"),
    (dict(input_names=["a", "b"]), ValueError, "2 input_names given for 1 inputs"),
    (dict(export_params=False), NotImplementedError, "export_params=False"),
    (dict(dynamic_shapes={"x": {0: "b"}}), NotImplementedError, "dynamic_axes"),
    (dict(verify=True), NotImplementedError, "onnxruntime"),
    (dict(training=donnx.TrainingMode.TRAINING), NotImplementedError, "eval mode only"),
    (dict(training=donnx.TrainingMode.PRESERVE), NotImplementedError, "eval mode only"),
])
def test_bad_options_are_rejected_before_writing(tmp_path, options, error, words):
    target = tmp_path / "m.onnx"
    with pytest.raises(error) as info:
        donnx.export(nn.Linear(3, 2), deepgrad.randn(2, 3), target, **options)
    assert words in str(info.value)
    assert not target.exists()


class MaskedByComparison(nn.Module):
    def forward(self, x):
        return x * (x > 0).float()          # the mask has no graph node


class DetachedScale(nn.Module):
    def forward(self, x):
        return x / x.detach().abs().amax()


class Branches(nn.Module):
    def forward(self, x):
        return x.exp() if x[0, 0].item() > 0 else x.tanh()


@pytest.mark.parametrize("model, words", [
    (MaskedByComparison(), "read by Mul"),
    (DetachedScale(), "read by Div"),
    (Branches(), "control flow"),
])
def test_values_frozen_from_the_inputs_are_refused(tmp_path, model, words):
    x = deepgrad.tensor([[0.5, -1.0, 2.0, -0.1], [1.5, -2.0, 0.3, 0.7]])
    target = tmp_path / "m.onnx"
    with pytest.raises(donnx.OnnxExporterError, match=words):
        donnx.export(model, x, target)
    assert not target.exists()


def test_keyword_tensors_are_inputs_and_frozen_submodules_stay_frozen():
    class Gate(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)
            self.norm = nn.BatchNorm1d(3)

        def forward(self, x, gate=None, scale=1.0):
            return self.norm(self.lin(x)) * gate.sigmoid() * scale

    model = Gate()
    model.norm.eval()                      # frozen statistics inside a training model
    x, gate = deepgrad.randn(4, 3), deepgrad.randn(4, 3)
    proto = donnx.export(model, (x, {"gate": gate, "scale": 2.0}))
    assert [i.name for i in proto.graph.input] == ["x", "gate"]
    assert model.training and not model.norm.training
    other = deepgrad.randn(4, 3)
    got = run_onnx(proto.SerializeToString(), [x, other])[0]
    model.eval()
    expected = model(x, gate=other, scale=2.0).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_integer_input_converted_without_a_node_is_refused():
    class Pixels(nn.Module):
        def forward(self, image):                 # uint8 image in, float out: the cast of a
            return image.float() / 255.0          # tensor without grad records nothing

    image = deepgrad.tensor(np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    with pytest.raises(donnx.OnnxExporterError, match="computed from the inputs"):
        donnx.export(Pixels(), image)
