"""Flatten a model's parameters into one vector and back (for second-order methods,
line searches, evolution strategies, or computing a global statistic of all weights).

Example::

    v = nn.utils.parameters_to_vector(model.parameters())   # (total number of weights,)
    nn.utils.vector_to_parameters(v * 0.5, model.parameters())
"""
from ...ops.shape import cat, reshape
from ...tensor import Tensor


def parameters_to_vector(parameters):
    """Concatenate the flattened parameters into one 1-D tensor (differentiable)."""
    params = list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    return cat([reshape(p, (-1,)) for p in params], 0)


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place.

    Unlike PyTorch (which makes each parameter a view of ``vec``), the values are
    copied, so that the Parameter objects held by optimisers stay valid.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected deepgrad.Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec._data.ndim != 1 or vec._data.shape[0] != total:
        raise RuntimeError(f"vector_to_parameters: vec has shape {list(vec._data.shape)} but the "
                           f"parameters hold {total} numbers")
    offset = 0
    for p in params:
        n = p.numel()
        p._data[...] = vec._data[offset:offset + n].reshape(p._data.shape)
        p._vc[0] += 1
        offset += n
