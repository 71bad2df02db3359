"""Reverse-mode automatic differentiation: ``backward``, ``grad``, grad modes, Function,
gradient checking and the functional API (vjp, jvp, jacobian, hessian, hvp)."""
import numpy as np

from . import functional
from .engine import run_backward
from .function import Function
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                        set_grad_enabled)


def _seeds(outputs, grad_outputs, create_graph):
    from ..tensor import Tensor  # noqa: PLC0415

    seeds = []
    for out, g in zip(outputs, grad_outputs):
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs "
                                   f"(got an output of shape {list(out.shape)}); pass gradient= "
                                   f"(or grad_outputs=) with the same shape")
            g = Tensor._make(np.ones_like(out._data), out._device)
        elif not isinstance(g, Tensor):
            g = Tensor(g, dtype=out.dtype, device=out.device)
        elif g.shape != out.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output has a shape of {list(g.shape)} and "
                               f"output has a shape of {list(out.shape)}")
        seeds.append(g if create_graph else g.detach())
    return seeds


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of ``tensors`` into ``.grad`` of the leaves of their graph.

    ``inputs`` (optional) limits accumulation to those leaves.
    """
    tensors = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(tensors)
    for t in tensors:
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                               "grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    seeds = _seeds(tensors, grads, create_graph)
    if inputs is None:
        run_backward(tensors, seeds, retain_graph, create_graph)
        return
    inputs = _as_tuple(inputs)
    found = grad(tensors, inputs, seeds, retain_graph=retain_graph, create_graph=create_graph,
                 allow_unused=True)
    for t, g in zip(inputs, found):
        if g is not None:
            t.grad = g if t.grad is None else t.grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated).

    With ``create_graph=True`` the returned gradients are differentiable, which is
    how grad-of-grad (Hessians, gradient penalties) is computed.
    """
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grads = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    for t in outputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad "
                               "(an output has no grad_fn)")
    if retain_graph is None:
        retain_graph = create_graph
    seeds = _seeds(outputs, grads, create_graph)
    keys = [id(t) if t.grad_fn is None else (t.grad_fn, t._out_index) for t in inputs]
    capture = {k: None for k in keys}
    run_backward(outputs, seeds, retain_graph, create_graph, capture=capture)
    result = []
    for t, k in zip(inputs, keys):
        g = capture[k]
        if g is None:
            if materialize_grads:
                from ..creation import zeros_like  # noqa: PLC0415

                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
        result.append(g)
    return tuple(result)


__all__ = ["Function", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "inference_mode", "gradcheck", "gradgradcheck", "GradcheckError",
           "functional"]
