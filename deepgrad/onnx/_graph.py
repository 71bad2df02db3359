"""``GraphBuilder``: the ONNX graph being written, as lists of nodes and initializers.

Exporters never touch protobuf objects directly: they call ``g.op("Relu", [x])``,
which appends a node and returns the name of its output, and ``g.const(array)``
or ``g.tensor(t)``, which store a weight and return its name. An ONNX graph is a
list of nodes whose inputs and outputs are *names*; a name is produced by exactly
one node, one graph input or one initializer (a stored constant).

Parameters and buffers of the model keep their ``state_dict`` names in the file
(``"0.weight"``), as in PyTorch's exporter, so a reader can find them.
"""
import numpy as np

from ..tensor import Tensor
from .errors import UnsupportedOperatorError


class GraphBuilder:
    """Collects nodes and initializers; ``onnx`` is the imported ``onnx`` package."""

    def __init__(self, onnx, opset, tensor_names, twins=None):
        self.onnx = onnx
        self.opset = opset
        self.nodes = []
        self.initializers = []
        self._taken = set()
        self._tensor_names = tensor_names   # id(parameter or buffer) -> its state_dict name
        self._stored = {}                   # id(tensor) -> initializer name, to store it once
        self._keep = []                     # the tensors behind _stored (ids stay unique)
        self._twins = twins or {}           # id(traced value) -> its shape in the probe run
        self._size_sources = {}             # (size, probe size) -> (graph input, axis)
        self._sizes = {}                    # the same key -> ONNX name of that size, once

    def twin_shape(self, t):
        """The shape ``t`` had in the second run on resized inputs (``_probe``); sizes that
        differ from ``t.shape`` follow a dynamic axis."""
        return self._twins.get(id(t), tuple(t.shape))

    def add_size_source(self, name, t):
        """Graph input ``name``'s dynamic axes become sources of sizes (``dynamic_size``)."""
        for axis, (n, n2) in enumerate(zip(t.shape, self.twin_shape(t))):
            if n != n2:
                self._size_sources.setdefault((n, n2), (name, axis))

    def dynamic_size(self, n, n2):
        """A 1-D int64 value holding the run-time size of the input axis that had size ``n``
        when traced and ``n2`` in the probe run (``Gather(Shape(input), [axis])``), or None
        when no input axis matches."""
        key = (int(n), int(n2))
        if key not in self._sizes:
            source = self._size_sources.get(key)
            if source is None:
                return None
            name, axis = source
            self._sizes[key] = self.op("Gather", [self.op("Shape", [name]),
                                                  self.ints([axis], "axis")], axis=0)
        return self._sizes[key]

    def shape_value(self, parts):
        """A 1-D int64 shape from ``parts``: ints, or names of 1-D int64 values (one size
        each); a constant when every part is an int, else a Concat."""
        if all(isinstance(p, int) for p in parts):
            return self.ints(parts)
        pieces = [p if isinstance(p, str) else self.ints([p]) for p in parts]
        return self.op("Concat", pieces, axis=0)

    # --- names ------------------------------------------------------------
    def fresh(self, hint):
        """A name not used yet in this graph, built from ``hint``."""
        hint = hint or "v"
        name, k = hint, 1
        while name in self._taken:
            name, k = f"{hint}_{k}", k + 1
        self._taken.add(name)
        return name

    def reserve(self, name):
        """Claim an exact name (a graph input or output chosen by the user)."""
        if name in self._taken:
            raise ValueError(f"the name {name!r} is used twice in the exported graph")
        self._taken.add(name)
        return name

    # --- nodes ------------------------------------------------------------
    def op(self, op_type, inputs, outputs=1, **attrs):
        """Append a node; return its output name (or a list of names when ``outputs`` > 1).

        An input of ``None`` is an omitted optional input (ONNX writes ``""``).
        Attributes with the value ``None`` are left out.
        """
        names = [self.fresh(f"{op_type}_out") for _ in range(outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        ins = ["" if i is None else i for i in inputs]
        while ins and ins[-1] == "":
            ins.pop()
        self.nodes.append(self.onnx.helper.make_node(
            op_type, ins, names, name=self.fresh(op_type), **attrs))
        return names[0] if outputs == 1 else names

    # --- constants --------------------------------------------------------
    def const(self, array, hint="const"):
        """Store ``array`` as an initializer and return its name."""
        array = np.asarray(array)
        name = self.fresh(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def ints(self, values, hint="shape"):
        """A 1-D int64 constant (shapes, axes, pads: ONNX takes them as int64 tensors)."""
        return self.const(np.asarray(list(values), dtype=np.int64), hint)

    def scalar(self, value, like, hint="scalar"):
        """A 0-d constant of the dtype of the Tensor ``like``."""
        return self.const(np.asarray(value, dtype=like._data.dtype), hint)

    def tensor(self, t, hint="const"):
        """The initializer of a Tensor that the graph reads as a constant.

        A parameter or buffer is stored once under its ``state_dict`` name.
        """
        key = id(t)
        if key not in self._stored:
            name = self._tensor_names.get(key, hint)
            data = t._data if isinstance(t, Tensor) else t
            self._stored[key] = self.const(_to_numpy(data), name)
            self._keep.append(t)
        return self._stored[key]

    # --- small compositions shared by exporters ------------------------------
    def reduce(self, op_type, x, axes, keepdims):
        """ReduceMean/ReduceSum/ReduceMax... over ``axes``: an input from opset 18 on
        (ReduceSum from 13), an attribute before."""
        axes = [int(a) for a in axes]
        takes_input = self.opset >= (13 if op_type == "ReduceSum" else 18)
        if takes_input:
            return self.op(op_type, [x, self.ints(axes, "axes")], keepdims=int(keepdims))
        return self.op(op_type, [x], axes=axes, keepdims=int(keepdims))

    def unsqueeze(self, x, axes):
        """Insert axes of size 1: ``axes`` are an input from opset 13 on, an attribute before."""
        if self.opset >= 13:
            return self.op("Unsqueeze", [x, self.ints(axes, "axes")])
        return self.op("Unsqueeze", [x], axes=list(axes))

    def squeeze(self, x, axes):
        if self.opset >= 13:
            return self.op("Squeeze", [x, self.ints(axes, "axes")])
        return self.op("Squeeze", [x], axes=list(axes))

    def clip(self, x, lo, hi, like):
        """Clamp to [lo, hi] (either may be None): inputs from opset 11 on, attributes before."""
        if self.opset >= 11:
            return self.op("Clip", [x, None if lo is None else self.scalar(lo, like),
                                    None if hi is None else self.scalar(hi, like)])
        return self.op("Clip", [x], min=None if lo is None else float(lo),
                       max=None if hi is None else float(hi))

    def pad(self, x, pads, mode="constant", value=0.0, like=None):
        """Pad with ``pads`` (every axis's start, then every axis's end): inputs from opset 11
        on, attributes before."""
        if self.opset >= 11:
            fill = None if mode != "constant" else self.scalar(value, like)
            return self.op("Pad", [x, self.ints(pads, "pads"), fill], mode=mode)
        return self.op("Pad", [x], pads=list(pads), mode=mode,
                       value=float(value) if mode == "constant" else None)

    def require_opset(self, version, what):
        if self.opset < version:
            raise UnsupportedOperatorError(f"{what} needs opset_version {version} or more "
                                           f"(asked for {self.opset})")

    def softmax(self, op_type, x, axis, ndim):
        """Softmax or LogSoftmax along one axis. Before opset 13 these ops flattened every
        axis from ``axis`` on into one, so another axis is first swapped to the end."""
        axis = axis % max(ndim, 1)
        if self.opset >= 13 or axis == ndim - 1:
            return self.op(op_type, [x], axis=axis)
        perm = list(range(ndim))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        y = self.op(op_type, [self.op("Transpose", [x], perm=perm)], axis=ndim - 1)
        return self.op("Transpose", [y], perm=perm)

    def transpose_last2(self, x, ndim):
        perm = list(range(ndim))
        perm[-2], perm[-1] = perm[-1], perm[-2]
        return self.op("Transpose", [x], perm=perm)


def _to_numpy(data):
    """The array on the host (a CuPy array has ``.get()``)."""
    return data.get() if hasattr(data, "get") and not isinstance(data, np.ndarray) else data
