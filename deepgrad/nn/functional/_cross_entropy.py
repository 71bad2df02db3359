"""The fused softmax cross-entropy primitive for class-index targets.

For logits x (M, C), class indices y (M,), class weights w (C,) and label smoothing
eps, PyTorch's loss per sample is

    l_i = -a_i log p_{i,y_i} - sum_c b_ic log p_ic,      p_i = softmax(x_i)
    a_i = (1 - eps) w_{y_i} [y_i != ignore],   b_ic = (eps / C) w_c [y_i != ignore]

reduced by 'none' (l), 'sum' (sum l) or 'mean' (sum l / sum_i w_{y_i}[y_i != ignore]).
Since sum_c d log p_ic / dx_ij = [c = j] - p_ij, the gradient is

    dl_i/dx_i = p_i (a_i + sum_c b_ic) - a_i onehot(y_i) - b_i

Forward costs a handful of NumPy calls (log-sum-exp, one fancy-index gather) and
backward another handful, instead of a dozen graph nodes; that is what makes an
MLP's training step competitive. The backward is itself a primitive
(``CrossEntropyGrad``) whose own backward is built from differentiable ops, so
double backward works.
"""
import numpy as np

from ...autograd.function import ArrayFunction
from ...autograd.grad_mode import _state as _grad_state
from ...ops import softmax as S
from ...ops._util import constant
from ...tensor import Tensor


class CrossEntropy(ArrayFunction):
    """Inputs: logits (M, C). Attributes: target (M,) int array, coef a (M,) array or None
    (None = all ones), smooth b (M, C) array or None, reduction, denom (float, for mean)."""
    saves_inputs = False

    def forward(self, x, target, coef, smooth, reduction, denom):
        self.target, self.coef, self.smooth = target, coef, smooth
        self.reduction, self.denom = reduction, denom
        shifted = x - x.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        self.p = e / s  # kept for backward: saves recomputing the softmax
        logp_y = shifted[np.arange(x.shape[0], like=x), target] - np.log(s[:, 0])
        loss = -logp_y if coef is None else -coef * logp_y
        if smooth is not None:
            loss = loss - (smooth * (shifted - np.log(s))).sum(axis=1)
        if reduction == "none":
            return loss
        total = loss.sum(keepdims=True).reshape(())  # a 0-d array (not a NumPy scalar)
        if reduction == "mean":
            total /= denom
        return total

    def backward(self, g):
        if not _grad_state.enabled:  # no create_graph: compute on raw arrays directly
            return Tensor._make(_grad(g._data, self), g._device)
        # the logits tensor is needed by the double backward, so keep the node's input
        return CrossEntropyGrad.apply(g, self.inputs[0], fw=self)

    def backward_arrays(self, g):
        return (_grad(g, self),)


def _grad(g, fw):
    """G = gs * (p * (a + sum_c b) - a onehot(y) - b) on raw arrays."""
    if fw.reduction == "none":
        gs = g[:, None]
    elif fw.reduction == "mean":
        gs = g / fw.denom
    else:
        gs = g
    a = fw.coef
    total = a
    if fw.smooth is not None:
        bs = fw.smooth.sum(axis=1)
        total = bs if total is None else total + bs
    out = fw.p * total[:, None] if total is not None else fw.p.copy()
    out[np.arange(out.shape[0], like=out), fw.target] -= 1.0 if a is None else a
    if fw.smooth is not None:
        out -= fw.smooth
    out *= gs
    return out


class CrossEntropyGrad(ArrayFunction):
    """G = gs * (p * (a + sum_c b) - a onehot(y) - b), gs = g (none), g / denom (mean), g (sum)."""

    def forward(self, g, x, fw):
        self.fw = fw
        return _grad(g, fw)

    def backward(self, u):
        # G = gs * (p * t - Q) with t = a + sum b and Q = a onehot(y) + b (constants);
        # dG/dg: sum of u * (p t - Q) (per row, or in total); dG/dx through p = softmax(x).
        g, x = self.inputs
        fw = self.fw
        m, c = x._data.shape
        q = np.zeros_like(x._data)
        q[np.arange(m, like=q), fw.target] = 1.0 if fw.coef is None else fw.coef
        if fw.smooth is not None:
            q += fw.smooth
        t = constant(q.sum(axis=1, keepdims=True), x)
        q = constant(q, x)
        p = S.softmax(x, 1)
        if fw.reduction == "none":
            gs = g.reshape(m, 1)
        elif fw.reduction == "mean":
            gs = g / fw.denom
        else:
            gs = g
        gg = gx = None
        if self.needs_input_grad[0]:
            inner = (u * (p * t - q)).sum(1)
            gg = inner if fw.reduction == "none" else inner.sum() / (
                fw.denom if fw.reduction == "mean" else 1.0)
        if self.needs_input_grad[1]:
            v = u * p
            gx = (v - p * v.sum(1, keepdim=True)) * (t * gs)
        return gg, gx
