"""check_gradients against finite differences (its own oracle), torch's gradients, and
deliberately broken backward passes."""
import numpy as np
import pytest

import deepgrad
from deepgrad import nn
from deepgrad.autograd import Function
from deepgrad.lab import check_gradients
from deepgrad.lab.gradcheck import verdict
from deepgrad.nn import functional as F

torch = pytest.importorskip("torch")


class DoubledWeightGrad(Function):
    """y = x W^T + b with a bug: the weight gradient is twice the truth."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        return x @ weight.t() + bias

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        return grad @ weight, 2 * (grad.t() @ x), grad.sum(0)


class BrokenLinear(nn.Linear):
    def forward(self, x):
        return DoubledWeightGrad.apply(x, self.weight, self.bias)


class ForgetfulTanh(Function):
    """tanh whose backward forgets the chain rule factor 1 - tanh^2."""

    @staticmethod
    def forward(ctx, x):
        return x.tanh()

    @staticmethod
    def backward(ctx, grad):
        return grad


class BrokenTanh(nn.Module):
    def forward(self, x):
        return ForgetfulTanh.apply(x)


def test_thresholds_are_ngs():
    assert [verdict(v) for v in (1e-9, 5e-6, 1e-2, float("nan"))] == \
        ["fine", "suspicious", "wrong", "wrong"]


def test_correct_model_is_fine_and_mode_dtype_grads_restored():
    from deepgrad.models import MLP
    model = MLP([5, 6, 3], dropout=0.5, batch_norm=True)
    model.train()
    x, y = deepgrad.randn(8, 5), deepgrad.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    result = check_gradients(model, x, y, F.cross_entropy)
    assert result.ok and result.culprits == []
    assert {p.name for p in result.parameters} == {n for n, _ in model.named_parameters()}
    assert all(p.rel_error < 1e-7 for p in result.parameters)
    assert all(m.training for m in model.modules())
    assert all(p.dtype == deepgrad.float32 and p.grad is None for p in model.parameters())
    model.eval()
    check_gradients(model, x, y, F.cross_entropy)
    assert not any(m.training for m in model.modules())


def test_analytic_column_is_torchs_gradient():
    deepgrad.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))
    x, y = deepgrad.randn(6, 4), deepgrad.randn(6, 2)
    result = check_gradients(model, x, y, F.mse_loss)
    ref = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    ref = ref.double()
    with torch.no_grad():
        for (_, p), q in zip(model.named_parameters(), ref.parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy().astype(np.float64)))
    xt = torch.from_numpy(x.numpy().astype(np.float64))
    torch.nn.functional.mse_loss(ref(xt), torch.from_numpy(y.numpy().astype(np.float64))) \
        .backward()
    for row, q in zip(result.parameters, ref.parameters()):
        assert row.shape == tuple(q.shape)
        np.testing.assert_allclose(row.worst_analytic, q.grad.numpy()[row.worst_index],
                                   rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(row.worst_numerical, q.grad.numpy()[row.worst_index],
                                   rtol=1e-5, atol=1e-9)


def test_wrong_weight_gradient_names_the_layer():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), BrokenLinear(4, 2))
    x, y = deepgrad.randn(5, 3), deepgrad.randn(5, 2)
    result = check_gradients(model, x, y, F.mse_loss)
    rows = {p.name: p.verdict for p in result.parameters}
    assert rows["2.weight"] == "wrong" and rows["2.bias"] == "fine"
    assert rows["0.weight"] == "fine"          # input gradient of the broken layer is right
    assert result.culprits == ["2"]
    assert "culprit(s): 2" in result.table()


def test_wrong_input_gradient_blames_the_layer_not_its_victims():
    model = nn.Sequential(nn.Linear(3, 4), BrokenTanh(), nn.Linear(4, 2))
    x, y = deepgrad.randn(5, 3), deepgrad.randn(5, 2)
    result = check_gradients(model, x, y, F.mse_loss)
    rows = {p.name: p.verdict for p in result.parameters}
    assert rows["0.weight"] == "wrong" and rows["2.weight"] == "fine"
    assert result.culprits == ["1"]


def test_sampled_checks_and_plot(tmp_path):
    model = nn.Sequential(nn.Linear(10, 10), nn.ReLU(), nn.Linear(10, 3))
    result = check_gradients(model, deepgrad.randn(4, 10), deepgrad.tensor([0, 1, 2, 0]),
                             F.cross_entropy, max_checks=7)
    assert [p.checked for p in result.parameters] == [7, 7, 7, 3]
    result.plot(tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_input():
    model = nn.Linear(2, 1)
    with pytest.raises(TypeError, match="nn.Module"):
        check_gradients(object(), deepgrad.randn(2, 2), deepgrad.randn(2, 1), F.mse_loss)
    with pytest.raises(ValueError, match="empty"):
        check_gradients(model, deepgrad.randn(0, 2), deepgrad.randn(0, 1), F.mse_loss)
    with pytest.raises(ValueError, match="eps"):
        check_gradients(model, deepgrad.randn(2, 2), deepgrad.randn(2, 1), F.mse_loss, eps=0)
    with pytest.raises(ValueError, match="no parameters"):
        check_gradients(nn.ReLU(), deepgrad.randn(2, 2), deepgrad.randn(2, 2), F.mse_loss)


def test_a_cnn_from_deepgrad_models():
    from deepgrad.models import SimpleCNN
    model = SimpleCNN(in_channels=1, num_classes=3, input_size=8, channels=(2,), hidden=4,
                      dropout=0.5, dims=1)
    x, y = deepgrad.randn(3, 1, 8), deepgrad.tensor([0, 2, 1])
    result = check_gradients(model, x, y, F.cross_entropy, max_checks=12)
    assert result.ok and result.culprits == [], result.table()
    assert {layer.kind for layer in result.layers} >= {"Conv1d", "MaxPool1d", "Linear"}
