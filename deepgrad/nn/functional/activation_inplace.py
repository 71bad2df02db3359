"""The in-place activations ``F.relu_``, ``F.elu_`` ...: the activation written back into
its input (recorded in the graph like any in-place op, so gradients stay correct)."""
from ...ops import inplace as _inplace
from . import activation as _act


def relu_(input):  # noqa: A002 - PyTorch's argument name
    return _inplace.inplace(input, _act.relu)


def elu_(input, alpha=1.0):  # noqa: A002
    return _inplace.inplace(input, lambda x: _act.elu(x, alpha))


def celu_(input, alpha=1.0):  # noqa: A002
    return _inplace.inplace(input, lambda x: _act.celu(x, alpha))


def selu_(input):  # noqa: A002
    return _inplace.inplace(input, _act.selu)


def leaky_relu_(input, negative_slope=0.01):  # noqa: A002
    return _inplace.inplace(input, lambda x: _act.leaky_relu(x, negative_slope))


def hardtanh_(input, min_val=-1.0, max_val=1.0):  # noqa: A002
    return _inplace.inplace(input, lambda x: _act.hardtanh(x, min_val, max_val))


def threshold_(input, threshold, value):  # noqa: A002
    return _inplace.inplace(input, lambda x: _act.threshold(x, threshold, value))


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):  # noqa: A002
    return _inplace.inplace(input, lambda x: _act.rrelu(x, lower, upper, training))
