"""``linear`` and ``bilinear``: the affine maps behind nn.Linear and nn.Bilinear.

linear:    y = x W^T + b        x (*, in), W (out, in), b (out,)  ->  y (*, out)

    dx = dy W          dW = dy^T x (summed over all leading dims)        db = sum dy

``Linear`` is one fused primitive (one matmul plus an in-place bias add in
forward; three NumPy calls in backward), because it decides the speed of every
MLP. Its backward is written with differentiable ops, so double backward works.

bilinear:  y_o = x1^T A_o x2 + b_o      x1 (*, in1), x2 (*, in2), A (out, in1, in2)
"""
import numpy as np

from ...autograd.function import ArrayFunction
from ...autograd.grad_mode import _state as _grad_state
from ...ops import reduce as _reduce
from ...ops import shape as _shape
from ...ops._util import blas_2d, ones_vector
from ...ops.linalg import Matmul, matmul
from ...tensor import Tensor


class Linear(ArrayFunction):
    """y = x @ W^T (+ b), with the gradient formulas in the module docstring."""

    def forward(self, x, w, b=None):
        out = np.dot(x, w.T) if blas_2d(x, w) else np.matmul(x, w.T)
        if b is not None:
            out += b  # in place: saves one temporary of the output's size
        return out

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        if not _grad_state.enabled:
            dev = g._device
            return tuple(None if r is None else Tensor._make(r, dev)
                         for r in _raw_backward(g._data, x._data, w._data, need))
        gx = gw = gb = None
        if need[0]:
            gx = matmul(g, w)                            # (*, out) @ (out, in)
        lead = g._data.ndim - 1
        if need[1] or (len(need) > 2 and need[2]):
            g2 = g if lead == 1 else _shape.reshape(g, (-1, g._data.shape[-1]))
        if need[1]:
            x2 = x if lead == 1 else _shape.reshape(x, (-1, x._data.shape[-1]))
            gw = Matmul.apply(g2, x2, ta=True)           # (out, N) @ (N, in)
        if len(need) > 2 and need[2]:
            gb = _reduce.Sum.apply(g2, axes=(0,), keepdim=False)
        return (gx, gw, gb) if len(need) > 2 else (gx, gw)

    def backward_arrays(self, g):
        inputs = self.inputs
        return _raw_backward(g, inputs[0]._data, inputs[1]._data, self.needs_input_grad)


def _raw_backward(g, x, w, need):
    """The same formulas on raw arrays: the common case (no create_graph), 3 NumPy calls."""
    gx = gw = gb = None
    if need[0]:
        gx = np.dot(g, w) if blas_2d(g, w) else g @ w
    g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])
    if need[1]:
        x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
        gw = np.dot(g2.T, x2) if blas_2d(g2, x2) else g2.T @ x2
    if len(need) > 2:
        if need[2]:
            # NumPy: ones @ g2, one BLAS call (half the cost of np.add.reduce at small sizes)
            gb = (np.dot(ones_vector(g2.shape[0], g2.dtype), g2)
                  if type(g2) is np.ndarray and g2.dtype.char in "fd" else g2.sum(axis=0))
        return gx, gw, gb
    return gx, gw


def _check(x, weight):
    if x._data.ndim == 0:
        raise RuntimeError("linear: input must have at least 1 dimension, got a 0-d tensor")
    if x._data.shape[-1] != weight._data.shape[-1]:
        s, w = x._data.shape, weight._data.shape
        raise RuntimeError(
            f"linear: expected input with {w[-1]} features (in_features={w[-1]}) in its last "
            f"dimension, but got {s[-1]} (input shape {list(s)}); mat1 and mat2 shapes cannot "
            f"be multiplied ({int(np.prod(s[:-1]))}x{s[-1]} and {w[-1]}x{w[0]})")


def _check_linear(input, weight):  # noqa: A002
    """Raise the error for a weight that is not 2-D, mismatched features or dtypes."""
    if weight._data.ndim != 2:
        raise RuntimeError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                           f"{list(weight._data.shape)}")
    _check(input, weight)
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"linear: expected input and weight to have the same dtype, but got "
                           f"{input.dtype} and {weight.dtype}")


def linear(input, weight, bias=None):  # noqa: A002 - PyTorch's argument name
    """y = input @ weight^T + bias.

    Args:
        input: (*, in_features).  weight: (out_features, in_features).
        bias: (out_features,) or None.
    Returns: (*, out_features).
    """
    x, w = input._data, weight._data
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1] or x.dtype != w.dtype:
        _check_linear(input, weight)  # one condition on the hot path; the errors in there
    if bias is None:
        return Linear.apply(input, weight)
    return Linear.apply(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o].

    Args:
        input1: (*, in1).  input2: (*, in2) with the same leading dims.
        weight: (out, in1, in2).  bias: (out,) or None.
    Returns: (*, out).
    Built from differentiable ops (a matmul then a product summed over in2).
    """
    out, in1, in2 = weight._data.shape
    if input1._data.shape[-1] != in1 or input2._data.shape[-1] != in2:
        raise RuntimeError(f"bilinear: expected inputs with {in1} and {in2} features, got shapes "
                           f"{list(input1._data.shape)} and {list(input2._data.shape)}")
    if input1._data.shape[:-1] != input2._data.shape[:-1]:
        raise RuntimeError(f"bilinear: input1 and input2 must have the same leading dims, got "
                           f"{list(input1._data.shape)} and {list(input2._data.shape)}")
    lead = input1._data.shape[:-1]
    x1 = _shape.reshape(input1, (-1, in1))
    x2 = _shape.reshape(input2, (-1, 1, in2))
    # (N, in1) @ (in1, out*in2) -> (N, out, in2), then contract in2 with x2
    a = _shape.reshape(_shape.permute(weight, (1, 0, 2)), (in1, out * in2))
    t = _shape.reshape(Matmul.apply(x1, a), (-1, out, in2))
    y = _reduce.sum(t * x2, -1)
    if bias is not None:
        y = y + bias
    return _shape.reshape(y, lead + (out,))
