"""Functional higher-order API: vjp, jvp, jacobian, hessian, hvp (PyTorch's
``torch.autograd.functional``).

* vjp: v^T J, one backward pass.
* jvp: J v, by the double-vjp trick: g(u) = u^T J is linear in u, so
  J v = d(g(u) . v)/du, one more backward through the first one.
* jacobian: one vjp per output element (rows of J).
* hvp: H v = d(grad f . v)/dx, a backward through the gradient.
* hessian: the jacobian of the gradient.
"""

def _tuple(x):
    return (tuple(x), True) if isinstance(x, (tuple, list)) else ((x,), False)


def _prepare(inputs, create_graph):
    from ..tensor import Tensor  # noqa: PLC0415

    out = []
    for x in inputs:
        if not isinstance(x, Tensor):
            raise TypeError(f"inputs must be Tensors, got {type(x).__name__}")
        y = x if create_graph and x.requires_grad else x.detach()
        out.append(y.requires_grad_(True) if not y.requires_grad else y)
    return tuple(out)


def _grads(outputs, inputs, grad_outputs, create_graph, strict=False):
    from . import grad  # noqa: PLC0415
    from ..creation import zeros_like  # noqa: PLC0415

    diff_outputs = [o for o in outputs if o.requires_grad]
    if not diff_outputs:
        return tuple(zeros_like(x) for x in inputs)
    seeds = [g for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    gs = grad(diff_outputs, inputs, seeds, create_graph=True, retain_graph=True,
              allow_unused=True)
    result = []
    for g, x in zip(gs, inputs):
        if g is None:
            if strict:
                raise RuntimeError("The output of the user-provided function is independent of "
                                   "an input. This is not allowed in strict mode.")
            g = zeros_like(x)
        result.append(g if create_graph else g.detach())
    return tuple(result)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J)."""
    from ..autograd.grad_mode import enable_grad  # noqa: PLC0415

    inputs, in_tuple = _tuple(inputs)
    with enable_grad():
        xs = _prepare(inputs, create_graph)
        outputs, out_tuple = _tuple(func(*xs))
        vs = _default_v(outputs, v)
        result = _grads(outputs, xs, vs, create_graph, strict)
    outs = tuple(o if create_graph else o.detach() for o in outputs)
    return (outs if out_tuple else outs[0]), (result if in_tuple else result[0])


def _default_v(outputs, v):
    from ..creation import ones_like  # noqa: PLC0415

    if v is None:
        if len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
        return (ones_like(outputs[0]),)
    vs, _ = _tuple(v)
    for o, vv in zip(outputs, vs):
        if o.shape != vv.shape:
            raise RuntimeError(f"v has shape {list(vv.shape)} but the output has shape "
                               f"{list(o.shape)}")
    return vs


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v), by differentiating the (linear) map u -> u^T J."""
    from ..autograd.grad_mode import enable_grad  # noqa: PLC0415
    from ..creation import zeros_like  # noqa: PLC0415

    inputs, in_tuple = _tuple(inputs)
    with enable_grad():
        xs = _prepare(inputs, create_graph)
        outputs, out_tuple = _tuple(func(*xs))
        if v is None:
            if len(xs) != 1 or xs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the "
                                   "user-provided function is a single Tensor with a single "
                                   "element.")
            vs = (xs[0].detach() * 0 + 1,)
        else:
            vs, _ = _tuple(v)
        us = tuple(zeros_like(o).requires_grad_(True) for o in outputs)
        g = _grads(outputs, xs, us, create_graph=True, strict=strict)
        total = None
        for gi, vi in zip(g, vs):
            if gi.requires_grad:
                term = (gi * vi).sum()
                total = term if total is None else total + term
        if total is None:
            jv = tuple(zeros_like(o) for o in outputs)
        else:
            jv = _grads((total,), us, (_one_like(total),), create_graph)
    outs = tuple(o if create_graph else o.detach() for o in outputs)
    return (outs if out_tuple else outs[0]), (jv if out_tuple else jv[0])


def _one_like(t):
    from ..creation import ones_like  # noqa: PLC0415

    return ones_like(t)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """J[i][j] = d out_i / d in_j, shaped out.shape + in.shape (nested tuples for several)."""
    from ..autograd.grad_mode import enable_grad  # noqa: PLC0415
    from ..creation import zeros_like  # noqa: PLC0415
    from ..ops.shape import stack  # noqa: PLC0415

    inputs, in_tuple = _tuple(inputs)
    with enable_grad():
        xs = _prepare(inputs, create_graph)
        outputs, out_tuple = _tuple(func(*xs))
        table = []
        for out in outputs:
            rows = [[] for _ in xs]
            for j in range(out.numel()):
                seed = zeros_like(out)
                seed._data.reshape(-1)[j] = 1
                if out.requires_grad:
                    gs = _grads((out,), xs, (seed,), create_graph, strict)
                else:
                    gs = tuple(zeros_like(x) for x in xs)
                for k, g in enumerate(gs):
                    rows[k].append(g)
            blocks = []
            for k, x in enumerate(xs):
                if rows[k]:
                    block = stack(rows[k]).reshape(tuple(out.shape) + tuple(x.shape))
                else:
                    block = zeros_like(x).reshape((0,) + tuple(x.shape)).reshape(
                        tuple(out.shape) + tuple(x.shape))
                blocks.append(block)
            table.append(tuple(blocks) if in_tuple else blocks[0])
    return tuple(table) if out_tuple else table[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """Second derivatives of a scalar function, shaped in.shape + in.shape."""
    inputs, in_tuple = _tuple(inputs)

    def gradient(*xs):
        from . import grad  # noqa: PLC0415

        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError(f"The function given to hessian should return a single element "
                               f"Tensor, got shape {list(out.shape)}")
        return grad(out, xs, create_graph=True, allow_unused=True)

    def gradient_filled(*xs):
        from ..creation import zeros_like  # noqa: PLC0415

        return tuple(g if g is not None else zeros_like(x) * x for g, x in
                     zip(gradient(*xs), xs))

    h = jacobian(gradient_filled, inputs, create_graph=create_graph, strict=strict)
    return h if in_tuple else h[0][0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H); for a symmetric Hessian the same as hvp."""
    return hvp(func, inputs, v, create_graph, strict)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v), as d(grad f . v)/dx: two backward passes, no Hessian formed."""
    from ..autograd.grad_mode import enable_grad  # noqa: PLC0415
    from . import grad  # noqa: PLC0415

    inputs, in_tuple = _tuple(inputs)
    vs, _ = _tuple(v) if v is not None else ((None,), False)
    with enable_grad():
        xs = _prepare(inputs, create_graph)
        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError("The function given to hvp should return a single element Tensor")
        gs = grad(out, xs, create_graph=True, allow_unused=True)
        total = None
        for g, vi in zip(gs, vs):
            if g is not None:
                term = (g * vi).sum()
                total = term if total is None else total + term
        if total is not None and total.requires_grad:
            result = _grads((total,), xs, (_one_like(total),), create_graph, strict)
        else:  # f is at most linear in x: its Hessian is zero
            from ..creation import zeros_like  # noqa: PLC0415

            result = tuple(zeros_like(x) for x in xs)
    out = out if create_graph else out.detach()
    return out, (result if in_tuple else result[0])
