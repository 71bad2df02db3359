"""Training diagnostics: what activations and gradients look like inside a network.

* ``activation_stats(model, data)``: per activation layer (ReLU, Tanh, Sigmoid, ...) the mean
  and standard deviation of its outputs, the fraction of *dead* ReLU units (units whose output
  is 0 for every example of ``data``: they get no gradient and never recover) and the fraction
  of *saturated* tanh / sigmoid outputs (|tanh| > 0.99, sigmoid outside [0.01, 0.99]: there
  the derivative is below about 0.02, so gradients through them nearly vanish).
* ``gradient_norms(model, loss_fn, data, optimizer, steps)``: trains and records each
  parameter's gradient norm at every step, then flags vanishing gradients (a parameter's RMS
  gradient below 1e-3 of the largest one's) and exploding ones (non-finite or above 1e3).
* ``init_explorer``: the activation statistics layer by layer of a deep tanh or ReLU MLP
  under zero / small normal / Xavier / He / LeCun initialisation, with and without batch
  norm. For a linear layer with fan-in n and weights of variance s^2, Var(out) = n s^2
  Var(in) (times 1/2 after a ReLU), so only s^2 = 1/n (LeCun, Xavier for tanh) or 2/n (He,
  for ReLU) keeps the variance constant over depth; a small fixed s shrinks it
  geometrically, and batch norm resets it to 1 at every layer whatever the init.
"""
from dataclasses import dataclass, field

import numpy as np

from .. import manual_seed, nn, no_grad, randn
from ._common import check_model, module_modes, pyplot, restore_modes, to_numpy
from .gradcheck import _as_tuple

ACTIVATIONS = {"ReLU": "relu", "ReLU6": "relu", "LeakyReLU": "relu", "Tanh": "tanh",
               "Sigmoid": "sigmoid", "Hardtanh": "tanh", "GELU": "relu", "ELU": "relu"}
SATURATION = 0.99


def _unit_axes(array):
    """Axes to reduce for per-unit statistics: all but the feature/channel axis 1."""
    return (0,) + tuple(range(2, array.ndim)) if array.ndim >= 2 else (0,)


def layer_statistics(array, kind):
    """mean, std, dead-unit fraction (ReLU family) and saturated fraction (tanh/sigmoid)."""
    a = np.asarray(array, dtype=np.float64)
    stats = {"mean": float(a.mean()), "std": float(a.std()), "dead": float("nan"),
             "saturated": float("nan")}
    if kind == "relu":
        stats["dead"] = float(np.all(a <= 0, axis=_unit_axes(a)).mean())
    elif kind == "tanh":
        stats["saturated"] = float((np.abs(a) > SATURATION).mean())
    elif kind == "sigmoid":
        stats["saturated"] = float(((a < 1 - SATURATION) | (a > SATURATION)).mean())
    return stats


@dataclass
class ActivationStats:
    """``layers``: list of dicts (name, kind, mean, std, dead, saturated); ``samples``: up to
    2,000 output values per layer for histograms."""
    layers: list
    samples: dict = field(repr=False, default_factory=dict)

    def table(self):
        lines = [f"{'layer':<24}{'kind':<9}{'mean':>10}{'std':>10}{'dead':>8}{'saturated':>11}"]
        for r in self.layers:
            lines.append(f"{r['name']:<24}{r['kind']:<9}{r['mean']:>10.4f}{r['std']:>10.4f}"
                         f"{r['dead']:>8.2f}{r['saturated']:>11.2f}")
        return "\n".join(lines)

    __str__ = table

    def plot(self, path=None):
        """One histogram of activation values per layer."""
        plt = pyplot()
        n = max(len(self.layers), 1)
        fig, axes = plt.subplots(1, n, figsize=(2.2 * n, 2.4), squeeze=False)
        for ax, r in zip(axes[0], self.layers):
            ax.hist(self.samples[r["name"]], bins=40, color="tab:blue")
            ax.set_title(f"{r['name']}\nstd {r['std']:.3g}", fontsize=8)
            ax.tick_params(labelsize=6)
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=110, bbox_inches="tight")
        return fig


def activation_stats(model, data, layers=None):
    """Statistics of every activation module's output on ``data`` (eval mode, no grad).

    Args:
        model: an ``nn.Module``.
        data: the inputs (a tensor or a tuple passed as ``model(*data)``).
        layers: optional list of module names to watch (default: every ReLU/Tanh/Sigmoid
            family module).
    """
    check_model(model, "activation_stats")
    inputs = _as_tuple(data)
    if len(inputs[0]) == 0:
        raise ValueError("activation_stats: data is empty (0 samples)")
    watched = [(name, m) for name, m in model.named_modules()
               if (layers is None and type(m).__name__ in ACTIVATIONS)
               or (layers is not None and name in layers)]
    if not watched:
        raise ValueError(f"activation_stats: no layer to watch in {type(model).__name__}; "
                         f"known activation modules: {sorted(ACTIVATIONS)}")
    outputs, handles = {}, []
    for name, module in watched:
        def hook(mod, args, out, _name=name):
            outputs[_name] = to_numpy(out).copy()
        handles.append(module.register_forward_hook(hook))
    modes = module_modes(model)
    try:
        model.eval()
        with no_grad():
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
        restore_modes(modes)
    rows, samples = [], {}
    rng = np.random.default_rng(0)
    for name, module in watched:
        if name not in outputs:
            continue
        kind = ACTIVATIONS.get(type(module).__name__, "other")
        rows.append({"name": name, "kind": kind, **layer_statistics(outputs[name], kind)})
        flat = outputs[name].reshape(-1)
        samples[name] = flat if flat.size <= 2000 else rng.choice(flat, 2000, replace=False)
    return ActivationStats(rows, samples)


@dataclass
class GradientNorms:
    """``norms[name]``: the gradient norm of each parameter at every step; ``losses``."""
    norms: dict
    losses: list
    vanishing: list
    exploding: list

    def plot(self, path=None):
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for name, values in self.norms.items():
            ax.plot(values, label=name, lw=1)
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("gradient norm")
        flags = ([f"vanishing: {', '.join(self.vanishing)}"] if self.vanishing else []) + \
            ([f"exploding: {', '.join(self.exploding)}"] if self.exploding else [])
        ax.set_title("; ".join(flags) or "gradient norms per parameter", fontsize=9)
        ax.legend(fontsize=6, ncol=2)
        if path is not None:
            fig.savefig(path, dpi=110, bbox_inches="tight")
        return fig


def gradient_norms(model, loss_fn, data, optimizer, steps=50, vanish_ratio=1e-3,
                   explode_norm=1e3):
    """Train ``steps`` steps on ``(X, y)`` batches and record per-parameter gradient norms.

    ``data``: an iterable of (x, y) batches (cycled) or one (X, y) pair. A parameter is
    flagged vanishing when its median RMS gradient (norm / sqrt(numel)) is below
    ``vanish_ratio`` times the largest one, exploding when a norm is non-finite or above
    ``explode_norm``.
    """
    check_model(model, "gradient_norms")
    if int(steps) != steps or steps < 1:
        raise ValueError(f"gradient_norms: steps must be a positive int, got {steps!r}")
    from .lr_finder import _batches  # noqa: PLC0415 - shared batch cycling
    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    norms, losses = {n: [] for n, _ in params}, []
    batches = _batches(data)
    model.train()
    for _ in range(int(steps)):
        x, y = next(batches)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        for name, p in params:
            norms[name].append(float(np.linalg.norm(to_numpy(p.grad))) if p.grad is not None
                               else 0.0)
        optimizer.step()
        losses.append(float(loss.item()))
    # compare root-mean-square gradients: a bias vector's norm is small only for being short
    sizes = {n: p.numel() for n, p in params}
    medians = {n: float(np.median(v)) / np.sqrt(sizes[n]) for n, v in norms.items()}
    top = max(medians.values()) if medians else 0.0
    vanishing = [n for n, m in medians.items() if top > 0 and m < vanish_ratio * top]
    exploding = [n for n, v in norms.items()
                 if not np.all(np.isfinite(v)) or max(v) > explode_norm]
    return GradientNorms(norms, losses, vanishing, exploding)


INITS = ("zero", "normal", "xavier", "he", "lecun")


def initialise_(weight, scheme, normal_std=0.01):
    """Fill a Linear weight by name: zero, normal(0, normal_std), xavier, he, lecun."""
    if scheme == "zero":
        nn.init.zeros_(weight)
    elif scheme == "normal":
        nn.init.normal_(weight, 0.0, normal_std)
    elif scheme == "xavier":
        nn.init.xavier_normal_(weight)          # Glorot & Bengio: gain 1
    elif scheme == "he":
        nn.init.kaiming_normal_(weight, nonlinearity="relu")
    elif scheme == "lecun":
        nn.init.lecun_normal_(weight)
    else:
        raise ValueError(f"init_explorer: unknown init {scheme!r}; known: {INITS}")


def deep_mlp(depth, width, activation, batch_norm):
    act = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[activation]
    layers = []
    for _ in range(depth):
        layers.append(nn.Linear(width, width))
        if batch_norm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(act())
    return nn.Sequential(*layers)


@dataclass
class InitExplorerResult:
    """``std[(init, batch_norm)]`` and ``mean[...]``: per-layer activation statistics
    (index 0 = the input); ``samples[(init, batch_norm)]``: last-layer activation values."""
    activation: str
    depth: int
    std: dict
    mean: dict
    samples: dict = field(repr=False, default_factory=dict)

    def plot(self, path=None):
        plt = pyplot()
        bns = sorted({bn for _, bn in self.std})
        fig, axes = plt.subplots(1, len(bns), figsize=(5 * len(bns), 3.6), squeeze=False)
        for ax, bn in zip(axes[0], bns):
            for (init, b), stds in self.std.items():
                if b == bn:
                    ax.plot(range(len(stds)), np.maximum(stds, 1e-12), "-o", ms=3, label=init)
            ax.set_yscale("log")
            ax.set_xlabel("layer")
            ax.set_ylabel("activation std")
            ax.set_title(f"{self.activation}, {'with' if bn else 'without'} batch norm")
            ax.legend(fontsize=8)
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=110, bbox_inches="tight")
        return fig


def init_explorer(activation="tanh", inits=INITS, batch_norm=(False, True), depth=10,
                  width=256, n_samples=512, normal_std=0.01, seed=0):
    """Activation mean/std layer by layer of a deep MLP under each initialisation.

    The input is N(0, 1) of shape (n_samples, width); biases are zero; batch norm (when on)
    uses the batch's statistics, as in training. Returns :class:`InitExplorerResult`.
    """
    if activation not in ("relu", "tanh", "sigmoid"):
        raise ValueError(f"init_explorer: activation must be relu, tanh or sigmoid, "
                         f"got {activation!r}")
    if depth < 1 or width < 1 or n_samples < 2:
        raise ValueError(f"init_explorer: need depth >= 1, width >= 1, n_samples >= 2; got "
                         f"depth={depth}, width={width}, n_samples={n_samples}")
    for scheme in inits:
        if scheme not in INITS:
            raise ValueError(f"init_explorer: unknown init {scheme!r}; known: {INITS}")
    stds, means, samples = {}, {}, {}
    for bn in batch_norm:
        for scheme in inits:
            manual_seed(seed)
            net = deep_mlp(depth, width, activation, bool(bn))
            for m in net.modules():
                if isinstance(m, nn.Linear):
                    initialise_(m.weight, scheme, normal_std)
                    nn.init.zeros_(m.bias)
            x = randn(n_samples, width)
            outputs = [to_numpy(x)]
            with no_grad():
                for module in net:
                    x = module(x)
                    if type(module).__name__ in ACTIVATIONS:
                        outputs.append(to_numpy(x))
            stds[(scheme, bool(bn))] = np.array([o.std() for o in outputs])
            means[(scheme, bool(bn))] = np.array([o.mean() for o in outputs])
            samples[(scheme, bool(bn))] = outputs[-1].reshape(-1)[:5000]
    return InitExplorerResult(activation, depth, stds, means, samples)
