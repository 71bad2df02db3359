"""The optimiser playground: optimisers walking on classic 2-D test surfaces.

Each test function f(x, y) is written once with operators that work on NumPy arrays (to
draw contours) and on deepgrad tensors (so autograd gives the gradient the optimisers use):

* Rosenbrock   (1 - x)^2 + 100 (y - x^2)^2            a curved, flat-bottomed valley; min (1, 1)
* Beale        (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2;   min (3, 0.5)
* Himmelblau   (x^2 + y - 11)^2 + (x + y^2 - 7)^2      four minima (3, 2) and three others
* saddle       x^2 - y^2                               a saddle point at the origin
* quadratic    (x^2 + kappa y^2) / 2, kappa = 50       ill-conditioned: GD zig-zags across y
* Rastrigin    20 + sum(x^2 - 10 cos(2 pi x))          many local minima; global min (0, 0)

``optimizer_paths`` runs each optimiser from the same start and records its path;
``gd_variant_paths`` shows batch, mini-batch and stochastic gradient descent on a linear
regression's (w, b) plane: the smaller the batch, the noisier the walk.
"""
from dataclasses import dataclass

import numpy as np

from .. import float64, optim, tensor
from ..ops import elementwise as _ew
from ..tensor import Tensor
from ._common import pyplot


def _cos(z):
    return _ew.cos(z) if isinstance(z, Tensor) else np.cos(z)


@dataclass
class TestFunction:
    name: str
    f: object                   # f(x, y) on arrays or tensors
    domain: tuple               # ((xmin, xmax), (ymin, ymax)) of the plot
    minima: tuple               # known minimisers
    start: tuple                # a default starting point
    log_levels: bool = True     # contour levels on a log scale (f >= 0 with a wide range)

    def __call__(self, x, y):
        return self.f(x, y)


FUNCTIONS = {
    "rosenbrock": TestFunction("rosenbrock", lambda x, y: (1 - x) ** 2 + 100 * (y - x ** 2) ** 2,
                               ((-2.0, 2.0), (-1.0, 3.0)), ((1.0, 1.0),), (-1.5, 2.0)),
    "beale": TestFunction("beale", lambda x, y: (1.5 - x + x * y) ** 2
                          + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2,
                          ((-4.5, 4.5), (-4.5, 4.5)), ((3.0, 0.5),), (1.0, 1.5)),
    "himmelblau": TestFunction("himmelblau", lambda x, y: (x ** 2 + y - 11) ** 2
                               + (x + y ** 2 - 7) ** 2, ((-5.0, 5.0), (-5.0, 5.0)),
                               ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                                (3.584428, -1.848126)), (0.0, -0.5)),
    "saddle": TestFunction("saddle", lambda x, y: x ** 2 - y ** 2, ((-2.0, 2.0), (-2.0, 2.0)),
                           (), (-1.5, 1e-3), log_levels=False),
    "quadratic": TestFunction("quadratic", lambda x, y: 0.5 * (x ** 2 + 50.0 * y ** 2),
                              ((-2.0, 2.0), (-1.0, 1.0)), ((0.0, 0.0),), (-1.8, 0.6)),
    "rastrigin": TestFunction("rastrigin", lambda x, y: 20 + x ** 2 - 10 * _cos(2 * np.pi * x)
                              + y ** 2 - 10 * _cos(2 * np.pi * y),
                              ((-5.12, 5.12), (-5.12, 5.12)), ((0.0, 0.0),), (3.2, 2.7),
                              log_levels=False),
}

DEFAULT_OPTIMIZERS = {
    "SGD": (optim.SGD, {"lr": 1e-3}),
    "momentum": (optim.SGD, {"lr": 1e-3, "momentum": 0.9}),
    "RMSprop": (optim.RMSprop, {"lr": 1e-2}),
    "Adam": (optim.Adam, {"lr": 5e-2}),
}


@dataclass
class PathsResult:
    """``paths[name]`` is an array (steps + 1, 2) of the points visited, ``values[name]`` the
    function along it."""
    function: TestFunction
    paths: dict
    values: dict
    title: str = ""
    axis_labels: tuple = ("x", "y")

    def final_points(self):
        return {name: tuple(path[-1]) for name, path in self.paths.items()}

    def _grid(self, n=120):
        (x0, x1), (y0, y1) = self.function.domain
        xs, ys = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        return xs, ys, self.function(xs, ys)

    def _axes(self, plt):
        fig, ax = plt.subplots(figsize=(5.5, 4.5))
        xs, ys, zs = self._grid()
        if self.function.log_levels and zs.min() >= 0:
            levels = np.geomspace(max(zs.min(), 1e-3), zs.max(), 25)
        else:
            levels = 25
        ax.contour(xs, ys, zs, levels=levels, cmap="viridis", linewidths=0.6)
        for m in self.function.minima:
            ax.plot(*m, "k*", ms=10)
        (x0, x1), (y0, y1) = self.function.domain
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xlabel(self.axis_labels[0])
        ax.set_ylabel(self.axis_labels[1])
        ax.set_title(self.title or f"optimisers on {self.function.name}")
        return fig, ax

    def plot(self, path=None):
        """Contours of f with each optimiser's path (written as PNG when ``path`` given)."""
        plt = pyplot()
        fig, ax = self._axes(plt)
        for name, points in self.paths.items():
            line, = ax.plot(points[:, 0], points[:, 1], "-", lw=1.2, label=name)
            ax.plot(points[-1, 0], points[-1, 1], "o", ms=4, color=line.get_color())
        first = next(iter(self.paths.values()))
        ax.plot(first[0, 0], first[0, 1], "ks", ms=5)
        ax.legend(fontsize=8, loc="best")
        if path is not None:
            fig.savefig(path, dpi=110, bbox_inches="tight")
        return fig

    def animate(self, path, frames=60, fps=15):
        """An animated GIF of the paths growing step by step (matplotlib + Pillow)."""
        plt = pyplot()
        from matplotlib.animation import FuncAnimation, PillowWriter  # noqa: PLC0415
        fig, ax = self._axes(plt)
        lines = {name: ax.plot([], [], "-", lw=1.2, label=name)[0] for name in self.paths}
        ax.legend(fontsize=8, loc="best")
        n = max(len(p) for p in self.paths.values())
        cuts = np.unique(np.linspace(1, n, min(frames, n)).astype(int))

        def draw(frame):
            for name, line in lines.items():
                points = self.paths[name][:cuts[frame]]
                line.set_data(points[:, 0], points[:, 1])
            return list(lines.values())

        animation = FuncAnimation(fig, draw, frames=len(cuts), blit=True)
        animation.save(path, writer=PillowWriter(fps=fps))
        plt.close(fig)
        return path


def _function(function):
    if isinstance(function, str):
        if function not in FUNCTIONS:
            raise ValueError(f"optimizer_paths: unknown function {function!r}; known: "
                             f"{sorted(FUNCTIONS)}")
        return FUNCTIONS[function]
    if isinstance(function, TestFunction):
        return function
    if callable(function):
        return TestFunction(getattr(function, "__name__", "f"), function,
                            ((-2.0, 2.0), (-2.0, 2.0)), (), (1.0, 1.0), log_levels=False)
    raise TypeError(f"optimizer_paths: function must be a name, a TestFunction or a callable "
                    f"f(x, y), got {type(function).__name__}")


def _make_optimizer(spec, params, name):
    if isinstance(spec, tuple) and len(spec) == 2:
        cls, kwargs = spec
        return cls(params, **kwargs)
    if callable(spec):
        return spec(params)
    raise TypeError(f"optimizer_paths: optimizer {name!r} must be (OptimizerClass, kwargs) or a "
                    f"callable params -> optimizer, got {type(spec).__name__}")


def optimizer_paths(function, optimizers=None, steps=200, start=None):
    """Run each optimiser on ``function`` from ``start`` for ``steps`` steps.

    Args:
        function: a name from :data:`FUNCTIONS`, a :class:`TestFunction`, or f(x, y).
        optimizers: dict name -> ``(OptimizerClass, kwargs)`` or ``params -> optimizer``
            (default: SGD, momentum, RMSprop, Adam with rates that suit the defaults).
        steps (int): optimisation steps (>= 1).
        start: (x, y) start (default: the function's).

    Returns:
        :class:`PathsResult`; ``.plot(png)`` draws the paths on the contours and
        ``.animate(gif)`` writes the animation.
    """
    fn = _function(function)
    optimizers = DEFAULT_OPTIMIZERS if optimizers is None else optimizers
    if not isinstance(optimizers, dict) or not optimizers:
        raise ValueError("optimizer_paths: optimizers must be a non-empty dict name -> spec")
    if int(steps) != steps or steps < 1:
        raise ValueError(f"optimizer_paths: steps must be a positive int, got {steps!r}")
    start = fn.start if start is None else tuple(float(v) for v in start)
    if len(start) != 2:
        raise ValueError(f"optimizer_paths: start must be a point (x, y), got {start!r}")
    paths, values = {}, {}
    for name, spec in optimizers.items():
        point = tensor(list(start), dtype=float64, requires_grad=True)
        opt = _make_optimizer(spec, [point], name)
        visited, fs = [np.array(start)], []
        for _ in range(int(steps)):
            opt.zero_grad()
            value = fn(point[0], point[1])
            value.backward()
            opt.step()
            fs.append(float(value.item()))
            visited.append(point.detach().numpy().copy())
        fs.append(float(fn(*visited[-1])))
        paths[name], values[name] = np.array(visited), np.array(fs)
    return PathsResult(fn, paths, values)


def gd_variant_paths(n_samples=200, batch_sizes=None, lr=0.05, epochs=5, noise=0.5, seed=0,
                     start=(-2.0, -2.0)):
    """Batch vs mini-batch vs stochastic gradient descent on ``y = 2 x + 1 + noise``.

    The parameters (w, b) of ``y_hat = w x + b`` walk on the contours of the mean squared
    error. Every variant sees ``epochs`` passes over the same data: batch GD makes one
    exact step per epoch; a mini-batch of B makes n / B noisy steps; SGD makes n.
    Returns :class:`PathsResult` (the surface is the full-data MSE).
    """
    if n_samples < 2:
        raise ValueError(f"gd_variant_paths: n_samples must be >= 2, got {n_samples}")
    batch_sizes = batch_sizes or {"batch": n_samples, "mini-batch (16)": 16, "stochastic": 1}
    for name, size in batch_sizes.items():
        if not 1 <= size <= n_samples:
            raise ValueError(f"gd_variant_paths: batch size of {name!r} must be in "
                             f"[1, {n_samples}], got {size}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n_samples)
    y = 2.0 * x + 1.0 + noise * rng.standard_normal(n_samples)

    def mse(w, b):
        if isinstance(w, np.ndarray):
            return ((w[..., None] * x + b[..., None] - y) ** 2).mean(axis=-1)
        return float(((w * x + b - y) ** 2).mean())

    surface = TestFunction("linear regression MSE", mse, ((-3.0, 5.0), (-3.0, 4.0)),
                           (tuple(np.polyfit(x, y, 1)),), start)
    xt, yt = tensor(x, dtype=float64), tensor(y, dtype=float64)
    paths, values = {}, {}
    for name, size in batch_sizes.items():
        params = tensor(list(start), dtype=float64, requires_grad=True)
        opt = optim.SGD([params], lr=lr)
        order_rng = np.random.default_rng(seed + 1)
        visited = [np.array(start)]
        for _ in range(epochs):
            order = order_rng.permutation(n_samples)
            for lo in range(0, n_samples, size):
                idx = tensor(order[lo:lo + size])
                opt.zero_grad()
                pred = params[0] * xt[idx] + params[1]
                ((pred - yt[idx]) ** 2).mean().backward()
                opt.step()
                visited.append(params.detach().numpy().copy())
        paths[name] = np.array(visited)
        values[name] = np.array([mse(w, b) for w, b in visited])
    return PathsResult(surface, paths, values, title="batch vs mini-batch vs stochastic GD",
                       axis_labels=("slope w", "intercept b"))
