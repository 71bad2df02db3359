"""``add_graph``: a model's computation graph as a TensorBoard ``GraphDef``.

torch traces the model with its JIT; deepgrad already records every op of a forward pass
as a node of the autograd graph (``tensor.grad_fn``, whose ``inputs`` are the edges), so
running the model once with gradients on gives the graph. Forward hooks on every
submodule tell which module ran each op: a hook walks back from the module's output and
claims every node not yet claimed, stopping at the module's inputs. Inner modules finish
first, so each op belongs to the innermost module that ran it. Names follow torch's
layout, ``Net/Linear[fc1]/Linear_0``, so TensorBoard folds each module into a box.
"""
from collections import Counter, deque

from ...autograd import enable_grad
from ...tensor import Tensor
from ._protos import graph_modules


def _tensors(obj):
    """The tensors in a (nested) output or argument structure."""
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for item in obj for t in _tensors(item)]
    if isinstance(obj, dict):
        return [t for item in obj.values() for t in _tensors(item)]
    return []


def _module_scopes(model):
    """``{module id: "Net/Linear[fc1]"}`` and ``{dotted name: scope}``."""
    by_name = {"": type(model).__name__}
    by_id = {}
    for name, module in model.named_modules():
        if name:
            parent, _, last = name.rpartition(".")
            by_name[name] = f"{by_name[parent]}/{type(module).__name__}[{last}]"
        by_id[id(module)] = by_name[name]
    return by_id, by_name


def _record(model, inputs):
    """Run ``model(*inputs)`` in eval mode with gradients on; return the outputs and the
    scope of every autograd node it made."""
    scope_of_module, _ = _module_scopes(model)
    node_scope = {}

    def claim(module, args, output):
        boundary = {id(t.grad_fn) for t in _tensors(args) if t.grad_fn is not None}
        todo = deque(t.grad_fn for t in _tensors(output) if t.grad_fn is not None)
        while todo:
            node = todo.popleft()
            if id(node) in node_scope or id(node) in boundary:
                continue
            node_scope[id(node)] = scope_of_module[id(module)]
            todo.extend(t.grad_fn for t in node.inputs
                        if t is not None and t.grad_fn is not None)

    modes = {id(m): m.training for m in model.modules()}
    handles = [m.register_forward_hook(claim) for m in model.modules()]
    try:
        model.eval()  # as torch's tracer: no dropout, no running-statistics update
        with enable_grad():
            outputs = model(*inputs)
    finally:
        for h in handles:
            h.remove()
        for m in model.modules():
            m.training = modes[id(m)]
    return outputs, node_scope


def _shape_attr(pb, shapes):
    protos = [pb.TensorShapeProto(dim=[pb.TensorShapeProto.Dim(size=d) for d in s])
              if s is not None else pb.TensorShapeProto(unknown_rank=True) for s in shapes]
    return pb.AttrValue(list=pb.AttrValue.ListValue(shape=protos))


def model_graph(model, input_to_model):
    """The ``GraphDef`` of one forward pass of ``model`` on ``input_to_model`` (a tensor
    or a tuple/list of tensors)."""
    pb = graph_modules()
    raw = input_to_model if isinstance(input_to_model, (tuple, list)) else (input_to_model,)
    # float inputs become leaves that require grad, so that every op on them is recorded
    inputs = [x.detach().requires_grad_(True)
              if isinstance(x, Tensor) and x.dtype.is_floating_point else x for x in raw]
    outputs, node_scope = _record(model, inputs)
    out_tensors = _tensors(outputs)
    if not any(t.grad_fn is not None for t in out_tensors):
        raise ValueError("add_graph: the model's output does not depend on any parameter or "
                         "floating-point input, so no operation was recorded")
    _, scope_by_name = _module_scopes(model)
    root = scope_by_name[""]
    leaf_names = {}
    for kind in ("named_parameters", "named_buffers"):
        for name, t in getattr(model, kind)():
            owner, _, last = name.rpartition(".")
            leaf_names[id(t)] = f"{scope_by_name[owner]}/{last}"
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor):
            leaf_names[id(x)] = f"input/input.{i}"

    nodes, shapes, order = {}, {}, []  # id -> node, (id, index) -> shape, visit order
    todo = deque(out_tensors)
    seen_tensors = set()
    while todo:
        t = todo.popleft()
        if t is None or id(t) in seen_tensors:
            continue
        seen_tensors.add(id(t))
        node = t.grad_fn
        if node is None:
            continue
        shapes[(id(node), getattr(t, "_out_index", 0))] = tuple(t.shape)
        if id(node) not in nodes:
            nodes[id(node)] = node
            order.append(node)
            todo.extend(node.inputs)

    names, counts, defs, used = {}, Counter(), [], set()
    for node in reversed(order):  # inputs before the ops that use them
        scope = node_scope.get(id(node), root)
        op = type(node).__name__
        names[id(node)] = f"{scope}/{op}_{counts[scope, op]}"
        counts[scope, op] += 1

    def edge(t, scope):
        if t.grad_fn is not None:
            index = getattr(t, "_out_index", 0)
            return names[id(t.grad_fn)] + (f":{index}" if index else "")
        if id(t) not in leaf_names:  # a tensor made inside forward: a constant
            name = f"{scope}/Constant_{counts[scope, 'Constant']}"
            counts[scope, "Constant"] += 1
            leaf_names[id(t)] = name
            defs.append(pb.NodeDef(name=name, op="Constant",
                                   attr={"_output_shapes": _shape_attr(pb, [tuple(t.shape)])}))
        used.add(id(t))
        return leaf_names[id(t)]

    for node in reversed(order):
        scope = node_scope.get(id(node), root)
        ins = [edge(t, scope) for t in node.inputs if t is not None]
        n_out = getattr(node, "_n_out", 1)
        out_shapes = [shapes.get((id(node), i)) for i in range(n_out)]
        defs.append(pb.NodeDef(name=names[id(node)], op=type(node).__name__, input=ins,
                               attr={"_output_shapes": _shape_attr(pb, out_shapes)}))
    leaves = [pb.NodeDef(name=leaf_names[id(x)], op="IO Node",
                         attr={"_output_shapes": _shape_attr(pb, [tuple(x.shape)])})
              for x in inputs if isinstance(x, Tensor)]
    for _, t in list(model.named_parameters()) + list(model.named_buffers()):
        if id(t) in used:  # only what this forward pass read
            leaves.append(pb.NodeDef(name=leaf_names[id(t)], op="Parameter", attr={
                "_output_shapes": _shape_attr(pb, [tuple(t.shape)])}))
    for i, t in enumerate(out_tensors):
        leaves.append(pb.NodeDef(name=f"output/output.{i}", op="IO Node",
                                 input=[edge(t, root)],
                                 attr={"_output_shapes": _shape_attr(pb, [tuple(t.shape)])}))
    return pb.GraphDef(node=leaves + defs, versions=pb.VersionDef(producer=22))
