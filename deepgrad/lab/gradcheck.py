"""Whole-model gradient checking: backpropagation against central differences.

For every parameter element ``w_i`` the numerical derivative is the central difference

    g_num_i = (L(w + eps e_i) - L(w - eps e_i)) / (2 eps)         (error O(eps^2))

and the parameter's relative error compares the whole gradient vectors (Andrew Ng's recipe)

    rel = ||g_ana - g_num|| / (||g_ana|| + ||g_num||)

read as: < 1e-7 fine, < 1e-4 suspicious, otherwise wrong. Everything runs in float64 (in
float32 the rounding error of L swamps the O(eps^2) term), with the model in eval mode so
dropout is off and batch norm uses its running statistics: the loss must be a fixed
function of the weights for differences to mean anything.

A wrong backward in one layer also corrupts every gradient upstream of it, so the whole-model
table alone cannot say which layer is broken. Each leaf module is therefore also checked on
its own, on the input it received in the forward pass (jittered by 1e-4 so that ties and
kinks, such as a max-pool over ReLU zeros, do not fool the differences): for a random
output weighting ``r``
and a random direction ``u`` of its input (and of each of its parameters), backprop's
``<grad (r . f), u>`` must equal the directional difference of ``r . f`` along ``u``. The
layers that fail that local test are the culprits.
"""
from dataclasses import dataclass, field

import numpy as np

from .. import float64
from ..autograd import grad, no_grad
from ..tensor import Tensor
from ._common import check_model, check_nonempty, module_modes, pyplot, restore_modes

FINE, SUSPICIOUS = 1e-7, 1e-4


def verdict(rel_error):
    """Ng's reading of a relative error."""
    if not np.isfinite(rel_error):
        return "wrong"
    return "fine" if rel_error < FINE else "suspicious" if rel_error < SUSPICIOUS else "wrong"


def relative_error(a, b):
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


@dataclass
class ParameterCheck:
    name: str
    shape: tuple
    rel_error: float
    worst_index: tuple
    worst_analytic: float
    worst_numerical: float
    checked: int
    verdict: str


@dataclass
class LayerCheck:
    name: str
    kind: str
    rel_error: float
    verdict: str


@dataclass
class GradCheckResult:
    """``parameters``: one row per parameter; ``layers``: the local check of each leaf
    module; ``culprits``: names of the layers whose own backward is wrong."""
    parameters: list
    layers: list
    culprits: list = field(default_factory=list)

    @property
    def ok(self):
        return all(p.verdict == "fine" for p in self.parameters)

    def table(self):
        lines = [f"{'parameter':<28}{'shape':<16}{'rel. error':>12}  {'worst index':<14}"
                 f"{'analytic':>12}{'numerical':>12}  verdict"]
        for p in self.parameters:
            lines.append(f"{p.name:<28}{str(p.shape):<16}{p.rel_error:>12.2e}  "
                         f"{str(p.worst_index):<14}{p.worst_analytic:>12.4e}"
                         f"{p.worst_numerical:>12.4e}  {p.verdict}")
        lines.append("")
        lines.append(f"{'layer (own backward)':<28}{'type':<16}{'rel. error':>12}  verdict")
        for layer in self.layers:
            lines.append(f"{layer.name:<28}{layer.kind:<16}{layer.rel_error:>12.2e}  "
                         f"{layer.verdict}")
        lines.append("culprit(s): " + (", ".join(self.culprits) if self.culprits else "none"))
        return "\n".join(lines)

    __str__ = table

    def plot(self, path=None):
        """Bar chart of log10 relative error per parameter with Ng's thresholds."""
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(self.parameters) + 1.5))
        names = [p.name for p in self.parameters]
        errors = [max(p.rel_error, 1e-16) for p in self.parameters]
        colors = {"fine": "tab:green", "suspicious": "tab:orange", "wrong": "tab:red"}
        ax.barh(names, errors, color=[colors[p.verdict] for p in self.parameters])
        ax.set_xscale("log")
        ax.axvline(FINE, color="k", ls="--", lw=0.8)
        ax.axvline(SUSPICIOUS, color="k", ls=":", lw=0.8)
        ax.invert_yaxis()
        ax.set_xlabel("relative error, analytic vs numerical (lines: 1e-7, 1e-4)")
        ax.set_title("gradient check" + (f" - culprit: {', '.join(self.culprits)}"
                                          if self.culprits else ""))
        if path is not None:
            fig.savefig(path, dpi=110, bbox_inches="tight")
        return fig


def _as_tuple(inputs):
    return tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)


def _to_float64(x):
    if isinstance(x, Tensor) and x.is_floating_point():
        return x.detach().to(float64)
    return x


def _loss_value(model, inputs, targets, loss_fn):
    with no_grad():
        return float(loss_fn(model(*inputs), targets).item())


def _numerical_gradient(array, indices, loss_at, eps):
    """Central differences of the loss for the flat ``indices`` of ``array`` (in place,
    each element restored exactly after its two evaluations)."""
    flat = array.reshape(-1)
    out = np.empty(len(indices))
    for k, i in enumerate(indices):
        saved = flat[i]
        flat[i] = saved + eps
        plus = loss_at()
        flat[i] = saved - eps
        minus = loss_at()
        flat[i] = saved
        out[k] = (plus - minus) / (2 * eps)
    return out


def _record_leaf_inputs(model, inputs):
    """Run the model once, keeping each leaf module's input (in execution order)."""
    records, handles = [], []
    names = {id(m): n for n, m in model.named_modules()}
    for module in model.modules():
        if next(iter(module.children()), None) is None:
            def hook(mod, args, out, _records=records):
                _records.append((mod, tuple(a for a in args)))
            handles.append(module.register_forward_hook(hook))
    try:
        with no_grad():
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
    return [(names.get(id(m), type(m).__name__), m, args) for m, args in records]


def _check_layer(module, args, eps, rng, directions=3):
    """Local check of one module's backward: worst relative error over random directions."""
    # a tiny jitter moves the recorded input off kinks and ties (ReLU's zeros feeding a
    # max-pool), where one-sided derivatives differ and no finite difference can agree
    xs = [(a.detach() + Tensor(1e-4 * rng.standard_normal(tuple(a.shape)))).to(a.dtype)
          .requires_grad_(True) if isinstance(a, Tensor) and a.is_floating_point() else a
          for a in args]
    wrt = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
    wrt += [p for p in module.parameters(recurse=False) if p.requires_grad]
    if not wrt:
        return None
    out = module(*xs)
    if not isinstance(out, Tensor) or not out.is_floating_point():
        return None
    weight = Tensor(rng.standard_normal(tuple(out.shape)))
    weighted = (out * weight).sum()
    if not weighted.requires_grad:
        return None
    grads = grad(weighted, wrt, allow_unused=True)
    worst = 0.0
    for tensor, g in zip(wrt, grads):
        g = np.zeros(tuple(tensor.shape)) if g is None else g.detach().numpy()
        array = tensor.detach().numpy()
        for _ in range(directions):
            u = rng.standard_normal(array.shape)
            u /= max(np.linalg.norm(u), 1e-300)
            saved = array.copy()
            with no_grad():
                array[...] = saved + eps * u
                plus = float((module(*xs) * weight).sum().item())
                array[...] = saved - eps * u
                minus = float((module(*xs) * weight).sum().item())
            array[...] = saved
            numeric = (plus - minus) / (2 * eps)
            analytic = float((g * u).sum())
            denom = abs(analytic) + abs(numeric)
            worst = max(worst, 0.0 if denom < 1e-12 else abs(analytic - numeric) / denom)
    return worst


def check_gradients(model, inputs, targets, loss_fn, eps=1e-6, max_checks=None, seed=0):
    """Check a whole model's backpropagation against central differences, in float64.

    Args:
        model: an ``nn.Module``; called as ``model(*inputs)`` (``inputs`` a tensor or tuple).
        targets: passed to ``loss_fn(outputs, targets)``, which returns a 0-d loss.
        eps (float): the finite-difference step.
        max_checks (int or None): elements per parameter checked numerically (a random
            sample, seeded by ``seed``); None checks every element.

    Returns:
        :class:`GradCheckResult`: ``parameters`` rows (name, shape, rel_error, worst_index,
        worst_analytic, worst_numerical, checked, verdict), ``layers`` (each leaf module's
        own backward, checked locally) and ``culprits``. The model's modes, dtype and
        ``.grad`` fields are as they were afterwards.
    """
    check_model(model, "check_gradients")
    if not callable(loss_fn):
        raise TypeError(f"check_gradients: loss_fn must be callable, got {type(loss_fn).__name__}")
    if not eps > 0:
        raise ValueError(f"check_gradients: eps must be positive, got {eps!r}")
    inputs = _as_tuple(inputs)
    check_nonempty(inputs[0], "inputs", "check_gradients")
    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if not params:
        raise ValueError("check_gradients: the model has no parameters that require grad")
    dtype = params[0][1].dtype
    modes = module_modes(model)
    saved_grads = [(p, p.grad) for _, p in params]
    rng = np.random.default_rng(seed)
    try:
        model.eval()            # dropout off, batch norm on its running statistics
        model.to(float64)
        inputs = tuple(_to_float64(x) for x in inputs)
        targets = _to_float64(targets)
        for _, p in params:
            p.grad = None
        loss = loss_fn(model(*inputs), targets)
        loss.backward()
        rows = []
        for name, p in params:
            analytic_full = (np.zeros(tuple(p.shape)) if p.grad is None
                             else p.grad.detach().numpy().copy())
            size = analytic_full.size
            if max_checks is None or max_checks >= size:
                indices = np.arange(size)
            else:
                indices = np.sort(rng.choice(size, int(max_checks), replace=False))
            numeric = _numerical_gradient(p.detach().numpy(), indices,
                                          lambda: _loss_value(model, inputs, targets, loss_fn),
                                          eps)
            analytic = analytic_full.reshape(-1)[indices]
            element_error = np.abs(analytic - numeric) / np.maximum(
                np.abs(analytic) + np.abs(numeric), 1e-12)
            worst = int(np.argmax(element_error)) if len(indices) else 0
            rel = relative_error(analytic, numeric)
            index = tuple(int(i) for i in np.unravel_index(indices[worst], p.shape)) \
                if len(indices) else ()
            rows.append(ParameterCheck(name, tuple(p.shape), rel, index,
                                       float(analytic[worst]) if len(indices) else 0.0,
                                       float(numeric[worst]) if len(indices) else 0.0,
                                       len(indices), verdict(rel)))
        layers = []
        for name, module, args in _record_leaf_inputs(model, inputs):
            try:
                error = _check_layer(module, args, eps, rng)
            except RuntimeError:     # e.g. an in-place layer on a leaf: no local check
                error = None
            if error is not None and name not in [layer.name for layer in layers]:
                layers.append(LayerCheck(name, type(module).__name__, error, verdict(error)))
        culprits = [layer.name for layer in layers if layer.verdict == "wrong"]
        if not culprits and any(r.verdict == "wrong" for r in rows):
            # the fault is in code outside the leaf modules (the forward's own ops or the
            # loss): name the module that owns the last wrong parameter
            last = [r.name for r in rows if r.verdict == "wrong"][-1]
            culprits = [last.rsplit(".", 1)[0] if "." in last else "(model)"]
    finally:
        model.to(dtype)
        restore_modes(modes)
        for p, g in saved_grads:
            p.grad = g
    return GradCheckResult(rows, layers, culprits)
