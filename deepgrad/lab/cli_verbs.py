"""The experiments behind ``deepgrad lab <verb>``: each takes (out, quick, seed), prints its
numbers and returns the paths it wrote."""
import os

import numpy as np

from .. import manual_seed, optim, tensor
from ..datasets.mnist1d import load_mnist1d
from ..nn import functional as F


def _mnist1d(n_train, n_test=0):
    data = load_mnist1d()
    return (tensor(data["x"][:n_train], dtype=None).float(), tensor(data["y"][:n_train]),
            tensor(data["x_test"][:n_test]).float(), tensor(data["y_test"][:n_test]))


def _mlp(sizes, batch_norm=False, activation="relu"):
    from ..models import MLP  # noqa: PLC0415
    return MLP(sizes, activation=activation, batch_norm=batch_norm)


def _train(model, X, y, epochs, lr=1e-2, batch=64, seed=0):
    opt = optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for lo in range(0, len(y), batch):
            idx = tensor(order[lo:lo + batch])
            opt.zero_grad()
            F.cross_entropy(model(X[idx]), y[idx]).backward()
            opt.step()
    return model


def gradcheck(out, quick=False, seed=0):
    from .gradcheck import check_gradients  # noqa: PLC0415
    manual_seed(seed)
    X, y, _, _ = _mnist1d(16)
    model = _mlp([40, 8 if quick else 32, 10], batch_norm=True)
    result = check_gradients(model, X, y, F.cross_entropy, max_checks=10 if quick else 100,
                             seed=seed)
    print(result.table())
    path = os.path.join(out, "gradcheck.png")
    result.plot(path)
    return [path]


class PolynomialRegression:
    """Least-squares polynomial fit of one feature, with fit/predict (for the U-curve)."""

    def __init__(self, degree):
        self.degree = degree

    def fit(self, X, y):
        self.coef_ = np.polyfit(np.asarray(X).ravel(), np.asarray(y), self.degree)
        return self

    def predict(self, X):
        return np.polyval(self.coef_, np.asarray(X).ravel())


def bias_variance(out, quick=False, seed=0):
    from .bias_variance import bias_variance_curve  # noqa: PLC0415
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, 60 if quick else 40)
    X_test = np.linspace(-0.95, 0.95, 100)[:, None]
    truth = lambda v: np.sin(np.pi * v)     # noqa: E731
    y = truth(x) + 0.3 * rng.standard_normal(x.shape)
    degrees = list(range(1, 7)) if quick else list(range(1, 12))
    curve = bias_variance_curve(PolynomialRegression, degrees, x[:, None], y, X_test,
                                truth(X_test.ravel()), num_rounds=10 if quick else 200,
                                random_seed=seed)
    for d, e, b, v in zip(degrees, curve.expected_loss, curve.bias, curve.variance):
        print(f"degree {d:2d}: expected loss {e:8.4f} = bias^2 {b:8.4f} + variance {v:8.4f}")
    path = os.path.join(out, "bias_variance.png")
    curve.plot(path, xlabel="polynomial degree")
    return [path, _double_descent(out, quick, seed)]


def _double_descent(out, quick, seed):
    """Past the U: random ReLU features on MNIST-1D, peak at width = n, then down again."""
    from .double_descent import double_descent  # noqa: PLC0415
    data = load_mnist1d()
    n = 40 if quick else 200
    widths = [n // 4, n // 2, n, 2 * n, 8 * n] if quick else \
        [10, 25, 50, 100, 150, 180, 200, 220, 250, 300, 400, 800, 1600, 3200]
    result = double_descent(data["x"], data["y"], data["x_test"], data["y_test"], widths,
                            n_train=n, n_seeds=2 if quick else 10, random_seed=seed)
    print(f"double descent, {n} training samples (MNIST-1D), min-norm least squares on "
          f"random ReLU features:")
    print(result.table())
    path = os.path.join(out, "double_descent.png")
    result.plot(path)
    return path


def curves(out, quick=False, seed=0):
    from sklearn.base import clone as _clone  # noqa: PLC0415 - deepgrad.sklearn needs it
    from ..model_selection import learning_curve, validation_curve  # noqa: PLC0415
    from ..sklearn import MLPClassifier  # noqa: PLC0415
    from ._common import pyplot  # noqa: PLC0415
    data = load_mnist1d()
    n, folds = (120, 2) if quick else (1500, 3)
    X, y = data["x"][:n].astype(np.float32), data["y"][:n]
    net = MLPClassifier(hidden_layer_sizes=(16,) if quick else (256,), max_iter=3 if quick
                        else 50, learning_rate_init=1e-2, random_state=seed, alpha=1e-4)
    # One small fit here first: its one-off costs (loading the compiled kernels) are then
    # inherited by the forked workers instead of being paid again in each of them.
    _clone(net).set_params(max_iter=1).fit(X[:folds * 10], y[:folds * 10])
    # The fits are independent: one worker process per core (n_jobs=-1) runs them side by
    # side, with the same numbers as one after another (--quick's fits are too small to
    # pay for starting processes).
    jobs = None if quick else -1
    sizes, train, test = learning_curve(net, X, y, cv=folds, n_jobs=jobs,
                                        train_sizes=np.linspace(0.1, 1, 2 if quick else 6))
    # The learning curve's last point is the net as configured (alpha=1e-4, no dropout) on
    # each fold's whole training part (the stratified folds here are all the same size): the
    # first point of both sweeps below. Reuse its scores instead of fitting it twice more.
    assert sizes[-1] == n - n // folds
    base = (train[-1:], test[-1:])
    sweeps = {"alpha": np.array([1e-4, 1e-1]) if quick else np.logspace(-4, 1, 6),
              "dropout": np.array([0.0, 0.5]) if quick else np.array([0.0, 0.2, 0.4, 0.6])}
    panels = [("training examples", sizes, train, test, "learning curve (MLP, MNIST-1D)")]
    for name, values in sweeps.items():
        assert values[0] == net.get_params()[name]
        v_train, v_test = validation_curve(net, X, y, param_name=name, param_range=values[1:],
                                           cv=folds, n_jobs=jobs)
        panels.append((name, values, np.vstack([base[0], v_train]),
                       np.vstack([base[1], v_test]), f"validation curve: {name}"))
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.6))
    for ax, (label, xs, tr, te, title) in zip(axes, panels):
        ax.plot(xs, 1 - tr.mean(1), "-o", label="training error")
        ax.plot(xs, 1 - te.mean(1), "-o", label="validation error")
        ax.set_xlabel(label)
        ax.set_ylabel("error (1 - accuracy)")
        ax.set_title(title)
        ax.legend()
        for x, a, b in zip(xs, tr.mean(1), te.mean(1)):
            print(f"{label} = {x:.4g}: train acc {a:.3f}, validation acc {b:.3f}")
    axes[1].set_xscale("log")
    path = os.path.join(out, "curves.png")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return [path]


def lr_find(out, quick=False, seed=0):
    from .lr_finder import lr_find as find  # noqa: PLC0415
    manual_seed(seed)
    X, y, _, _ = _mnist1d(512 if quick else 4000)
    model = _mlp([40, 32 if quick else 128, 10])
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    batches = [(X[tensor(order[i:i + 64])], y[tensor(order[i:i + 64])])
               for i in range(0, len(y) - 63, 64)]
    result = find(model, opt, F.cross_entropy, batches, start_lr=1e-5, end_lr=10.0,
                  num_iter=20 if quick else 150)
    print(f"suggested learning rate {result.suggestion:.3g} (stopped after {len(result.lrs)} "
          f"steps{', diverged' if result.diverged else ''})")
    path = os.path.join(out, "lr_find.png")
    result.plot(path)
    return [path]


def optimizers(out, quick=False, seed=0):
    from .playground import FUNCTIONS, gd_variant_paths, optimizer_paths  # noqa: PLC0415
    names = ["rosenbrock"] if quick else list(FUNCTIONS)
    steps = 20 if quick else 300
    written = []
    for name in names:
        result = optimizer_paths(name, steps=steps)
        finals = ", ".join(f"{k} ({p[0]:.3f}, {p[1]:.3f})" for k, p in
                           result.final_points().items())
        print(f"{name}: {finals}")
        path = os.path.join(out, f"{name}.png")
        result.plot(path)
        written.append(path)
        if name == "rosenbrock":
            gif = os.path.join(out, "rosenbrock.gif")
            result.animate(gif, frames=3 if quick else 60)
            written.append(gif)
    variants = gd_variant_paths(n_samples=64 if quick else 256, epochs=2 if quick else 10,
                                seed=seed)
    path = os.path.join(out, "gd_variants.png")
    variants.plot(path)
    return written + [path]


def diagnose(out, quick=False, seed=0):
    from .diagnostics import activation_stats, gradient_norms, init_explorer  # noqa: PLC0415
    written = []
    depth, width, n = (3, 16, 32) if quick else (10, 256, 512)
    for activation in ("tanh", "relu"):
        result = init_explorer(activation, depth=depth, width=width, n_samples=n, seed=seed,
                               batch_norm=(False,) if quick else (False, True))
        for (init, bn), stds in result.std.items():
            print(f"{activation} {init:>6} bn={bn!s:5}: std by layer "
                  + " ".join(f"{s:.2g}" for s in stds))
        path = os.path.join(out, f"init_{activation}.png")
        result.plot(path)
        written.append(path)
    manual_seed(seed)
    X, y, _, _ = _mnist1d(64 if quick else 1000)
    model = _mlp([40] + [64] * (2 if quick else 8) + [10], activation="sigmoid")
    norms = gradient_norms(model, F.cross_entropy, (X, y), optim.SGD(model.parameters(), lr=0.1),
                           steps=5 if quick else 50)
    print(f"sigmoid MLP: vanishing {norms.vanishing or 'none'}, exploding "
          f"{norms.exploding or 'none'}")
    written.append(os.path.join(out, "gradient_norms.png"))
    norms.plot(written[-1])
    stats = activation_stats(model, X)
    print(stats.table())
    written.append(os.path.join(out, "activations.png"))
    stats.plot(written[-1])
    return written


def hessian(out, quick=False, seed=0):
    from .hessian import hessian_eigs  # noqa: PLC0415
    manual_seed(seed)
    X, y, _, _ = _mnist1d(256 if quick else 1000)
    model = _train(_mlp([40, 8 if quick else 32, 10]), X, y, epochs=1 if quick else 20,
                   seed=seed)
    result = hessian_eigs(model, F.cross_entropy, (X, y), k=3 if quick else 10,
                          method="lanczos", lanczos_steps=20 if quick else 80)
    top = hessian_eigs(model, F.cross_entropy, (X, y), k=1, method="power",
                       max_iter=20 if quick else 200)
    print("Lanczos top eigenvalues: " + " ".join(f"{v:.4g}" for v in result.eigenvalues))
    print(f"power iteration top eigenvalue: {top.eigenvalues[0]:.4g} ({top.n_hvp} HVPs); "
          f"gradient descent is stable on this curvature for lr < 2/lambda_max = "
          f"{2 / abs(top.eigenvalues[0]):.3g}")
    path = os.path.join(out, "hessian.png")
    result.plot(path)
    return [path]
