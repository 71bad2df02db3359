"""torch's top-level in-place functions (``torch.exp_(x)``): each calls the Tensor method.

Written out one by one (no generated names) so that every function is greppable.
"""


def abs_(input):  # noqa: A002 - PyTorch's argument name
    return input.abs_()


def acos_(input):  # noqa: A002 - PyTorch's argument name
    return input.acos_()


def acosh_(input):  # noqa: A002 - PyTorch's argument name
    return input.acosh_()


def arccos_(input):  # noqa: A002 - PyTorch's argument name
    return input.arccos_()


def arccosh_(input):  # noqa: A002 - PyTorch's argument name
    return input.arccosh_()


def arcsin_(input):  # noqa: A002 - PyTorch's argument name
    return input.arcsin_()


def arcsinh_(input):  # noqa: A002 - PyTorch's argument name
    return input.arcsinh_()


def arctan_(input):  # noqa: A002 - PyTorch's argument name
    return input.arctan_()


def arctanh_(input):  # noqa: A002 - PyTorch's argument name
    return input.arctanh_()


def asin_(input):  # noqa: A002 - PyTorch's argument name
    return input.asin_()


def asinh_(input):  # noqa: A002 - PyTorch's argument name
    return input.asinh_()


def atan_(input):  # noqa: A002 - PyTorch's argument name
    return input.atan_()


def atanh_(input):  # noqa: A002 - PyTorch's argument name
    return input.atanh_()


def ceil_(input):  # noqa: A002 - PyTorch's argument name
    return input.ceil_()


def cos_(input):  # noqa: A002 - PyTorch's argument name
    return input.cos_()


def cosh_(input):  # noqa: A002 - PyTorch's argument name
    return input.cosh_()


def deg2rad_(input):  # noqa: A002 - PyTorch's argument name
    return input.deg2rad_()


def erf_(input):  # noqa: A002 - PyTorch's argument name
    return input.erf_()


def erfc_(input):  # noqa: A002 - PyTorch's argument name
    return input.erfc_()


def exp2_(input):  # noqa: A002 - PyTorch's argument name
    return input.exp2_()


def exp_(input):  # noqa: A002 - PyTorch's argument name
    return input.exp_()


def expm1_(input):  # noqa: A002 - PyTorch's argument name
    return input.expm1_()


def fix_(input):  # noqa: A002 - PyTorch's argument name
    return input.fix_()


def floor_(input):  # noqa: A002 - PyTorch's argument name
    return input.floor_()


def frac_(input):  # noqa: A002 - PyTorch's argument name
    return input.frac_()


def log10_(input):  # noqa: A002 - PyTorch's argument name
    return input.log10_()


def log1p_(input):  # noqa: A002 - PyTorch's argument name
    return input.log1p_()


def log2_(input):  # noqa: A002 - PyTorch's argument name
    return input.log2_()


def log_(input):  # noqa: A002 - PyTorch's argument name
    return input.log_()


def neg_(input):  # noqa: A002 - PyTorch's argument name
    return input.neg_()


def negative_(input):  # noqa: A002 - PyTorch's argument name
    return input.negative_()


def rad2deg_(input):  # noqa: A002 - PyTorch's argument name
    return input.rad2deg_()


def reciprocal_(input):  # noqa: A002 - PyTorch's argument name
    return input.reciprocal_()


def rsqrt_(input):  # noqa: A002 - PyTorch's argument name
    return input.rsqrt_()


def sigmoid_(input):  # noqa: A002 - PyTorch's argument name
    return input.sigmoid_()


def sin_(input):  # noqa: A002 - PyTorch's argument name
    return input.sin_()


def sinc_(input):  # noqa: A002 - PyTorch's argument name
    return input.sinc_()


def sinh_(input):  # noqa: A002 - PyTorch's argument name
    return input.sinh_()


def sqrt_(input):  # noqa: A002 - PyTorch's argument name
    return input.sqrt_()


def square_(input):  # noqa: A002 - PyTorch's argument name
    return input.square_()


def tan_(input):  # noqa: A002 - PyTorch's argument name
    return input.tan_()


def tanh_(input):  # noqa: A002 - PyTorch's argument name
    return input.tanh_()


def trunc_(input):  # noqa: A002 - PyTorch's argument name
    return input.trunc_()

def round_(input, decimals=0):  # noqa: A002
    return input.round_(decimals)


def clamp_(input, min=None, max=None):  # noqa: A002
    return input.clamp_(min, max)


clip_ = clamp_


def clamp_min_(input, min):  # noqa: A002
    return input.clamp_min_(min)


def clamp_max_(input, max):  # noqa: A002
    return input.clamp_max_(max)


def logit_(input, eps=None):  # noqa: A002
    return input.logit_(eps)


def nan_to_num_(input, nan=0.0, posinf=None, neginf=None):  # noqa: A002
    return input.nan_to_num_(nan, posinf, neginf)


def ldexp_(input, other):  # noqa: A002
    return input.ldexp_(other)


def xlogy_(input, other):  # noqa: A002
    return input.xlogy_(other)


def gcd_(input, other):  # noqa: A002
    return input.gcd_(other)


def lcm_(input, other):  # noqa: A002
    return input.lcm_(other)


def addmv_(input, mat, vec, *, beta=1, alpha=1):  # noqa: A002
    return input.addmv_(mat, vec, beta=beta, alpha=alpha)
