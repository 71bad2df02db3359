"""``deepgrad.onnx.export``: write a model as an ONNX file, with ``torch.onnx.export``'s API.

How it works:

1. ``_trace``: the model runs in eval mode on the example inputs while the
   autograd graph and the calls of layers with an exporter are recorded.
2. ``_probe``: it runs again on changed inputs (dynamic axes one longer, values
   moved); the two records must agree, which catches values frozen by the trace,
   and their differing sizes say which sizes follow the dynamic axes.
3. ``_walk``: the record is walked back from the outputs and each op or layer is
   written by its exporter (``registry``, one file per family).
4. ``onnx.checker.check_model``, and only then the file is written, atomically
   (a temporary file renamed over the target).

Any failure (an op without an exporter, named with its place in the model; a
value the trace would freeze) happens before a byte is written.
"""
import inspect
import os

import numpy as np

from .._atomic import atomic_write
from ..autograd import grad_mode
from ..nn.modules.module import Module
from ..tensor import Tensor
from . import _probe, _state
from ._graph import GraphBuilder
from ._trace import Trace, _flatten
from ._walk import Walker
from .errors import OnnxExporterError
from .registry import OP_EXPORTERS, module_exporter

DEFAULT_OPSET = 20   # torch 2.13's default
MIN_OPSET = 10       # exporters write older forms where an op changed (see _graph.py)
MAX_OPSET = 23


def export(model, args=(), f=None, *, kwargs=None, export_params=True, verbose=None,
           input_names=None, output_names=None, opset_version=None, dynamic_axes=None,
           keep_initializers_as_inputs=False, do_constant_folding=True, dynamo=False,
           training=None, external_data=False, dynamic_shapes=None, optimize=False,
           verify=False, report=False):
    """Export ``model`` to ONNX, tracing it on ``args``.

    Args:
        model: an ``nn.Module``.
        args: a Tensor or a tuple of example inputs (a trailing dict is taken as
            keyword arguments, as in PyTorch).
        f: a path or a binary file object; ``None`` writes nothing and returns the
            ``onnx.ModelProto``.
        kwargs: keyword arguments for ``model``.
        export_params: store the weights in the file (only ``True`` is supported).
        verbose: print the graph.
        input_names, output_names: names of the graph's inputs and outputs (flattened).
        opset_version: ONNX opset, 10 to 23 (default 20).
        dynamic_axes: ``{name: {axis: "dim_name"}}`` or ``{name: [axes]}``: axes
            whose size is free in the file (typically the batch axis).
        keep_initializers_as_inputs: also list the weights as graph inputs.
        do_constant_folding: accepted; ops on constants are always folded while tracing.
        dynamo, external_data, optimize: PyTorch's switches between its exporters
            and their passes; accepted, there is one exporter here.
        training, dynamic_shapes, verify, report: only their defaults (eval mode;
            ``dynamic_axes`` instead of ``dynamic_shapes``); others raise.

    Returns ``None`` when ``f`` is given, else the ``onnx.ModelProto``.

    Example::

        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        deepgrad.onnx.export(model, deepgrad.randn(1, 4), "mlp.onnx",
                             input_names=["x"], output_names=["y"],
                             dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    """
    try:
        import onnx
    except ImportError:
        raise ImportError("deepgrad.onnx.export needs the onnx package: "
                          "pip install deepgrad[onnx]") from None
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    _check_options(model, opset, export_params, dynamic_shapes, training, f)
    if verify or report:
        raise NotImplementedError("verify=True and report=True belong to torch's dynamo "
                                  "exporter; run the file in onnxruntime to check it")
    args, kwargs = _split_args(args, kwargs)

    inputs, in_names, split = _example_inputs(model, args, kwargs, input_names)
    tensor_names = {id(t): n for n, t in list(model.named_parameters())
                    + list(model.named_buffers())}
    trace = Trace(model, lambda m: module_exporter(m) is not None)
    result = _traced_run(model, trace, *split(inputs))
    outputs = [o for o in _flatten(result) if o is not None]   # torch drops None outputs
    if not outputs or not all(isinstance(o, Tensor) for o in outputs):
        kinds = [type(o).__name__ for o in outputs]
        raise ValueError(f"deepgrad.onnx.export: the model must return Tensors (possibly in "
                         f"tuples or lists); it returned {kinds}")
    out_names = _output_names(output_names, len(outputs))
    named_inputs = {n: t for n, t in zip(in_names, inputs) if n is not None}
    axes = _dynamic_axes(dynamic_axes, named_inputs, dict(zip(out_names, outputs)))

    dynamic = {i: set(axes.get(n, ())) for i, n in enumerate(in_names) if n is not None}
    twins = _probe_run(model, trace, inputs, split, outputs, tensor_names, dynamic)

    g = GraphBuilder(onnx, opset, tensor_names, twins)
    graph_inputs = list(named_inputs.items())
    for name, t in graph_inputs:
        g.reserve(name)
        g.add_size_source(name, t)
    for name in out_names:
        g.reserve(name)
    walker = Walker(g, trace, {id(t): n for n, t in graph_inputs}, OP_EXPORTERS, module_exporter)
    for name, t in zip(out_names, outputs):
        g.nodes.append(onnx.helper.make_node("Identity", [walker.name(t)], [name],
                                             name=g.fresh("output")))

    proto = _make_model(onnx, g, graph_inputs, list(zip(out_names, outputs)), axes,
                        keep_initializers_as_inputs)
    onnx.checker.check_model(proto, full_check=True)
    if verbose:
        print(onnx.helper.printable_graph(proto.graph))
    if f is None:
        return proto
    _write(proto.SerializeToString(), f)
    return None


def _traced_run(model, trace, args, kwargs):
    """One run in eval mode with ``is_in_onnx_export()`` true; every module's mode is
    restored after (a frozen BatchNorm in a training model stays in eval mode)."""
    modes = [(m, m.training) for m in model.modules()]
    was_exporting = _state.set_exporting(True)
    try:
        model.eval()
        with grad_mode.enable_grad():
            return trace.run(args, kwargs)
    finally:
        for m, mode in modes:
            m.training = mode
        _state.set_exporting(was_exporting)


def _probe_run(model, trace, inputs, split, outputs, tensor_names, dynamic):
    """Run again on probe inputs and compare (see ``_probe``); return the twins' shapes."""
    skip = set(tensor_names)
    first = _probe.visit(trace, outputs, {id(t) for t in inputs}, skip)
    probe = _probe.probe_inputs(inputs, dynamic)
    again = Trace(model, trace.has_exporter)
    try:
        second = _traced_run(model, again, *split(probe))
    except Exception as err:
        raise OnnxExporterError(
            f"the model failed on the probe inputs (dynamic axes one longer, values moved; "
            f"see deepgrad/onnx/_probe.py): {type(err).__name__}: {err}") from err
    second_out = [o for o in _flatten(second) if o is not None]
    if len(second_out) != len(outputs):
        raise OnnxExporterError("the model returns a different number of outputs when the "
                                "inputs change; nothing was written")
    second = _probe.visit(again, second_out, {id(t) for t in probe}, skip)
    return _probe.compare(first, second)


def _check_options(model, opset, export_params, dynamic_shapes, training, f):
    if not isinstance(model, Module):
        raise TypeError(f"deepgrad.onnx.export exports an nn.Module, got {type(model).__name__}")
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ValueError(f"deepgrad.onnx.export supports opset_version {MIN_OPSET} to "
                         f"{MAX_OPSET}, got {opset}")
    if not export_params:
        raise NotImplementedError("deepgrad.onnx.export writes the weights into the file; "
                                  "export_params=False is not supported")
    if dynamic_shapes is not None:
        raise NotImplementedError("dynamic_shapes belongs to torch's dynamo exporter; "
                                  "use dynamic_axes={name: {axis: 'dim_name'}}")
    mode = getattr(training, "name", training)
    if mode not in (None, "EVAL") and not (mode == "PRESERVE" and not model.training):
        raise NotImplementedError("deepgrad.onnx.export exports in eval mode only "
                                  f"(training={training!r})")
    if f is not None and not hasattr(f, "write") and not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"f must be a path or a binary file object, got {type(f).__name__}")


def _split_args(args, kwargs):
    if isinstance(args, Tensor):
        args = (args,)
    elif isinstance(args, list):
        args = tuple(args)
    elif not isinstance(args, tuple):
        raise TypeError(f"args must be a Tensor or a tuple of inputs, got {type(args).__name__}")
    kwargs = dict(kwargs or {})
    if args and isinstance(args[-1], dict):
        kwargs.update(args[-1])
        args = args[:-1]
    return args, kwargs


def _example_inputs(model, args, kwargs, input_names):
    """The example inputs, positional then keyword, as detached copies (float ones require
    grad, so every op on them is recorded); one graph input name per Tensor among them
    (``input_names``, else forward's parameter names or the keyword); and ``split``, which
    turns such a list back into ``(args, kwargs)`` for a call."""
    keys = list(kwargs)
    values = list(args) + [kwargs[k] for k in keys]
    inputs = []
    for a in values:
        if isinstance(a, Tensor):
            a = a.detach()
            if a.dtype.is_floating_point:
                a.requires_grad_(True)
        inputs.append(a)
    try:
        params = [p.name for p in inspect.signature(model.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    defaults = (params + [f"input_{i}" for i in range(len(params), len(args))])[:len(args)]
    defaults += keys
    given = list(input_names or [])
    n_tensors = sum(isinstance(a, Tensor) for a in inputs)
    if len(given) > n_tensors:
        raise ValueError(f"{len(given)} input_names given for {n_tensors} inputs: {given}")
    names = []
    for a, default in zip(inputs, defaults):
        if not isinstance(a, Tensor):
            names.append(None)
            continue
        name = given.pop(0) if given else default
        names.append(name if name not in names else f"{name}_{len(names)}")

    def split(values):
        return tuple(values[:len(args)]), dict(zip(keys, values[len(args):]))
    return inputs, names, split


def _output_names(output_names, n):
    names = list(output_names or [])
    if len(names) > n:
        raise ValueError(f"{len(names)} output_names given for {n} outputs: {names}")
    default = ["output"] if n == 1 else [f"output_{i}" for i in range(n)]
    return names + [d for d in default[len(names):]]


def _dynamic_axes(dynamic_axes, inputs, outputs):
    """``{name: {axis: dim_name}}`` from either of torch's two spellings, checked."""
    result = {}
    for name, spec in (dynamic_axes or {}).items():
        t = inputs.get(name, outputs.get(name))
        if not isinstance(t, Tensor):
            raise ValueError(f"dynamic_axes names {name!r}, which is not an input or output "
                             f"name; the names are {list(inputs) + list(outputs)}")
        if isinstance(spec, dict):
            axes = {int(a): str(d) for a, d in spec.items()}
        elif isinstance(spec, (list, tuple)):
            axes = {int(a): f"{name}_dynamic_axes_{k + 1}" for k, a in enumerate(spec)}
        else:
            raise TypeError(f"dynamic_axes[{name!r}] must be a dict or a list of axes, "
                            f"got {type(spec).__name__}")
        bad = [a for a in axes if not 0 <= a < t.dim()]
        if bad:
            raise ValueError(f"dynamic_axes[{name!r}] has axes {bad} out of range for a "
                             f"tensor of shape {list(t.shape)}")
        result[name] = axes
    return result


def _value_info(onnx, name, t, axes):
    elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(t._data.dtype))
    dims = [axes.get(name, {}).get(i, s) for i, s in enumerate(t.shape)]
    return onnx.helper.make_tensor_value_info(name, elem, dims)


def _make_model(onnx, g, inputs, outputs, axes, keep_initializers_as_inputs):
    graph_inputs = [_value_info(onnx, n, t, axes) for n, t in inputs]
    if keep_initializers_as_inputs:
        graph_inputs += [onnx.helper.make_tensor_value_info(
            i.name, i.data_type, list(i.dims)) for i in g.initializers]
    graph = onnx.helper.make_graph(g.nodes, "deepgrad", graph_inputs,
                                   [_value_info(onnx, n, t, axes) for n, t in outputs],
                                   initializer=g.initializers)
    opsets = [onnx.helper.make_opsetid("", g.opset)]
    return onnx.helper.make_model(graph, opset_imports=opsets, producer_name="deepgrad",
                                  ir_version=onnx.helper.find_min_ir_version_for(opsets))


def _write(data, f):
    """All bytes at once; to a path through a temporary file renamed over it."""
    if hasattr(f, "write"):
        f.write(data)
        return
    atomic_write(f, lambda out: out.write(data), make_folder=False)
