"""Gradient checking: compare autograd's gradients with central finite differences.

For each input element x_i, the numerical derivative of output element y_j is

    (y_j(x + eps e_i) - y_j(x - eps e_i)) / (2 eps)

whose error is O(eps^2), so in float64 with eps = 1e-6 it agrees with the true
derivative to about 1e-10 (round-off grows as eps shrinks; float32 cannot be
checked this way, hence the warning). The analytic Jacobian is built row by
row from vector-Jacobian products with unit vectors. ``fast_mode`` compares one
random projection u^T J v instead of the whole Jacobian: two passes instead of
one per element, for large inputs.
"""
import warnings

import numpy as np


class GradcheckError(RuntimeError):
    """Raised when an analytic gradient disagrees with the numerical one."""


def _tensors(inputs):
    from ..tensor import Tensor  # noqa: PLC0415

    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    return inputs, [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]


def _outputs(fn, inputs):
    out = fn(*inputs)
    return out if isinstance(out, tuple) else (out,)


def _numerical_jacobian(fn, inputs, k, out_index, eps):
    # evaluated with grad mode as the caller has it: gradgradcheck's function differentiates
    x = inputs[k]
    flat = x._data.reshape(-1)
    n_out = _outputs(fn, inputs)[out_index].numel()
    jac = np.zeros((flat.size, n_out))
    for i in range(flat.size):
        orig = flat[i].item()
        flat[i] = orig + eps
        plus = _outputs(fn, inputs)[out_index]._data.astype(np.float64).reshape(-1)
        flat[i] = orig - eps
        minus = _outputs(fn, inputs)[out_index]._data.astype(np.float64).reshape(-1)
        flat[i] = orig
        jac[i] = (plus - minus) / (2 * eps)
    return jac


def _analytic_jacobian(fn, inputs, k, out_index, create_graph_fn=None):
    from . import grad as autograd_grad  # noqa: PLC0415
    from ..creation import zeros_like  # noqa: PLC0415

    out = _outputs(fn, inputs)[out_index]
    x = inputs[k]
    jac = np.zeros((x.numel(), out.numel()))
    for j in range(out.numel()):
        seed = zeros_like(out)
        seed._data.reshape(-1)[j] = 1
        (g,) = autograd_grad(out, x, seed, retain_graph=True, allow_unused=True)
        if g is not None:
            jac[:, j] = g._data.astype(np.float64).reshape(-1)
    return jac


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _compare(analytic, numerical, k, out_index, atol, rtol, raise_exception, what="gradient"):
    err = np.abs(analytic - numerical)
    bound = atol + rtol * np.abs(numerical)
    if np.all(err <= bound) and np.isfinite(analytic).all() == np.isfinite(numerical).all():
        return True
    worst = np.unravel_index(np.argmax(err - bound), err.shape)
    a, n = analytic[worst], numerical[worst]
    rel = abs(a - n) / max(abs(n), 1e-300)
    return _fail(f"Jacobian mismatch for output {out_index} with respect to input {k} ({what}): "
                 f"worst element (input index {worst[0]}, output index {worst[-1]}): "
                 f"analytic {a:.10g}, numerical {n:.10g}, relative error {rel:.3g} "
                 f"(atol={atol}, rtol={rtol})", raise_exception)


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              fast_mode=False, nondet_tol=0.0):
    """Check the gradients of ``func`` at ``inputs`` against central finite differences.

    Returns True, or raises :class:`GradcheckError` naming the input, the worst
    element, the analytic and numerical values and their relative error
    (returns False instead when ``raise_exception=False``).
    """
    inputs, check = _tensors(inputs)
    if not check:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for k in check:
        if inputs[k].dtype.name != "float64":
            warnings.warn(f"Input #{k} requires gradient and is not a double precision floating "
                          f"point ({inputs[k].dtype}); the finite differences will be imprecise "
                          f"and the check may fail for that reason alone.", stacklevel=2)
    outputs = _outputs(func, inputs)
    for out_index, out in enumerate(outputs):
        if not out.dtype.is_floating_point:
            continue
        for k in check:
            if fast_mode:
                ok = _fast_check(func, inputs, k, out_index, eps, atol, rtol, raise_exception)
            else:
                numerical = _numerical_jacobian(func, inputs, k, out_index, eps)
                if not out.requires_grad:
                    analytic = np.zeros_like(numerical)
                else:
                    analytic = _analytic_jacobian(func, inputs, k, out_index)
                ok = _compare(analytic, numerical, k, out_index, atol, rtol, raise_exception)
            if not ok:
                return False
    return True


def _fast_check(func, inputs, k, out_index, eps, atol, rtol, raise_exception):
    """Compare u^T J v for random u, v: one VJP and one directional difference."""
    from . import grad as autograd_grad  # noqa: PLC0415
    from ..tensor import Tensor  # noqa: PLC0415

    rng = np.random.default_rng(0)
    x = inputs[k]
    out = _outputs(func, inputs)[out_index]
    u = rng.standard_normal(out.shape)
    v = rng.standard_normal(x.shape)
    (g,) = autograd_grad(out, x, Tensor(u, dtype=out.dtype), retain_graph=True,
                         allow_unused=True)
    analytic = 0.0 if g is None else float(np.sum(g._data * v))
    orig = x._data.copy()
    x._data[...] = orig + eps * v
    plus = _outputs(func, inputs)[out_index]._data.astype(np.float64)
    x._data[...] = orig - eps * v
    minus = _outputs(func, inputs)[out_index]._data.astype(np.float64)
    x._data[...] = orig
    numerical = float(np.sum(u * (plus - minus) / (2 * eps)))
    return _compare(np.array([[analytic]]), np.array([[numerical]]), k, out_index, atol, rtol,
                    raise_exception, what="random projection u^T J v")


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, fast_mode=False):
    """Check second derivatives: gradcheck of the function x -> vjp(func, x, v).

    ``grad_outputs`` (the v) are random when not given; they take part in the
    check as inputs, as in PyTorch.
    """
    from . import grad as autograd_grad  # noqa: PLC0415
    from ..creation import randn_like  # noqa: PLC0415

    inputs, check = _tensors(inputs)
    outputs = _outputs(func, inputs)
    if grad_outputs is None:
        from ..random import Generator  # noqa: PLC0415

        gen = Generator().manual_seed(0)
        grad_outputs = tuple(randn_like(o, generator=gen).requires_grad_() for o in outputs
                             if o.requires_grad)
    grad_outputs = grad_outputs if isinstance(grad_outputs, tuple) else (grad_outputs,)
    n_in = len(inputs)

    def first_derivative(*args):
        xs, vs = args[:n_in], args[n_in:]
        outs = [o for o in _outputs(func, xs) if o.requires_grad]
        diff = [xs[i] for i in check]
        grads = autograd_grad(outs, diff, vs, create_graph=True, allow_unused=True)
        from ..creation import zeros_like  # noqa: PLC0415

        return tuple(g if g is not None else zeros_like(x) for g, x in zip(grads, diff))

    return gradcheck(first_derivative, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, fast_mode=fast_mode)
