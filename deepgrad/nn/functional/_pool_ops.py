"""Pooling primitives on raw arrays: max and average over sliding 2-D windows.

A window plan (``Window``) describes the geometry: kernel (kh, kw), stride,
padding, dilation and output size (Ho, Wo). Every kernel tap (a, b) reads a
strided view of the (padded, channels-last) input:

    tap_ab[n, i, j, c] = x_pad[n, s_h i + d_h a, s_w j + d_w b, c]

so a pooling is a handful of elementwise NumPy ops over kh·kw views, never a
Python loop over positions. Max pooling keeps, per output, the tap index of
the first maximum (PyTorch's tie rule); its gradient scatters g to that tap.

Each op comes with its adjoint, and each adjoint's backward is the op again,
so gradients of any order exist:

    max:  M(x) = max_ab tap_ab(x)      dM^T g = S(g) (scatter at the argmax)   S^T = G (gather)
    avg:  A(x) = sum_ab tap_ab(x) / D   A^T(g) = scatter-add of g / D to every tap

Measured (2 cores): a running max with the tap index updated as
``idx = max(idx, k * (tap > best))`` (k grows, so the max keeps the latest
strict improvement) is 5x faster than boolean-mask assignment or np.where; the
scatter writes ``g * (idx == k)`` straight into strided views of the gradient
(no accumulation needed when windows do not overlap).
"""
import numpy as np

from ...autograd.function import ArrayFunction
from ...backend import device_of_array, move_array


class Window:
    """Geometry of a 2-D pooling over an (N, C, H, W) input."""

    def __init__(self, in_shape, kernel, stride, padding, dilation, out_hw):
        self.in_shape = tuple(in_shape)
        (self.kh, self.kw), self.stride, self.padding = kernel, stride, padding
        self.dilation, (self.ho, self.wo) = dilation, out_hw
        _, _, h, w = self.in_shape
        (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
        # the padded extent must hold the last (ceil-mode) window
        self.hp = max(h + 2 * ph, (self.ho - 1) * sh + dh * (self.kh - 1) + 1)
        self.wp = max(w + 2 * pw, (self.wo - 1) * sw + dw * (self.kw - 1) + 1)
        self.taps = [(slice(a * dh, a * dh + sh * (self.ho - 1) + 1, sh),
                      slice(b * dw, b * dw + sw * (self.wo - 1) + 1, sw))
                     for a in range(self.kh) for b in range(self.kw)]
        # windows that never overlap: each input element belongs to at most one tap
        self.disjoint = (dh == 1 or self.kh == 1) and (dw == 1 or self.kw == 1) and \
            sh >= self.kh and sw >= self.kw
        self.exact = self.disjoint and ph == 0 and pw == 0 and \
            h == self.ho * sh and w == self.wo * sw and sh == self.kh and sw == self.kw

    def padded(self, x, fill):
        """x as a channels-last padded array (a view when no padding is needed)."""
        xt = x.transpose(0, 2, 3, 1)
        n, h, w, c = xt.shape
        ph, pw = self.padding
        if self.hp == h and self.wp == w:
            return xt
        xp = np.full_like(x, fill, shape=(n, self.hp, self.wp, c), order="C")
        xp[:, ph:ph + h, pw:pw + w] = xt
        return xp

    def scatter(self, like, fill):
        """Write each tap's contribution back onto an (N, C, H, W) gradient.

        ``fill(k, out)`` computes tap k's (N, Ho, Wo, C) contribution into ``out`` (a strided
        view of the result, when windows are disjoint) or returns it (``out`` is None).
        """
        n, c, h, w = self.in_shape
        ph, pw = self.padding
        make = np.empty_like if self.exact else np.zeros_like
        gxp = make(like, shape=(n, self.hp, self.wp, c), order="C")
        for k, (rs, cs) in enumerate(self.taps):
            if self.disjoint:
                fill(k, gxp[:, rs, cs])
            else:
                gxp[:, rs, cs] += fill(k, None)
        return gxp[:, ph:ph + h, pw:pw + w].transpose(0, 3, 1, 2)

    def divisor(self, count_include_pad, divisor_override, dtype_like):
        """1 / (number of elements averaged) per output position, shape (Ho, Wo, 1)."""
        if divisor_override:
            return np.full_like(dtype_like, 1.0 / divisor_override, shape=(self.ho, self.wo, 1),
                                order="C")
        counts = []
        for size, k, s, p, out in ((self.in_shape[2], self.kh, self.stride[0], self.padding[0],
                                    self.ho),
                                   (self.in_shape[3], self.kw, self.stride[1], self.padding[1],
                                    self.wo)):
            start = np.arange(out) * s - p
            end = np.minimum(start + k, size + p)
            if count_include_pad:
                counts.append(end - start)
            else:
                counts.append(np.minimum(end, size) - np.maximum(start, 0))
        div = counts[0][:, None] * counts[1][None, :]
        inv = np.asarray(1.0 / div[:, :, None], dtype=dtype_like.dtype)
        return move_array(inv, device_of_array(dtype_like))  # CuPy inputs need a CuPy array


def max_pool_array(x, win):
    """(output as (N, C, Ho, Wo), tap index of the maximum as (N, Ho, Wo, C) uint8/int32)."""
    xp = win.padded(x, -np.inf)
    taps = [xp[:, rs, cs] for rs, cs in win.taps]
    dtype = np.uint8 if len(taps) < 256 else np.int32
    if len(taps) == 1:
        return taps[0].copy().transpose(0, 3, 1, 2), np.zeros_like(taps[0], dtype=dtype)
    # the first two taps start the running max without a copy of tap 0
    idx = (taps[1] > taps[0]).astype(dtype)
    best = np.maximum(taps[0], taps[1])
    for k in range(2, len(taps)):
        better = taps[k] > best
        np.maximum(best, taps[k], out=best)
        np.maximum(idx, np.multiply(better, k, dtype=dtype), out=idx)
    return best.transpose(0, 3, 1, 2), idx


def max_indices(idx, win):
    """Torch's return_indices: flat positions h * W + w in the unpadded input, (N, C, Ho, Wo)."""
    _, _, _, w = win.in_shape
    (sh, sw), (ph, pw), (dh, dw) = win.stride, win.padding, win.dilation
    a, b = np.divmod(idx.astype(np.int64), win.kw)
    dev = device_of_array(idx)
    rows = move_array((np.arange(win.ho) * sh - ph)[None, :, None, None], dev) + a * dh
    cols = move_array((np.arange(win.wo) * sw - pw)[None, None, :, None], dev) + b * dw
    return np.ascontiguousarray((rows * w + cols).transpose(0, 3, 1, 2))


class MaxPool(ArrayFunction):
    """y = max over each window; backward scatters g to the first maximum of its window."""

    saves_inputs = False

    def forward(self, x, *, win):
        self.win = win
        y, self.idx = max_pool_array(x, win)
        return y

    def backward(self, g):
        return MaxPoolScatter.apply(g, win=self.win, idx=self.idx)


class MaxPoolScatter(ArrayFunction):
    """S(g): g placed at the argmax tap of each window (the max-pool input gradient)."""

    saves_inputs = False

    def forward(self, g, *, win, idx):
        self.win, self.idx = win, idx
        gt = g.transpose(0, 2, 3, 1)
        return win.scatter(g, lambda k, out: np.multiply(gt, idx == k, out=out))

    def backward(self, gg):
        return MaxPoolGather.apply(gg, win=self.win, idx=self.idx)


class MaxPoolGather(ArrayFunction):
    """G(x): for each window, the value at its stored argmax tap (the adjoint of S)."""

    saves_inputs = False

    def forward(self, x, *, win, idx):
        self.win, self.idx = win, idx
        xp = win.padded(x, 0)
        out = None
        for k, (rs, cs) in enumerate(win.taps):
            part = xp[:, rs, cs] * (idx == k)
            out = part if out is None else np.add(out, part, out=out)
        return out.transpose(0, 3, 1, 2)

    def backward(self, g):
        return MaxPoolScatter.apply(g, win=self.win, idx=self.idx)


def avg_pool_array(x, win, inv_div):
    xp = win.padded(x, 0)
    out = None
    for rs, cs in win.taps:
        out = xp[:, rs, cs].copy() if out is None else np.add(out, xp[:, rs, cs], out=out)
    out *= inv_div
    return out.transpose(0, 3, 1, 2)


class AvgPool(ArrayFunction):
    """y = (sum of each window) / divisor. Linear: the backward is its adjoint AvgPoolAdjoint."""

    saves_inputs = False

    def forward(self, x, *, win, inv_div):
        self.win, self.inv_div = win, inv_div
        return avg_pool_array(x, win, inv_div)

    def backward(self, g):
        return AvgPoolAdjoint.apply(g, win=self.win, inv_div=self.inv_div)


class AvgPoolAdjoint(ArrayFunction):
    """A^T(g): every input element receives g / divisor of each window that contains it."""

    saves_inputs = False

    def forward(self, g, *, win, inv_div):
        self.win, self.inv_div = win, inv_div
        gs = g.transpose(0, 2, 3, 1) * inv_div

        def fill(k, out):
            if out is None:
                return gs
            out[...] = gs

        return win.scatter(g, fill)

    def backward(self, gg):
        return AvgPool.apply(gg, win=self.win, inv_div=self.inv_div)
