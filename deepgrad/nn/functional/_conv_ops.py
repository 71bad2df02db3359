"""The convolution primitives: im2col + GEMM on raw arrays, wrapped as ArrayFunctions.

Everything is written for 2 spatial dims; the 1-D functions add a height of 1.

Notation: input x (N, C, H, W), weight w (O, C/groups, kh, kw), output y
(N, O, Ho, Wo), with stride s, dilation d and padding p (top, bottom, left, right):

    Ho = (H + p_top + p_bottom - d_h (kh - 1) - 1) // s_h + 1          (same for Wo)
    y[n, o, i, j] = sum_{c, a, b} x_pad[n, c, s_h i + d_h a, s_w j + d_w b] w[o, c, a, b]

im2col copies every receptive field into one row of a matrix ``cols``
(N·Ho·Wo, kh·kw·C), so that the convolution is one GEMM: ``y = cols @ W^T``
with W the weight as an (O, kh·kw·C) matrix. Three linear maps make up the op
and its gradients; each is an ArrayFunction whose backward is again one of the
three, so gradients of any order are available (WGAN-GP needs the second):

    Conv2d            y  = conv(x, w)                         (correlation)
    ConvTranspose2d   gx = conv^T(g, w)  = dy/dx^T g          (col2im of g @ W)
    ConvWeightGrad    gw = corr(x, g)    = dy/dw^T g          (g^T @ cols)

Memory layout: the kernels work channels-last (N, H, W, C). The outputs are
channels-last arrays seen through a transpose as (N, C, H, W): NumPy's
elementwise ops keep that layout, so the next conv or pool gets it for free.
Measured choices (2 cores, OpenBLAS): as_strided + one copy is the fastest
im2col for C > 1, shifted slices into a (kh·kw, N·Ho·Wo) matrix for C == 1;
col2im from a (kh·kw, N·Ho·Wo, C) layout is 3x faster than from
(N·Ho·Wo, kh·kw·C); the bias gradient ``ones @ g`` is faster than ``g.sum(0)``.
Buffers are made with ``order="C"``: ``np.zeros_like(a, shape=...)`` otherwise copies
the stride order of a channels-last ``a`` and the buffer ends up channels-first
(that made col2im 30x slower).
"""
import numpy as np

from ...autograd.function import ArrayFunction
from ...ops.shape import expand, reshape


def _as_strided(a, shape, strides):
    if isinstance(a, np.ndarray):
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=False)
    import cupy  # noqa: PLC0415 - only reached for CuPy arrays

    return cupy.lib.stride_tricks.as_strided(a, shape, strides)


def out_size(size, pad_lo, pad_hi, k, s, d):
    return (size + pad_lo + pad_hi - d * (k - 1) - 1) // s + 1


def _padded_nhwc(x, pads):
    """x (N, C, H, W) as a channels-last (N, H+pt+pb, W+pl+pr, C) array (a view if no padding)."""
    xt = x.transpose(0, 2, 3, 1)
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return xt
    n, h, w, c = xt.shape
    xp = np.zeros_like(x, shape=(n, h + pt + pb, w + pl + pr, c), order="C")
    xp[:, pt:pt + h, pl:pl + w] = xt
    return xp


def _window(i, k_dil, step, count):
    """The slice of the padded axis that kernel tap ``i`` reads for all ``count`` outputs."""
    start = i * k_dil
    return slice(start, start + step * (count - 1) + 1, step)


def _im2col(xp, kh, kw, stride, dilation, ho, wo):
    """Receptive fields of a channels-last padded input.

    C > 1: (N·Ho·Wo, kh·kw·C) rows, from a strided view (one copy).
    C == 1: the transposed layout (kh·kw, N·Ho·Wo), from shifted slices (3.5x faster there).
    """
    n, _, _, c = xp.shape
    (sh, sw), (dh, dw) = stride, dilation
    if c == 1:
        cols = np.empty_like(xp, shape=(kh * kw, n, ho, wo), order="C")
        x2 = xp[..., 0]
        for a in range(kh):
            for b in range(kw):
                cols[a * kw + b] = x2[:, _window(a, dh, sh, ho), _window(b, dw, sw, wo)]
        return cols.reshape(kh * kw, n * ho * wo)
    s0, s1, s2, s3 = xp.strides
    view = _as_strided(xp, (n, ho, wo, kh, kw, c), (s0, s1 * sh, s2 * sw, s1 * dh, s2 * dw, s3))
    return view.reshape(n * ho * wo, kh * kw * c)


def _grad_matrix(g):
    """g (N, O, Ho, Wo) as the (N·Ho·Wo, O) matrix (free for channels-last arrays)."""
    n, o, ho, wo = g.shape
    return g.transpose(0, 2, 3, 1).reshape(n * ho * wo, o)


def conv2d_array(x, w, b, stride, pads, dilation, groups):
    """Correlation of x with w (+ bias); returns (y, cols per group) for the weight gradient."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    ho = out_size(h, *pads[0], kh, stride[0], dilation[0])
    wo = out_size(wd, *pads[1], kw, stride[1], dilation[1])
    xp = _padded_nhwc(x, pads)
    og = o // groups
    y = np.empty_like(x, shape=(n * ho * wo, o), order="C") if groups > 1 else None
    all_cols = []
    for gi in range(groups):
        cols = _im2col(xp[..., gi * cg:(gi + 1) * cg], kh, kw, stride, dilation, ho, wo)
        wm = w[gi * og:(gi + 1) * og].transpose(0, 2, 3, 1).reshape(og, kh * kw * cg)
        yg = cols.T @ wm.T if cg == 1 else cols @ wm.T
        if groups == 1:
            y = yg
        else:
            y[:, gi * og:(gi + 1) * og] = yg
        all_cols.append(cols)
    if b is not None:
        y += b
    return y.reshape(n, ho, wo, o).transpose(0, 3, 1, 2), all_cols


def conv_transpose2d_array(g, w, x_shape, stride, pads, dilation, groups):
    """The adjoint of the correlation: scatter-add g @ W back onto an input of ``x_shape``."""
    n, c, h, wd = x_shape
    _, o, ho, wo = g.shape
    _, cg, kh, kw = w.shape
    (pt, pb), (pl, pr) = pads
    (sh, sw), (dh, dw) = stride, dilation
    og = o // groups
    gm = _grad_matrix(g)
    gxp = np.zeros_like(g, shape=(n, h + pt + pb, wd + pl + pr, c), order="C")
    for gi in range(groups):
        # (kh·kw, O, C) weight taps: one GEMM per tap gives the (kh·kw, N·Ho·Wo, C) layout
        wr = w[gi * og:(gi + 1) * og].transpose(2, 3, 0, 1).reshape(kh * kw, og, cg)
        gcols = np.matmul(gm[:, gi * og:(gi + 1) * og], wr)
        dst = gxp[..., gi * cg:(gi + 1) * cg]
        for a in range(kh):
            for b in range(kw):
                dst[:, _window(a, dh, sh, ho), _window(b, dw, sw, wo)] += \
                    gcols[a * kw + b].reshape(n, ho, wo, cg)
    return gxp[:, pt:pt + h, pl:pl + wd].transpose(0, 3, 1, 2)


def conv_weight_grad_array(x, g, w_shape, stride, pads, dilation, groups, cols=None):
    """dL/dw = g^T @ cols per group, returned as (O, C/groups, kh, kw)."""
    o, cg, kh, kw = w_shape
    _, _, ho, wo = g.shape
    og = o // groups
    gm = _grad_matrix(g)
    xp = None if cols is not None else _padded_nhwc(x, pads)
    gw = np.empty_like(g, shape=(o, kh * kw * cg), order="C")
    for gi in range(groups):
        if cols is not None:
            cg_cols = cols[gi]
        else:
            cg_cols = _im2col(xp[..., gi * cg:(gi + 1) * cg], kh, kw, stride, dilation, ho, wo)
        gmg = gm[:, gi * og:(gi + 1) * og]
        gw[gi * og:(gi + 1) * og] = (cg_cols @ gmg).T if cg == 1 else gmg.T @ cg_cols
    return np.ascontiguousarray(gw.reshape(o, kh, kw, cg).transpose(0, 3, 1, 2))


# --- the differentiable primitives ---------------------------------------------------------

class Conv2d(ArrayFunction):
    """y = conv(x, w) + b. Backward: gx = conv^T(g, w), gw = corr(x, g), gb = sum of g."""

    def forward(self, x, w, *bias, stride, pads, dilation, groups):
        self.geom = dict(stride=stride, pads=pads, dilation=dilation, groups=groups)
        y, self.cols = conv2d_array(x, w, bias[0] if bias else None, stride, pads, dilation,
                                    groups)
        return y

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        gx = ConvTranspose2d.apply(g, w, x_shape=x.shape, **self.geom) if need[0] else None
        gw = (ConvWeightGrad.apply(x, g, w_shape=w.shape, cols=self.cols, **self.geom)
              if need[1] else None)
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, (ConvBiasGrad.apply(g) if need[2] else None)


class ConvTranspose2d(ArrayFunction):
    """gx = conv^T(g, w): the input gradient of Conv2d, and the transposed convolution.

    Bilinear in (g, w): d/dg = conv(gg, w), d/dw = corr(gg, g).
    """

    def forward(self, g, w, *, x_shape, stride, pads, dilation, groups):
        self.geom = dict(stride=stride, pads=pads, dilation=dilation, groups=groups)
        return conv_transpose2d_array(g, w, tuple(x_shape), stride, pads, dilation, groups)

    def backward(self, gg):
        g, w = self.inputs
        need = self.needs_input_grad
        dg = Conv2d.apply(gg, w, **self.geom) if need[0] else None
        dw = (ConvWeightGrad.apply(gg, g, w_shape=w.shape, cols=None, **self.geom)
              if need[1] else None)
        return dg, dw


class ConvWeightGrad(ArrayFunction):
    """gw = corr(x, g): the weight gradient of Conv2d. d/dx = conv^T(g, gg), d/dg = conv(x, gg)."""

    def forward(self, x, g, *, w_shape, stride, pads, dilation, groups, cols):
        self.geom = dict(stride=stride, pads=pads, dilation=dilation, groups=groups)
        return conv_weight_grad_array(x, g, tuple(w_shape), stride, pads, dilation, groups, cols)

    def backward(self, gg):
        x, g = self.inputs
        need = self.needs_input_grad
        dx = ConvTranspose2d.apply(g, gg, x_shape=x.shape, **self.geom) if need[0] else None
        dg = Conv2d.apply(x, gg, **self.geom) if need[1] else None
        return dx, dg


class ConvBiasGrad(ArrayFunction):
    """gb[o] = sum_{n,i,j} g[n, o, i, j], as ``ones @ G`` (faster than an axis sum)."""

    saves_inputs = False

    def forward(self, g):
        self.shape = g.shape
        gm = _grad_matrix(g)
        return np.ones_like(gm, shape=(gm.shape[0],), order="C") @ gm

    def backward(self, gg):
        return expand(reshape(gg, (1, -1, 1, 1)), self.shape)
