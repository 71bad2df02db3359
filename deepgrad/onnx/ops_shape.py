"""Exporters of ops and layers that move data without arithmetic.

Reshape and expand targets come from the traced shapes. A size that follows a
dynamic axis (it differs in the probe run, see ``_probe``) cannot be a number:
a reshape writes it as ``0`` ("copy the input's size at this position") when it
is that, else as ``-1`` ("whatever is left", one per target);
``x.view(x.size(0), -1)`` with a dynamic batch becomes ``Reshape(x, [0, 784])``.
Without dynamic axes every target is the traced shape, exactly.
"""
import numpy as np

from ..nn.modules import container as _container
from ..nn.modules import dropout as _dropout
from ..ops import shape as SH
from ..ops import index as IX
from .errors import UnsupportedOperatorError

INT64_MAX = 2 ** 63 - 1


def reshape_to(g, x, x_t, out_t):
    """Reshape ``x`` (the ONNX name of Tensor ``x_t``) to the shape of ``out_t``.

    Each size of the target is, in order of preference: the traced number (it did
    not change in the probe run); ``0`` (it is the input's size at that position);
    the run-time size of a dynamic input axis that it matches; ``-1`` (for one
    size only).
    """
    ins, ins2 = tuple(x_t.shape), g.twin_shape(x_t)
    outs, outs2 = tuple(out_t.shape), g.twin_shape(out_t)
    target, unknown = [], []
    for i, (n, n2) in enumerate(zip(outs, outs2)):
        if n == n2:
            target.append(int(n))
        elif i < len(ins) and ins[i] == n and ins2[i] == n2:
            target.append(0)
        else:
            target.append(None)
            unknown.append(i)
    if len(unknown) > 1:
        for i in unknown:
            target[i] = g.dynamic_size(outs[i], outs2[i])
    missing = [i for i in unknown if target[i] is None]
    if len(missing) > 1:
        raise UnsupportedOperatorError(
            f"a reshape from {list(ins)} to {list(outs)} has several sizes that follow the "
            "dynamic axes and are not an input's size; ONNX's Reshape can infer only one")
    if missing:
        target[missing[0]] = -1
    return g.op("Reshape", [x, g.shape_value(target)])


def export_reshape(g, node, ins, out):
    return reshape_to(g, ins[0], node.inputs[0], out)


def export_permute(g, node, ins, out):
    nd = out.dim()
    return g.op("Transpose", [ins[0]], perm=[int(d) % nd for d in node.dims])


def export_expand(g, node, ins, out):
    """ONNX Expand broadcasts both ways, so a size kept from the input is written as 1
    (and stays free, e.g. the batch axis); a size that follows a dynamic axis of a
    graph input is read from that input at run time."""
    x_t = node.inputs[0]
    ins1, ins2 = tuple(x_t.shape), g.twin_shape(x_t)
    outs1, outs2 = tuple(out.shape), g.twin_shape(out)
    lead = len(outs1) - len(ins1)
    shape = []
    for i, (n, n2) in enumerate(zip(outs1, outs2)):
        if i >= lead and ins1[i - lead] == n and ins2[i - lead] == n2:
            shape.append(1)
        elif n == n2:
            shape.append(int(n))
        else:
            size = g.dynamic_size(n, n2)
            if size is None:
                raise UnsupportedOperatorError(
                    f"expand from {list(ins1)} to {list(outs1)} uses a size that follows a "
                    "dynamic axis but is no input's size; deepgrad.onnx.export cannot write it")
            shape.append(size)
    return g.op("Expand", [ins[0], g.shape_value(shape)])


def export_cat(g, node, ins, out):
    return g.op("Concat", ins, axis=int(node.dim) % out.dim())


def export_getitem(g, node, ins, out):
    """Basic indexing: slices become one Slice, integers Gathers, None Unsqueezes."""
    index = node.index if isinstance(node.index, tuple) else (node.index,)
    ndim = node.inputs[0].dim()
    if any(not (i is None or i is Ellipsis or isinstance(i, (int, slice))) or isinstance(i, bool)
           for i in index):
        raise UnsupportedOperatorError(
            "deepgrad.onnx.export supports indexing with integers, slices, None and ... "
            f"only; got an index of types {[type(i).__name__ for i in index]}")
    if Ellipsis in index:
        k = index.index(Ellipsis)
        used = sum(1 for i in index if i is not None and i is not Ellipsis)
        index = index[:k] + (slice(None),) * (ndim - used) + index[k + 1:]
    slices, takes, new_axes = [], [], []
    axis = out_pos = 0
    for i in index:
        if i is None:
            new_axes.append(out_pos)
            out_pos += 1
        elif isinstance(i, slice):
            if i != slice(None):
                slices.append((axis, i))
            axis += 1
            out_pos += 1
        else:
            takes.append((axis, i))
            axis += 1
    x = ins[0]
    if slices:
        starts = [0 if s.start is None else int(s.start) for _, s in slices]
        ends = [INT64_MAX if s.stop is None else int(s.stop) for _, s in slices]
        steps = [1 if s.step is None else int(s.step) for _, s in slices]
        x = g.op("Slice", [x, g.ints(starts, "starts"), g.ints(ends, "ends"),
                           g.ints([a for a, _ in slices], "axes"), g.ints(steps, "steps")])
    for a, i in sorted(takes, reverse=True):   # from the last axis, so earlier axes stay put
        x = g.op("Gather", [x, g.const(np.asarray(i, dtype=np.int64), "index")],
                 axis=a)
    if new_axes:
        x = g.unsqueeze(x, new_axes)
    return x if x != ins[0] else g.op("Identity", [x])


def export_repeat(g, node, ins, out):
    """x.repeat(reps): ONNX Tile, after giving x the leading axes that reps has in excess."""
    x = ins[0]
    if len(node.shape) != node.inputs[0].dim():
        x = g.op("Reshape", [x, g.ints(node.shape)])
    return g.op("Tile", [x, g.ints(node.reps, "repeats")])


def export_flip(g, node, ins, out):
    """Reverse the axes ``dims``: a Slice with step -1 from the end to before the start."""
    nd = out.dim()
    axes = sorted({int(d) % nd for d in node.dims})
    n = len(axes)
    return g.op("Slice", [ins[0], g.ints([-1] * n, "starts"), g.ints([-INT64_MAX - 1] * n, "ends"),
                          g.ints(axes, "axes"), g.ints([-1] * n, "steps")])


def export_pad(g, node, ins, out):
    """Constant padding. The node keeps where the input sits in the output (``crop``);
    the fill value is read from a padded element of the traced output."""
    x_t = node.inputs[0]
    begins = [c.start for c in node.crop]
    ends = [o - i - b for o, i, b in zip(out.shape, x_t.shape, begins)]
    value = 0.0
    for axis, (b, e) in enumerate(zip(begins, ends)):
        if b > 0 or e > 0:
            where = [0] * out.dim()
            where[axis] = 0 if b > 0 else out.shape[axis] - 1
            value = out._data[tuple(where)].item()
            break
    return g.pad(ins[0], begins + ends, "constant", value, out)


def export_flatten(g, call, name):
    (x,) = call.tensors()
    return [reshape_to(g, name(x), x, call.outputs[0])]


def export_identity(g, call, name):
    """Identity, and dropout layers, which are the identity in eval mode."""
    return [g.op("Identity", [name(call.tensors()[0])])]


OP_EXPORTERS = {
    SH.Reshape: export_reshape, SH.Permute: export_permute, SH.Expand: export_expand,
    # squeeze and unsqueeze are their own nodes (torch's strides for the view), and in ONNX
    # a reshape to the traced shape, as before
    SH.Squeeze: export_reshape, SH.Unsqueeze: export_reshape,
    SH.Cat: export_cat, IX.GetItem: export_getitem, SH.Repeat: export_repeat,
    SH.Flip: export_flip, SH.Pad: export_pad,
}
MODULE_EXPORTERS = {
    _container.Flatten: export_flatten, _container.Unflatten: export_flatten,
    _container.Identity: export_identity,
    **{cls: export_identity for cls in (_dropout.Dropout, _dropout.Dropout1d,
                                        _dropout.Dropout2d, _dropout.Dropout3d,
                                        _dropout.AlphaDropout, _dropout.FeatureAlphaDropout)},
}
