"""Questions about tensors (``is_floating_point``, ``is_nonzero`` ...) and two small
creation helpers (``scalar_tensor``, ``asarray``)."""
import numpy as np

from .. import creation
from ..tensor import Tensor


def is_floating_point(input):  # noqa: A002 - PyTorch's argument name
    return input._data.dtype.kind == "f"


def is_complex(input):  # noqa: A002
    """Always False: deepgrad has no complex dtypes."""
    return input._data.dtype.kind == "c"


def is_signed(input):  # noqa: A002
    return input._data.dtype.kind in "if"


def is_nonzero(input):  # noqa: A002
    """The truth of a one-element tensor (an error for any other size, as torch)."""
    n = input._data.size
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input._data.reshape(-1)[0])


def is_same_size(input, other):  # noqa: A002
    return tuple(input.shape) == tuple(other.shape)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor holding ``s`` (of the default float dtype unless ``dtype`` is given)."""
    from .. import dtypes  # noqa: PLC0415

    return creation.tensor(float(s) if dtype is None else s,
                           dtype=dtype or dtypes.get_default_dtype(), device=device,
                           requires_grad=requires_grad)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """A tensor from ``obj``, sharing memory when it can (``copy=None``) or forced to copy."""
    if isinstance(obj, Tensor):
        out = obj.to(dtype=dtype, device=device)
        if copy and out is obj:
            out = obj.clone()
    elif isinstance(obj, np.ndarray) and not copy:
        out = creation.as_tensor(obj, dtype=dtype, device=device)
    else:
        out = creation.tensor(obj, dtype=dtype, device=device)
    if requires_grad:
        out.requires_grad_(True)
    return out


def conj(input):  # noqa: A002
    """The identity: deepgrad's tensors are real."""
    return input


resolve_conj = resolve_neg = conj


def is_conj(input):  # noqa: A002
    return False


def is_neg(input):  # noqa: A002
    return False


def detach(input):  # noqa: A002
    return input.detach()


def detach_(input):  # noqa: A002
    return input.detach_()


def fill(input, value):  # noqa: A002
    """A new tensor shaped like ``input`` holding ``value`` (the out-of-place ``fill_``)."""
    return input.clone().detach().fill_(value)


def fill_(input, value):  # noqa: A002
    return input.fill_(value)


def zero_(input):  # noqa: A002
    return input.zero_()


def get_device(input):  # noqa: A002
    """-1 for a CPU tensor, else the CUDA device index."""
    return input.get_device()


def is_inference(input):  # noqa: A002
    """False: deepgrad's inference_mode is no_grad, which makes ordinary tensors."""
    return False
