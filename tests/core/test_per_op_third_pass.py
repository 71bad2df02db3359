"""The third pass over the per-op path: each shortcut must give what torch gives.

Covered: the row maximum taken at each row's ``argmax`` in cross-entropy and log-softmax
(ties, infinities, NaN, huge magnitudes, both float dtypes, transposed logits, every
reduction), and cross-entropy's silence on NaN rows, as torch's.
"""
import warnings

import numpy as np
import pytest
import torch

import deepgrad as dg


def _both(logits, labels, reduction):
    """deepgrad's and torch's cross-entropy (loss, logits' gradient) on the same arrays."""
    out = []
    for lib in (dg, torch):
        x = lib.tensor(logits, requires_grad=True)
        y = lib.tensor(labels)
        loss = lib.nn.functional.cross_entropy(x, y, reduction=reduction)
        loss.sum().backward()
        out.append((loss.detach().numpy(), x.grad.numpy()))
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_row_max_matches_torch(dtype, reduction):
    rng = np.random.default_rng(5)
    logits = (rng.standard_normal((9, 6)) * 3).astype(dtype)
    logits[0] = 2.5                                  # a row of ties: argmax picks the first
    logits[1, [1, 4]] = 7.0                          # two equal maxima
    logits[2, 3] = 1e30 if dtype == np.float64 else 3e38   # a huge logit: shifted to 0
    logits[3] = -1e4                                 # a row far below the others
    logits[4, 2] = -np.inf                           # -inf takes no probability
    labels = rng.integers(0, 6, 9)
    labels[4] = 0
    (loss, grad), (ref_loss, ref_grad) = _both(logits, labels, reduction)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(loss, ref_loss, rtol=tol, atol=tol)
    np.testing.assert_allclose(grad, ref_grad, rtol=tol, atol=tol)
    assert loss.dtype == ref_loss.dtype and grad.dtype == ref_grad.dtype


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_cross_entropy_nan_and_inf_rows_match_torch(bad):
    logits = np.random.default_rng(6).standard_normal((5, 4)).astype(np.float32)
    logits[2, 1] = bad                               # nan: the row's max is nan, as torch's
    logits[3, 0] = np.nan
    labels = np.array([0, 1, 1, 2, 3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # torch warns of nothing here
        (loss, grad), (ref_loss, ref_grad) = _both(logits, labels, "none")
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-6, equal_nan=True)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-6, atol=1e-7, equal_nan=True)


def test_cross_entropy_transposed_logits_match_torch():
    base = np.random.default_rng(7).standard_normal((4, 11)).astype(np.float32)
    labels = np.array([3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1])
    x, xt = dg.tensor(base, requires_grad=True), torch.tensor(base, requires_grad=True)
    dg.nn.functional.cross_entropy(x.t(), dg.tensor(labels)).backward()
    torch.nn.functional.cross_entropy(xt.t(), torch.tensor(labels)).backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-8)
    assert x.grad.stride() == xt.grad.stride()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_row_max_matches_torch(dtype):
    rng = np.random.default_rng(8)
    logits = (rng.standard_normal((7, 5)) * 4).astype(dtype)
    logits[0] = -3.0                                 # ties
    logits[1, 2] = np.finfo(dtype).max / 2           # huge
    logits[2] = -np.inf                              # a fully masked row: nan, silently
    logits[3, 4] = np.nan
    logits[4, 0] = np.inf
    g = rng.standard_normal((7, 5)).astype(dtype)
    outs = []
    for lib in (dg, torch):
        x = lib.tensor(logits, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = x.log_softmax(1)
            (y * lib.tensor(g)).sum().backward()
        outs.append((y.detach().numpy(), x.grad.numpy()))
    (ours, ours_grad), (ref, ref_grad) = outs
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(ours, ref, rtol=tol, atol=tol, equal_nan=True)
    np.testing.assert_allclose(ours_grad, ref_grad, rtol=tol, atol=tol, equal_nan=True)


MATRIX_SHAPES = [(1, 5, 3), (32, 64, 32), (7, 1, 9), (3, 300, 1), (64, 3, 200), (130, 17, 33)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m, k, n", MATRIX_SHAPES)
def test_np_dot_is_matmul_bit_for_bit(dtype, m, k, n):
    """``ops._util.blas_2d`` sends 2-D float products to np.dot: it must give matmul's
    bits and strides for every operand layout (C order, Fortran order, transposed views)."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((m, k)).astype(dtype)
    w = rng.standard_normal((n, k)).astype(dtype)
    g = rng.standard_normal((m, n)).astype(dtype)
    for xa in (x, np.asfortranarray(x)):
        for wa in (w, np.asfortranarray(w)):
            for a, b in ((xa, wa.T), (g.T, xa), (g, wa)):
                ours, ref = np.dot(a, b), np.matmul(a, b)
                assert np.array_equal(ours, ref) and ours.strides == ref.strides


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["c", "f", "transposed"])
def test_linear_and_matmul_products_match_torch(dtype, layout):
    rng = np.random.default_rng(10)
    x = rng.standard_normal((6, 5)).astype(dtype)
    w = rng.standard_normal((4, 5)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    g = rng.standard_normal((6, 4)).astype(dtype)
    results = []
    for lib in (dg, torch):
        if layout == "transposed":                  # a column-major view of the same values
            xt = lib.tensor(np.ascontiguousarray(x.T), requires_grad=True)
            xin = xt.t()
        else:
            xt = lib.tensor(np.asfortranarray(x) if layout == "f" else x, requires_grad=True)
            xin = xt
        wt, bt = lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)
        y = lib.nn.functional.linear(xin, wt, bt)
        z = xin @ wt.t()
        ((y + z) * lib.tensor(g)).sum().backward()
        results.append([y.detach().numpy(), z.detach().numpy(), xt.grad.numpy(),
                        wt.grad.numpy(), bt.grad.numpy()])
        results[-1].append(y.stride())
        results[-1].append(z.stride())
    ours, ref = results
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(ours[:5], ref[:5]):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    assert ours[5:] == ref[5:]


def test_relu_inplace_under_grad_is_in_place_as_torch():
    """F.relu(inplace=True) and nn.ReLU(inplace=True) on a tensor that records a graph
    rectify that very tensor (same object, version bumped), and the gradients match."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((5, 3))
    w = rng.standard_normal((4, 3))
    seen = []
    for lib in (dg, torch):
        wt = lib.tensor(w, requires_grad=True)
        y = lib.tensor(x) @ wt.t()
        z = lib.nn.functional.relu(y, inplace=True)
        out = lib.nn.ReLU(inplace=True)(z * 2 - 1)
        (out * out).sum().backward()
        seen.append((z is y, y._version, y.detach().numpy(), wt.grad.numpy()))
    (same, version, values, grad), (ref_same, ref_version, ref_values, ref_grad) = seen
    assert same and ref_same and version == ref_version == 1
    np.testing.assert_allclose(values, ref_values, rtol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-12)
    for lib in (dg, torch):                          # a leaf that requires grad: refused
        with pytest.raises(RuntimeError, match="leaf Variable"):
            lib.nn.functional.relu(lib.tensor([1.0, -1.0], requires_grad=True), inplace=True)


def test_hardswish_gradient_at_the_kinks_matches_torch():
    """At x = -3 and x = 3 torch takes the outer pieces' slopes (0 and 1)."""
    pts = [-6.0, -3.0, -1.5, 0.0, 1.5, 3.0, 6.0]
    grads = []
    for lib in (dg, torch):
        x = lib.tensor(pts, requires_grad=True, dtype=lib.float64)
        y = lib.nn.functional.hardswish(x)
        y.sum().backward()
        grads.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-15)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-15)
