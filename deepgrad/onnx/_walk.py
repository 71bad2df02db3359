"""Turn a recorded run (``_trace.Trace``) into ONNX nodes, from the outputs backwards.

Every Tensor met on the way is one of four things:

* a graph input (one of the example inputs),
* a placeholder for the output of a layer call that has its own exporter,
* the output of an autograd node (an op such as ``Reshape`` or ``Add``),
* a leaf constant (a parameter, a buffer, or a value computed without the inputs),
  which becomes an initializer.

The walk is an explicit stack, not recursion, so deep models do not hit Python's
recursion limit; a value is emitted only after all the values it reads, which
gives the node list ONNX wants (each input defined before it is used).
"""
from .errors import UnsupportedOperatorError


class Walker:
    def __init__(self, g, trace, input_names, op_exporters, module_exporter):
        self.g = g
        self.trace = trace
        self.op_exporters = op_exporters        # node class -> exporter
        self.module_exporter = module_exporter  # module -> exporter or None
        self.names = {("input", i): [n] for i, n in input_names.items()}  # key -> output names

    def name(self, t):
        """The ONNX name of Tensor ``t``, emitting whatever produces it first."""
        stack = [t]
        while stack:
            top = stack[-1]
            key = self._key(top)
            if key in self.names:
                stack.pop()
                continue
            missing = [d for d in self._reads(top, key) if self._key(d) not in self.names]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            self._emit(top, key)
        key = self._key(t)
        return self.names[key][key[-1] if key[0] in ("call", "node") else 0]

    # --- the four kinds of values -------------------------------------------------
    def _key(self, t):
        if ("input", id(t)) in self.names:
            return ("input", id(t))
        record = self.trace.calls.get(id(t))
        if record is not None:
            return ("call", id(record[0]), record[1])
        if t.grad_fn is not None:
            return ("node", id(t.grad_fn), getattr(t, "_out_index", 0) or 0)
        return ("const", id(t))

    def _reads(self, t, key):
        if key[0] == "call":
            return self.trace.calls[id(t)][0].tensors()
        if key[0] == "node":
            return [x for x in t.grad_fn.inputs if x is not None]
        return []

    def _emit(self, t, key):
        kind = key[0]
        if kind == "const":
            self.names[key] = [self.g.tensor(t)]
        elif kind == "call":
            self._emit_call(self.trace.calls[id(t)][0])
        else:
            self._emit_node(t)

    def _emit_call(self, call):
        exporter = self.module_exporter(call.module)
        outs = list(exporter(self.g, call, self.name))
        for i, out in enumerate(outs):
            self.names[("call", id(call), i)] = outs

    def _emit_node(self, t):
        node = t.grad_fn
        exporter = self.op_exporters.get(type(node))
        if exporter is None:
            where = self.trace.node_paths.get(id(node), "the model's forward code")
            raise UnsupportedOperatorError(
                f"deepgrad.onnx.export has no exporter for the op {type(node).__name__} "
                f"(grad_fn {node.name()}), used in {where}. Nothing was written.")
        ins = [None if x is None else self.name(x) for x in node.inputs]
        out = exporter(self.g, node, ins, t)
        index = getattr(t, "_out_index", 0) or 0
        outs = self.names.setdefault(("node", id(node), index), [None] * (index + 1))
        outs[index] = out
