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

from ..._quiet import quiet_begin, quiet_end
from ...autograd.function import ArrayFunction
from ...autograd.grad_mode import _state as _grad_state
from ...ops import softmax as S
from ...ops._util import constant, ones_vector, row_major, row_max, row_offsets
from ...tensor import Tensor


class CrossEntropy(ArrayFunction):
    """Inputs: logits (M, C). Attributes: target (M,) int array, coef a (M,) array or None
    (None = all ones), smooth b (M, C) array or None, reduction, denom (float, for mean)."""
    saves_inputs = False

    flat_index = None  # the fast path's flat indices of (i, y_i), kept for the backward

    def forward(self, x, target, coef, smooth, reduction, denom):
        self.target, self.coef, self.smooth = target, coef, smooth
        self.reduction, self.denom = reduction, denom
        token = quiet_begin()  # a row of -inf (or inf, NaN) gives nan silently, as torch's
        try:
            if (coef is None and smooth is None and type(x) is np.ndarray and x.dtype.char in "fd"
                    and x.size and target.dtype.kind == "i"):  # int64 flat indices i * C + y_i
                return self._plain_forward(x, target, reduction, denom)
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
        finally:
            quiet_end(token)

    def _plain_forward(self, x, target, reduction, denom):
        """The common case on NumPy arrays (no class weights, no smoothing), in fewer and
        cheaper NumPy calls: with m_i = max_c x_ic and s_i = sum_c exp(x_ic - m_i),

            l_i = log s_i - (x_{i,y_i} - m_i),        p_i = exp(x_i - m_i) / s_i

        The row sums s and the total over the samples are matrix-vector products with a
        vector of ones (one BLAS call each, cheaper than NumPy's reductions at this size);
        the exponentials and then p overwrite the shifted logits in place."""
        x = row_major(x)  # so are shifted, p and the gradient: flat indices reach (i, y_i)
        m, c = x.shape
        shifted = x - row_max(x)[:, None]
        # (i, y_i) as flat indices i * C + y_i: a 1-D gather and scatter cost less than
        # NumPy's 2-D fancy indexing
        self.flat_index = flat = row_offsets(m, c) + target
        shifted_y = shifted.reshape(-1)[flat]
        e = np.exp(shifted, out=shifted)
        s = np.dot(e, ones_vector(c, e.dtype))
        e /= s[:, None]
        self.p = e  # kept for backward: saves recomputing the softmax
        loss = np.log(s)
        loss -= shifted_y
        if reduction == "none":
            return loss
        total = np.dot(loss, ones_vector(m, loss.dtype))  # a NumPy scalar of the dtype
        if reduction == "mean":
            total = total / denom
        return np.array(total)  # a 0-d array (not a NumPy scalar)

    def backward(self, g):
        if not _grad_state.enabled:  # no create_graph: compute on raw arrays directly
            return Tensor._make(_grad(g._data, self), g._device)
        # the logits tensor is needed by the double backward, so keep the node's input
        return CrossEntropyGrad.apply(g, self.inputs[0], fw=self)

    def backward_arrays(self, g):
        return (_grad(g, self),)


def _grad(g, fw):
    """G = gs * (p * (a + sum_c b) - a onehot(y) - b) on raw arrays."""
    if fw.flat_index is not None:  # the fast path's forward ran: a = 1, b = 0
        return _plain_grad(g, fw)
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


def _plain_grad(g, fw):
    """G = gs * p - gs onehot(y): ``_grad`` without weights or smoothing, in two NumPy
    operations and one scatter (gs per sample for 'none', else one number)."""
    if fw.reduction == "none":
        out = fw.p * g[:, None]
        out.reshape(-1)[fw.flat_index] -= g  # p is row-major, so is out: reshape is a view
        return out
    gs = g / fw.denom if fw.reduction == "mean" else g
    out = fw.p * gs
    out.reshape(-1)[fw.flat_index] -= gs
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
