"""``deepgrad.save`` and ``deepgrad.load``: PyTorch's checkpoint functions.

A checkpoint is a pickle of any mix of dicts, lists, tuples, numbers, strings and
tensors (``model.state_dict()``, ``optimizer.state_dict()``, an epoch count...).
Tensors are stored as NumPy arrays plus their device.

Saving to a path is atomic: the bytes go to a temporary file in the same folder,
which is flushed to disk and then renamed over the target. A crash or an error
while saving leaves the previous checkpoint intact, never a half-written one.

Loading uses, as PyTorch does by default, a restricted unpickler
(``weights_only=True``): only tensors, NumPy arrays and plain containers can be
rebuilt, so a checkpoint from an untrusted source cannot run code. Pass
``weights_only=False`` for trusted files holding other objects.
"""
import io
import os
import pickle

from ._atomic import atomic_write
from .backend import device as Device

# the device new tensors are rebuilt on while loading with map_location
_load_device = None


def save(obj, f, pickle_protocol=pickle.DEFAULT_PROTOCOL):
    """Write ``obj`` to ``f`` (a path or a binary file object).

    Example::

        deepgrad.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3},
                      "checkpoint.pt")
    """
    if hasattr(f, "write"):
        pickle.dump(obj, f, protocol=pickle_protocol)
        return
    atomic_write(f, lambda out: pickle.dump(obj, out, protocol=pickle_protocol),
                 make_folder=False)


_SAFE = {
    ("deepgrad.tensor", "_rebuild"),
    ("collections", "OrderedDict"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "complex"),
    ("builtins", "slice"), ("builtins", "range"),
    # torch also allows it by default: a Parameter is rebuilt as a Parameter
    ("deepgrad.nn.parameter", "_rebuild_parameter"),
}

# classes and functions the user allowed (add_safe_globals / safe_globals), in order
_user_safe_globals = []


def _allowed_names():
    names = set()
    for entry in _user_safe_globals:
        if isinstance(entry, tuple):  # (object, "module.Name") as in torch
            module, _, name = entry[1].rpartition(".")
        else:
            module, name = entry.__module__, entry.__qualname__
        names.add((module, name))
    return names


def add_safe_globals(safe_globals):
    """Allow these classes/functions in ``weights_only`` loads (as torch's: e.g. the
    classes of a whole pickled model). An entry may be ``(obj, "module.Name")``."""
    for entry in safe_globals:
        if not (callable(entry) or (isinstance(entry, tuple) and len(entry) == 2
                                    and isinstance(entry[1], str))):
            raise TypeError(f"safe globals must be classes, functions or (object, "
                            f"'module.Name') pairs, got {entry!r}")
    _user_safe_globals.extend(safe_globals)


def get_safe_globals():
    return list(_user_safe_globals)


def clear_safe_globals():
    _user_safe_globals.clear()


class safe_globals:  # noqa: N801 - torch's name; a context manager
    """``with deepgrad.serialization.safe_globals([MyModel, nn.Linear]): deepgrad.load(f)``:
    the listed globals are allowed inside the block only."""

    def __init__(self, safe_globals):
        self.safe_globals = list(safe_globals)

    def __enter__(self):
        self._saved = get_safe_globals()
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc_info):
        _user_safe_globals[:] = self._saved
        return False


class _WeightsUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _SAFE or (module.startswith("numpy") and name.endswith("DType")) \
                or (module, name) in _allowed_names():
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"weights_only load refused to rebuild {module}.{name}: only tensors, NumPy arrays "
            f"and plain containers are allowed. Use deepgrad.load(..., weights_only=False) "
            f"only for a file you trust.")


def load(f, map_location=None, weights_only=True):
    """Read an object written by :func:`save` from ``f`` (a path or a binary file object).

    ``map_location`` (``"cpu"``, ``"cuda:0"`` or a device) rebuilds every tensor there
    instead of on the device it was saved from.
    """
    global _load_device
    target = Device(map_location) if map_location is not None else None
    if hasattr(f, "read"):
        data = f.read()
    else:
        with open(os.fspath(f), "rb") as src:
            data = src.read()
    unpickler = (_WeightsUnpickler if weights_only else pickle.Unpickler)(io.BytesIO(data))
    previous, _load_device = _load_device, target
    try:
        return unpickler.load()
    finally:
        _load_device = previous


__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals",
           "safe_globals"]
