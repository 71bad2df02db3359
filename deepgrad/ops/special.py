"""Special functions: the error function ``erf`` and its complement ``erfc``.

    erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt,    erfc(x) = 1 - erf(x)
    d erf/dx = 2/sqrt(pi) * exp(-x^2)

NumPy has no erf, so it is computed here with W. J. Cody's rational Chebyshev
approximations (Math. Comp. 23, 1969; the CALERF routine), accurate to about
1e-16 relative in float64, on three ranges of y = |x|:

* y <= 0.46875:        erf(y)  = y * P1(y^2) / Q1(y^2)
* 0.46875 < y <= 4:    erfc(y) = exp(-y^2) * P2(y) / Q2(y)
* y > 4:               erfc(y) = exp(-y^2) / y * (1/sqrt(pi) + P3(1/y^2) / (y^2 Q3(1/y^2)))

exp(-y^2) is evaluated as exp(-s^2) * exp(-(y - s)(y + s)) with s = y rounded down to
a multiple of 1/16: s^2 is then exact, which avoids the cancellation error of y^2.
"""
import math

import numpy as np

from ..autograd.function import ArrayFunction
from .elementwise import _float_input

_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)
_ONE_OVER_SQRT_PI = 5.6418958354775628695e-1
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _exp_minus_square(y):
    """exp(-y^2) without the rounding error of forming y^2 (see module docstring)."""
    s = np.trunc(y * 16.0) / 16.0
    return np.exp(-s * s) * np.exp(-(y - s) * (y + s))


def _erf_small(y):
    """erf on |y| <= 0.46875."""
    ysq = y * y
    num, den = _A[4] * ysq, ysq
    for i in range(3):
        num = (num + _A[i]) * ysq
        den = (den + _B[i]) * ysq
    return y * (num + _A[3]) / (den + _B[3])


def _erfc_mid(y):
    """erfc on 0.46875 < y <= 4."""
    num, den = _C[8] * y, y
    for i in range(7):
        num = (num + _C[i]) * y
        den = (den + _D[i]) * y
    return _exp_minus_square(y) * (num + _C[7]) / (den + _D[7])


def _erfc_large(y):
    """erfc on y > 4 (underflows to 0 beyond y ~ 26.5)."""
    with np.errstate(over="ignore", under="ignore"):
        z = 1.0 / (y * y)
        num, den = _P[5] * z, z
        for i in range(4):
            num = (num + _P[i]) * z
            den = (den + _Q[i]) * z
        r = z * (num + _P[4]) / (den + _Q[4])
        return _exp_minus_square(y) * (_ONE_OVER_SQRT_PI - r) / y


def _erf_erfc(x, want_erfc):
    """erf(x) or erfc(x) of a float array, computed in float64 and cast back."""
    xd = x.astype(np.float64, copy=False)
    y = np.abs(xd)
    small = y <= 0.46875
    mid = (~small) & (y <= 4.0)
    large = y > 4.0
    out = np.empty_like(xd)
    e_small = _erf_small(y[small])
    # erfc(|x|) on the other ranges
    c = np.empty_like(xd)
    c[mid] = _erfc_mid(y[mid])
    c[large] = _erfc_large(np.minimum(y[large], 30.0))  # erfc(30) underflows to 0; inf safe
    neg = xd < 0
    if want_erfc:
        out[small] = 1.0 - np.copysign(e_small, xd[small])
        rest = ~small
        out[rest] = np.where(neg[rest], 2.0 - c[rest], c[rest])
    else:
        out[small] = np.copysign(e_small, xd[small])
        rest = ~small
        out[rest] = np.copysign((0.5 - c[rest]) + 0.5, xd[rest])
    np.copyto(out, xd, where=np.isnan(xd))   # NaN in, NaN out (no data-dependent branch)
    return out.astype(x.dtype, copy=False)


class Erf(ArrayFunction):
    """y = erf(x);  dy/dx = 2/sqrt(pi) exp(-x^2)."""

    def forward(self, a):
        return _erf_erfc(a, False)

    def backward(self, g):
        from .elementwise import exp  # noqa: PLC0415
        x = self.inputs[0]
        return g * (exp(-(x * x)) * _TWO_OVER_SQRT_PI)


class Erfc(ArrayFunction):
    """y = erfc(x) = 1 - erf(x);  dy/dx = -2/sqrt(pi) exp(-x^2)."""

    def forward(self, a):
        return _erf_erfc(a, True)

    def backward(self, g):
        from .elementwise import exp  # noqa: PLC0415
        x = self.inputs[0]
        return g * (exp(-(x * x)) * -_TWO_OVER_SQRT_PI)


def erf(x):
    """The error function, elementwise (``torch.special.erf``)."""
    return Erf.apply(_float_input(x))


def erfc(x):
    """The complementary error function 1 - erf(x), accurate also where erf(x) is near 1."""
    return Erfc.apply(_float_input(x))
