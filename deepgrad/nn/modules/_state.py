"""``state_dict`` / ``load_state_dict`` for Module: saving and restoring a model's values.

A state dict maps dotted names ("encoder.0.weight") to tensors: every parameter
and every persistent buffer, in registration order, exactly like PyTorch's.

Loading is done in two passes so that it is *atomic*:

1. check every key: missing keys, unexpected keys, shape mismatches and values
   that are not tensors are all collected; any problem raises one RuntimeError
   listing them all, before anything is modified;
2. only then copy the (already converted) values into the module.
"""
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from ...backend import move_array
from ...tensor import Tensor


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class _IncompatibleKeys(IncompatibleKeys):
    """What ``load_state_dict`` returns (PyTorch's ``_IncompatibleKeys``, same name and repr)."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _slots(module, prefix=""):
    """(dotted name, tensor) of everything a state dict holds, in PyTorch's order.

    Like PyTorch, a module reachable under two names appears under both.
    """
    for name, p in module._parameters.items():
        if p is not None:
            yield prefix + name, p
    for name, b in module._buffers.items():
        if b is not None and name not in module._non_persistent_buffers_set:
            yield prefix + name, b
    for name, child in module._modules.items():
        if child is not None:
            yield from _slots(child, prefix + name + ".")


def state_dict(module, destination=None, prefix="", keep_vars=False):
    if destination is None:
        destination = OrderedDict()
    for key, t in _slots(module, prefix):
        destination[key] = t if keep_vars else _detached(t)
    return destination


def _detached(t):
    out = Tensor._make(t._data, t._device)
    out._vc = t._vc
    return out


def _as_array(value):
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.ndarray):
        return value
    return None


def load_state_dict(module, sd, strict=True, assign=False):
    if not isinstance(sd, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(sd).__name__}.")
    targets = OrderedDict(_slots(module))

    # pass 1: validate everything and prepare the converted arrays
    missing = [k for k in targets if k not in sd]
    unexpected = [k for k in sd if k not in targets]
    errors = []
    prepared = []
    for key, target in targets.items():
        if key not in sd:
            continue
        arr = _as_array(sd[key])
        if arr is None:
            errors.append(f'While copying the parameter named "{key}", expected a Tensor or '
                          f'array from checkpoint but received {type(sd[key]).__name__}')
            continue
        if tuple(arr.shape) != tuple(target.shape):
            errors.append(f"size mismatch for {key}: copying a param with shape "
                          f"{list(arr.shape)} from checkpoint, the shape in current model is "
                          f"{list(target.shape)}.")
            continue
        try:
            arr = move_array(arr, target._device)
            if not assign:  # copy_ semantics: the module keeps its dtype
                arr = arr.astype(target._data.dtype, copy=False)
        except (TypeError, ValueError) as e:
            errors.append(f'While copying the parameter named "{key}": {e}')
            continue
        prepared.append((target, arr))
    if strict:
        if unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in missing) + ". ")
    if errors:
        raise RuntimeError(f"Error(s) in loading state_dict for {module._get_name()}:\n\t"
                           + "\n\t".join(errors))

    # pass 2: nothing can fail any more; copy the values in
    for target, arr in prepared:
        if assign:
            target._data = arr
        else:
            target._data[...] = arr
        target._vc[0] += 1
    return _IncompatibleKeys(missing, unexpected)
