"""hessian_eigs (power iteration and Lanczos on Hessian-vector products) against the exact
eigenvalues of the full Hessian: deepgrad.autograd.functional.hessian + numpy.linalg.eigvalsh,
and torch.autograd.functional.hessian on the same weights."""
import numpy as np
import pytest

import deepgrad
from deepgrad import nn
from deepgrad.autograd.functional import hessian
from deepgrad.lab import hessian_eigs
from deepgrad.nn import functional as F

torch = pytest.importorskip("torch")


def _setup(seed=0):
    deepgrad.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((10, 3)), rng.standard_normal((10, 2))
    return model, X, y


def _unflatten(flat, shapes, lib):
    out, at = [], 0
    for shape in shapes:
        n = int(np.prod(shape))
        out.append(flat[at:at + n].reshape(shape))
        at += n
    return out


def _loss(lib, X, y, shapes):
    def f(flat):
        w1, b1, w2, b2 = _unflatten(flat, shapes, lib)
        hidden = (X @ w1.t() + b1).tanh()
        return ((hidden @ w2.t() + b2 - y) ** 2).mean()
    return f


def _exact(model, X, y):
    shapes = [tuple(p.shape) for p in model.parameters()]
    flat = np.concatenate([p.detach().numpy().astype(np.float64).ravel()
                           for p in model.parameters()])
    ours = hessian(_loss(deepgrad, deepgrad.tensor(X), deepgrad.tensor(y), shapes),
                   deepgrad.tensor(flat)).numpy()
    ref = torch.autograd.functional.hessian(
        _loss(torch, torch.from_numpy(X), torch.from_numpy(y), shapes),
        torch.from_numpy(flat)).numpy()
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
    values = np.linalg.eigvalsh(ours)
    ref_values = np.linalg.eigvalsh(ref)
    order = np.argsort(-np.abs(values))
    return values[order], ref_values[np.argsort(-np.abs(ref_values))]


@pytest.mark.parametrize("method", ["power", "lanczos"])
def test_top_eigenvalues_match_the_full_hessian(method):
    model, X, y = _setup()
    exact, torch_exact = _exact(model, X, y)
    result = hessian_eigs(model, F.mse_loss, (deepgrad.tensor(X), deepgrad.tensor(y)), k=3,
                          method=method, max_iter=2000, tol=1e-13)
    np.testing.assert_allclose(result.eigenvalues, exact[:3], rtol=1e-6)
    np.testing.assert_allclose(result.eigenvalues, torch_exact[:3], rtol=1e-6)
    assert result.eigenvectors.shape == (3, 26)
    assert result.n_hvp > 0


def test_lanczos_with_full_krylov_space_gives_the_whole_spectrum():
    model, X, y = _setup(1)
    exact, _ = _exact(model, X, y)
    result = hessian_eigs(model, F.mse_loss, (deepgrad.tensor(X), deepgrad.tensor(y)), k=26,
                          method="lanczos", lanczos_steps=26)
    np.testing.assert_allclose(np.sort(result.eigenvalues), np.sort(exact), atol=1e-8)


def test_mode_and_dtype_restored_and_plot(tmp_path):
    model, X, y = _setup()
    model.train()
    result = hessian_eigs(model, F.mse_loss, (deepgrad.tensor(X), deepgrad.tensor(y)), k=1)
    assert model.training and all(p.dtype == deepgrad.float32 for p in model.parameters())
    assert all(p.grad is None for p in model.parameters())
    result.plot(tmp_path / "h.png")
    assert (tmp_path / "h.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_input():
    model, X, y = _setup()
    data = (deepgrad.tensor(X), deepgrad.tensor(y))
    with pytest.raises(ValueError, match=r"k must be an int in \[1, 26\]"):
        hessian_eigs(model, F.mse_loss, data, k=27)
    with pytest.raises(ValueError, match="method"):
        hessian_eigs(model, F.mse_loss, data, method="qr")
    with pytest.raises(ValueError, match="empty"):
        hessian_eigs(model, F.mse_loss, (data[0][:0], data[1][:0]))
    with pytest.raises(TypeError, match="pair"):
        hessian_eigs(model, F.mse_loss, data[0])
