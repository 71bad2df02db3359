"""Checkpoint files that loading can never turn into running code.

A checkpoint is any nest of dicts, lists, tuples, numbers, strings and tensors (a trainer's
state: model, optimizer, scheduler, epoch, History, RNG states). It is split in two:

* every tensor / array goes into a table ``{"t0": array, "t1": array, ...}``, written in
  the safetensors format (raw little-endian bytes behind a JSON header);
* the rest becomes JSON in which each tensor is a reference ``{"__tensor__": "t0"}``,
  stored in the safetensors header's ``__metadata__``. Tuples and dicts with non-string
  keys (an optimizer's per-parameter state is keyed by position) are tagged so that they
  come back as they were. Floats are written with ``repr``, so they round-trip bit for bit.

One file, written to a temporary name in the target folder, flushed and renamed over the
target (atomic: a crash leaves the old checkpoint intact).

Without the ``safetensors`` package (``pip install deepgrad[safetensors]``) the same two
parts are written with ``deepgrad.save`` instead, with a warning; ``deepgrad.load`` reads
them back with its restricted unpickler (arrays and plain containers only), so loading still
runs no code. Reading recognises both formats by their first bytes.
"""
import json
import os
import warnings

import numpy as np

from .._atomic import atomic_write
from ..serialization import load as _dg_load
from ..serialization import save as _dg_save
from ..tensor import Tensor
from .metrics import to_numpy

FORMAT = "deepgrad.train.checkpoint/1"


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read, or that does not fit what it is loaded into."""


# --- nest <-> (JSON-able tree, tensor table) ---------------------------------------------
def pack(obj):
    """Split ``obj`` into a JSON-able tree and a dict of NumPy arrays."""
    tensors = {}

    def enc(value, where):
        if isinstance(value, (Tensor, np.ndarray)):
            key = f"t{len(tensors)}"
            arr = to_numpy(value)   # not ascontiguousarray: it turns 0-d into 1-d
            tensors[key] = arr if arr.flags.c_contiguous else arr.copy(order="C")
            return {"__tensor__": key}
        if isinstance(value, np.generic):
            return value.item()
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, tuple):
            return {"__tuple__": [enc(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, list):
            return [enc(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            if all(isinstance(k, str) for k in value):
                return {k: enc(v, f"{where}.{k}") for k, v in value.items()}
            return {"__items__": [[enc(k, where), enc(v, f"{where}[{k!r}]")]
                                  for k, v in value.items()]}
        raise TypeError(f"cannot store {type(value).__name__} at {where} in a checkpoint: only "
                        f"tensors, arrays, numbers, strings, lists, tuples and dicts")

    return enc(obj, "checkpoint"), tensors


def unpack(tree, tensors):
    """Rebuild the nest written by :func:`pack` (tensors come back as CPU Tensors)."""
    def dec(value):
        if isinstance(value, list):
            return [dec(v) for v in value]
        if isinstance(value, dict):
            if "__tensor__" in value:
                key = value["__tensor__"]
                if key not in tensors:
                    raise CheckpointError(f"the checkpoint refers to tensor {key!r} which is "
                                          f"not in the file")
                return Tensor._make(np.array(tensors[key], copy=True))
            if "__tuple__" in value:
                return tuple(dec(v) for v in value["__tuple__"])
            if "__items__" in value:
                return {_key(dec(k)): dec(v) for k, v in value["__items__"]}
            return {k: dec(v) for k, v in value.items()}
        return value

    return dec(tree)


def _key(k):
    return tuple(k) if isinstance(k, list) else k


# --- files --------------------------------------------------------------------------------
def write(path, obj):
    """Write ``obj`` to ``path`` atomically (safetensors + JSON, or the fallback)."""
    tree, tensors = pack(obj)
    meta = json.dumps({"format": FORMAT, "tree": tree})
    try:
        from safetensors.numpy import save as st_save
    except ImportError:
        warnings.warn("safetensors is not installed (pip install deepgrad[safetensors]); "
                      "writing the checkpoint with deepgrad.save instead (still loaded "
                      "without running code)", RuntimeWarning, stacklevel=2)
        _dg_save({"format": FORMAT, "meta": meta, "tensors": tensors}, os.fspath(path))
        return
    _write_bytes(path, st_save(tensors, metadata={"deepgrad": meta}))


def read(path):
    """Read a file written by :func:`write`; a damaged file raises :class:`CheckpointError`."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CheckpointError(f"cannot read checkpoint {path!r}: {e}") from e
    try:
        # safetensors: an 8-byte little-endian header length, then the JSON header "{...".
        # The length's first byte may be 0x80, as a pickle's first byte is, so look at both.
        safetensors = (len(data) >= 9 and data[8:9] == b"{"
                       and int.from_bytes(data[:8], "little") <= len(data) - 8)
        if not safetensors and data[:1] == b"\x80":   # a pickle: the deepgrad.save fallback
            payload = _dg_load(path)
            meta, tensors = payload["meta"], payload["tensors"]
        else:
            meta, tensors = _read_safetensors(data)
        decoded = json.loads(meta)
    except CheckpointError:
        raise
    except Exception as e:  # noqa: BLE001 - any parse failure means a damaged file
        raise CheckpointError(f"checkpoint {path!r} is corrupt or truncated ({len(data)} "
                              f"bytes): {type(e).__name__}: {e}") from e
    if not isinstance(decoded, dict) or decoded.get("format") != FORMAT:
        raise CheckpointError(f"{path!r} is not a deepgrad.train checkpoint (format "
                              f"{decoded.get('format') if isinstance(decoded, dict) else None!r})")
    return unpack(decoded["tree"], tensors)


def _read_safetensors(data):
    if len(data) < 8:
        raise CheckpointError(f"file too short for a safetensors header ({len(data)} bytes)")
    n = int.from_bytes(data[:8], "little")
    if 8 + n > len(data):
        raise CheckpointError(f"the header claims {n} bytes but the file has {len(data) - 8}")
    header = json.loads(data[8:8 + n])
    end = max([v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"],
              default=0)
    if 8 + n + end != len(data):
        raise CheckpointError(f"the tensors need {end} bytes after the header but the file "
                              f"holds {len(data) - 8 - n}")
    meta = (header.get("__metadata__") or {}).get("deepgrad")
    if meta is None:
        raise CheckpointError("a safetensors file without deepgrad's metadata")
    try:
        from safetensors.numpy import load as st_load
    except ImportError:
        raise ImportError("reading this checkpoint needs safetensors: "
                          "pip install deepgrad[safetensors]") from None
    return meta, st_load(data)


# --- model weights alone ------------------------------------------------------------------
def save_weights(model, path):
    """Write ``model.state_dict()`` alone (atomically, same format)."""
    write(path, {"kind": "weights", "model_class": type(model).__name__,
                 "model": model.state_dict()})


def load_weights(model, path, strict=True):
    """Load weights written by :func:`save_weights` (or a whole trainer checkpoint)."""
    state = read(path)
    check_model_keys(model, state["model"], path, state.get("model_class"), strict)
    return model.load_state_dict(state["model"], strict=strict)


def check_model_keys(model, saved, path, saved_class=None, strict=True):
    """Raise CheckpointError naming every missing, unexpected and mis-shaped key."""
    own = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in saved.items()}
    missing = [k for k in own if k not in theirs]
    unexpected = [k for k in theirs if k not in own]
    shapes = [f"{k}: {list(theirs[k])} in the checkpoint, {list(own[k])} in the model"
              for k in own if k in theirs and own[k] != theirs[k]]
    if shapes or (strict and (missing or unexpected)):
        parts = []
        if missing:
            parts.append("missing keys: " + ", ".join(missing))
        if unexpected:
            parts.append("unexpected keys: " + ", ".join(unexpected))
        if shapes:
            parts.append("shape mismatches: " + "; ".join(shapes))
        raise CheckpointError(f"checkpoint {os.fspath(path)!r} was saved from another "
                              f"architecture ({saved_class or '?'}; this model is "
                              f"{type(model).__name__}): " + " | ".join(parts))


def _write_bytes(path, data):
    atomic_write(path, lambda out: out.write(data))
