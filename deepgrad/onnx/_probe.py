"""A second run on changed inputs: catches frozen values and finds the sizes that vary.

The trace sees only what autograd records. A value computed from the inputs
*without* a graph node — a comparison mask ``(x > 0).float()``, ``argmax``,
``x.detach()``, integer arithmetic, code under ``no_grad`` — reaches the walk as
a plain constant, and the file would replay the traced example's value forever.
Sizes read in Python (``x.size(0)``) are frozen the same way.

So the model runs a second time on *probe* inputs: every axis named in
``dynamic_axes`` one longer (its first slice repeated), elements rolled by one
along the last axis (float ones also scaled by a random factor in [0.75, 1.25]:
signs and rough ranges kept; integers and booleans only moved, so indices stay in
range). Both runs are visited from the outputs in the same fixed order and compared:

* a different sequence of ops means Python control flow on tensor values;
* a constant that changed was computed from the inputs (its reader is named);
* every other value is paired with its twin, and the sizes that differ between
  the twins are the dynamic ones: exporters ask ``g.twin_shape(t)`` and write
  ``0``, ``-1`` or the input's run-time size for them instead of the traced number.
"""
import numpy as np

from ..backend import array_module
from ..tensor import Tensor
from ._graph import _to_numpy
from .errors import OnnxExporterError


def probe_inputs(inputs, dynamic, seed=0):
    """The probe inputs (module docstring); ``dynamic[i]`` is the set of input i's dynamic axes."""
    rng = np.random.default_rng(seed)
    out = []
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            out.append(t)
            continue
        data, kind = _to_numpy(t._data), t._data.dtype.kind
        for axis in sorted(dynamic.get(i, ())):
            data = np.concatenate([data, np.take(data, [0], axis=axis)], axis=axis)
        axes = [a for a in range(data.ndim) if data.shape[a] > 1]
        if axes and kind in "fbiu":
            data = np.roll(data, 1, axis=axes[-1])   # every element moves
            if kind == "f":
                data = data * rng.uniform(0.75, 1.25, data.shape).astype(data.dtype)
        xp = array_module(t._device)   # back to the input's device
        probe = Tensor._make(xp.ascontiguousarray(xp.asarray(data)), t._device)
        if kind == "f":
            probe.requires_grad_(True)
        out.append(probe)
    return out


def visit(trace, outputs, input_ids, skip_ids):
    """Every value from the outputs back, in a fixed order: a list of (tensor, kind, reader).

    kind: "input", "const", or the op / layer class name; reader: who reads a constant.
    """
    visited, seen = [], set()
    stack = [(t, "the model's output") for t in reversed(outputs)]
    while stack:
        t, reader = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        record = trace.calls.get(id(t))
        if id(t) in input_ids:
            visited.append((t, "input", reader))
        elif record is not None:
            call = record[0]
            visited.append((t, type(call.module).__name__, reader))
            visited.append((call.outputs[record[1]], "call output", reader))
            stack.extend((x, call.where()) for x in reversed(call.tensors()))
        elif t.grad_fn is not None:
            node = t.grad_fn
            visited.append((t, type(node).__name__, reader))
            where = f"{type(node).__name__} in {trace.node_paths.get(id(node), 'forward')}"
            stack.extend((x, where) for x in reversed(node.inputs) if x is not None)
        else:
            visited.append((t, "param" if id(t) in skip_ids else "const", reader))
    return visited


def compare(first, second):
    """Check the two runs agree (module docstring); return {id(value): its twin's shape}."""
    if [k for _, k, _ in first] != [k for _, k, _ in second]:
        raise OnnxExporterError(
            "the model runs different ops when the input values or sizes change (Python "
            "control flow on tensor values); a traced export would be wrong for other "
            "inputs. Nothing was written.")
    twins = {}
    for (a, kind, reader), (b, _, _) in zip(first, second):
        if kind == "const":
            x, y = _to_numpy(a._data), _to_numpy(b._data)
            if x.shape != y.shape or not np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"):
                raise OnnxExporterError(
                    f"a value computed from the inputs' values or sizes without autograd "
                    f"(shape {list(x.shape)}, {a.dtype}; read by {reader}) would be stored as "
                    "a constant: comparisons, argmax, .detach(), integer arithmetic, no_grad "
                    "code and tensors made with sizes read from the inputs cannot be traced. "
                    "Nothing was written.")
        if a is not None and b is not None:
            twins[id(a)] = tuple(b.shape)
    return twins
