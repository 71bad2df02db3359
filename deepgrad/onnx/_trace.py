"""Run the model once on the example inputs and keep what the exporter needs.

Two things are recorded:

* The autograd graph. The float inputs are given ``requires_grad=True``, so every
  op that depends on them leaves a node (its ``grad_fn``) that remembers its op
  class, its input Tensors and its attributes. Walking that graph back from the
  outputs visits exactly the computation from inputs to outputs, whatever Python
  code produced it (``x.view(x.size(0), -1)``, ``F.relu``, ``torch.cat``...).
  Ops that touch only constants leave no node: they are folded into constants.

* Calls of layers that have an exporter of their own (Conv2d, LSTM...). A forward
  hook replaces each output of such a call by a fresh leaf Tensor, a *placeholder*
  with the same values, so the graph walk stops there and hands the layer to its
  exporter, which reads the layer's settings from its attributes. Fused layers
  (an LSTM is one graph node per layer) are exported from these records.

Each node is also labelled with the path of the innermost module that created
it, so an error can say where an unsupported op sits in the model.
"""
import inspect

from ..tensor import Tensor


class ModuleCall:
    """One call of a layer with an exporter: its arguments and its outputs."""

    def __init__(self, path, module, arguments, outputs):
        self.path = path                # "features.0" ("" for the model itself)
        self.module = module
        self.arguments = arguments      # forward's parameter name -> value passed
        self.outputs = outputs          # the real outputs, flattened (Tensors or None)

    def tensors(self):
        """Every Tensor passed in (inside tuples too), in argument order."""
        return [t for v in self.arguments.values() for t in _flatten(v) if isinstance(t, Tensor)]

    def where(self):
        return describe_path(self.path, self.module)


def describe_path(path, module):
    return f"'{path or '<model>'}' ({type(module).__name__})"


class Trace:
    """Runs ``model(*args, **kwargs)`` with recording hooks; see the module docstring."""

    def __init__(self, model, has_exporter):
        self.model = model
        self.has_exporter = has_exporter    # module -> bool
        self.calls = {}                     # id(placeholder) -> (ModuleCall, output index)
        self.node_paths = {}                # id(node) -> description of the module that made it
        self._keep = []                     # placeholders and nodes stay alive, ids unique

    def run(self, args, kwargs):
        handles = []
        try:
            for path, module in self.model.named_modules():
                hook = self._hook(path, module)
                handles.append(module.register_forward_hook(hook, with_kwargs=True))
            return self.model(*args, **kwargs)
        finally:
            for h in handles:
                h.remove()

    def _hook(self, path, module):
        wanted = self.has_exporter(module)

        def hook(mod, args, kwargs, output):
            self._label(output, args, kwargs, describe_path(path, mod))
            if not wanted:
                return None
            call = ModuleCall(path, mod, _bind(mod, args, kwargs), _flatten(output))
            return self._placeholders(output, call, iter(range(len(call.outputs))))
        return hook

    def _placeholders(self, value, call, counter):
        """The output with each Tensor replaced by a leaf standing for ``call``'s output."""
        if isinstance(value, (tuple, list)):
            parts = [self._placeholders(v, call, counter) for v in value]
            return type(value)(parts) if not hasattr(value, "_fields") else type(value)(*parts)
        index = next(counter)
        if not isinstance(value, Tensor):
            return value
        stand_in = value.detach()
        if stand_in.dtype.is_floating_point:
            stand_in.requires_grad_(True)
        self.calls[id(stand_in)] = (call, index)
        self._keep.append(stand_in)
        return stand_in

    def _label(self, output, args, kwargs, where):
        """Label the nodes between this call's inputs and outputs that have no label yet."""
        stop = {id(t.grad_fn) for t in _flatten((args, kwargs)) if isinstance(t, Tensor)}
        stack = [t.grad_fn for t in _flatten(output) if isinstance(t, Tensor)]
        while stack:
            node = stack.pop()
            if node is None or id(node) in stop or id(node) in self.node_paths:
                continue
            self.node_paths[id(node)] = where
            self._keep.append(node)
            stack.extend(t.grad_fn for t in node.inputs if t is not None)


def _bind(module, args, kwargs):
    """forward's arguments by name (defaults left out), so exporters read ``hx`` by name."""
    try:
        bound = inspect.signature(module.forward).bind(*args, **kwargs)
    except TypeError:
        return {**{f"arg{i}": a for i, a in enumerate(args)}, **kwargs}
    return dict(bound.arguments)


def _flatten(value):
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in _flatten(v)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flatten(v)]
    return [value]
