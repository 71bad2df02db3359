"""``summary(model, input_size)``: a layer table like Keras's ``model.summary()``.

One zero-filled batch of ``input_size`` (batch dimension included, as torchinfo) goes
through the model in eval mode without recording a graph; a forward hook on every layer
without children notes the shape of what it returns. The table lists, in registration
order, each such layer: its dotted name and class, output shape (``--`` if the forward
pass did not call it; the last call when it ran several times), parameter count and
whether those parameters train ("yes", "no" for frozen, "partial"). Then the totals,
trainable and frozen counts, and memory: parameters, the input, and the forward
activations (the layers' outputs; a backward pass keeps about as much again).

``summary`` *returns* the table as a string and also prints it (``print_fn=print``);
pass ``print_fn=None`` to only get the string.

Example::

    >>> summary(nn.Sequential(nn.Linear(4, 8), nn.ReLU()), (32, 4))
    Layer (type)        Output Shape    Param #   Trainable
    ...
"""
from ..autograd import no_grad
from ..creation import zeros
from ..tensor import Tensor


def _shape_of(value):
    if isinstance(value, Tensor):
        return tuple(value.shape)
    if isinstance(value, (tuple, list)):
        return [_shape_of(v) for v in value]
    return type(value).__name__


def _bytes_of(value):
    if isinstance(value, Tensor):
        return value.numel() * value._data.dtype.itemsize
    if isinstance(value, (tuple, list)):
        return sum(_bytes_of(v) for v in value)
    return 0


def _fmt_shape(shape):
    if isinstance(shape, list):
        return ", ".join(_fmt_shape(s) for s in shape)
    if isinstance(shape, tuple):
        return "(" + ", ".join(str(d) for d in shape) + ")"
    return str(shape)


def _megabytes(n):
    return f"{n / 2 ** 20:.2f} MB"


def summary(model, input_size, dtype=None, device=None, print_fn=print):
    """The layer table of ``model`` for inputs of ``input_size`` (see module docstring).

    Args:
        model (nn.Module): the model.
        input_size (tuple or list of tuples): the shape of one input batch, batch
            dimension first; a list of shapes for a model taking several inputs.
        dtype: dtype of the zero inputs (default: the default float dtype).
        device: where to make the inputs (default: the device of the first parameter).
        print_fn: called with the table; None to stay silent.
    Returns: the table (str).
    """
    sizes = input_size if (isinstance(input_size, list)
                           and all(isinstance(s, (tuple, list)) for s in input_size)) \
        else [input_size]
    params = list(model.parameters())
    if device is None and params:
        device = params[0].device
    inputs = [zeros(*tuple(s), dtype=dtype, device=device) for s in sizes]
    leaves = [(name, m) for name, m in model.named_modules() if not list(m.children())]
    outputs = {}

    def recorder(name):
        def hook(module, args, output):
            outputs[name] = output
        return hook

    handles = [m.register_forward_hook(recorder(name)) for name, m in leaves]
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with no_grad():
            model(*inputs)
    except Exception as e:  # noqa: BLE001 - re-raised with the input shapes named
        raise ValueError(f"summary: the model ({type(model).__name__}) cannot take inputs of "
                         f"shape {', '.join(_fmt_shape(tuple(s)) for s in sizes)}: {e}") from e
    finally:
        for h in handles:
            h.remove()
        for module, training in modes:
            module.training = training
    rows = [("Layer (type)", "Output Shape", "Param #", "Trainable")]
    for name, m in leaves:
        own = list(m.parameters(recurse=False))
        count = sum(p.numel() for p in own)
        trainable = sum(p.numel() for p in own if p.requires_grad)
        flag = "--" if not own else ("yes" if trainable == count else
                                     "no" if trainable == 0 else "partial")
        shape = _fmt_shape(_shape_of(outputs[name])) if name in outputs else "--"
        label = f"{name or type(model).__name__} ({type(m).__name__})"
        rows.append((label, shape, f"{count:,}", flag))
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    param_bytes = sum(p.numel() * p._data.dtype.itemsize for p in params)
    act_bytes = sum(_bytes_of(v) for v in outputs.values())
    input_bytes = sum(_bytes_of(x) for x in inputs)
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    line = "=" * (sum(widths) + 6)
    fmt = [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  "
           f"{r[3]:<{widths[3]}}".rstrip() for r in rows]
    text = "\n".join([f'Model: "{type(model).__name__}"', line, fmt[0], line, *fmt[1:], line,
                      f"Total params: {total:,}",
                      f"Trainable params: {trainable:,}",
                      f"Non-trainable params: {total - trainable:,}",
                      line,
                      f"Input size: {_megabytes(input_bytes)}",
                      f"Forward activations: {_megabytes(act_bytes)}",
                      f"Params size: {_megabytes(param_bytes)}",
                      f"Estimated total: {_megabytes(input_bytes + act_bytes + param_bytes)}",
                      line])
    if print_fn is not None:
        print_fn(text)
    return text


__all__ = ["summary"]
