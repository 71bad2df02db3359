"""Draw the guide's figures into docs/guide/img/ (one small PNG per page; committed).

Run from the repository root: ``.venv/bin/python docs/guide/make_figures.py [slug ...]``.
Not part of the test suite (the figures are committed; the tests only check they exist and
stay small). Each figure is computed with deepgrad (or NumPy for pure formulas).
"""
import math
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
import deepgrad as torch  # noqa: E402
from deepgrad import nn, optim  # noqa: E402
import deepgrad.nn.functional as F  # noqa: E402

IMG = pathlib.Path(__file__).resolve().parent / "img"
FIGURES = {}


def figure(slug):
    def register(fn):
        FIGURES[slug] = fn
        return fn
    return register


def new_axes(title):
    fig, ax = plt.subplots(figsize=(4.2, 2.8))
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)
    return fig, ax


def values(t):
    return t.detach().numpy()


@figure("losses")
def losses():
    fig, ax = new_axes("regression losses of the residual r")
    r = torch.linspace(-3, 3, 200)
    zero = torch.zeros(200)
    for name, loss in [("MSE", nn.MSELoss(reduction="none")), ("MAE", nn.L1Loss(reduction="none")),
                       ("Huber (delta=1)", nn.HuberLoss(reduction="none"))]:
        ax.plot(values(r), values(loss(r, zero)), label=name)
    ax.set_ylim(0, 5)
    ax.legend(fontsize=7)
    return fig


@figure("softmax-cross-entropy")
def softmax_ce():
    fig, ax = new_axes("cross-entropy of class 0 against its logit")
    z0 = np.linspace(-4, 4, 100)
    logits = torch.tensor(np.stack([z0, np.zeros(100), np.zeros(100)], 1), dtype=torch.float32)
    target = torch.zeros(100, dtype=torch.int64)
    ax.plot(z0, values(F.cross_entropy(logits, target, reduction="none")), label="CE")
    ax.plot(z0, values(F.softmax(logits, dim=1)[:, 0]), label="softmax p0")
    ax.set_xlabel("z0 (other logits 0)", fontsize=7)
    ax.legend(fontsize=7)
    return fig


@figure("activations")
def activations():
    fig, ax = new_axes("activations")
    x = torch.linspace(-3, 3, 200)
    for name, fn in [("relu", F.relu), ("tanh", torch.tanh), ("sigmoid", torch.sigmoid),
                     ("gelu", F.gelu), ("elu", F.elu), ("leaky_relu", lambda t: F.leaky_relu(t, 0.1))]:
        ax.plot(values(x), values(fn(x)), label=name)
    ax.legend(fontsize=6, ncol=2)
    return fig


@figure("initialisation")
def initialisation():
    fig, ax = new_axes("std of tanh/ReLU activations through 10 layers")
    torch.manual_seed(0)
    for name, init, act in [("normal(0, 1) tanh", lambda w: nn.init.normal_(w), torch.tanh),
                            ("Xavier tanh", nn.init.xavier_normal_, torch.tanh),
                            ("normal(0, .01) relu", lambda w: nn.init.normal_(w, std=0.01), F.relu),
                            ("He relu", lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"), F.relu)]:
        h, stds = torch.randn(500, 256), []
        for _ in range(10):
            w = torch.empty(256, 256)
            init(w)
            h = act(h @ w.t())
            stds.append(h.std().item())
        ax.semilogy(range(1, 11), stds, marker="o", ms=3, label=name)
    ax.set_xlabel("layer", fontsize=7)
    ax.legend(fontsize=6)
    return fig


@figure("standardisation")
def standardisation():
    fig, ax = new_axes("gradient descent on raw vs standardised features")
    rng = np.random.default_rng(0)
    X = np.c_[rng.normal(0, 1, 200), rng.normal(0, 10, 200)]
    y = X @ np.array([1.0, 0.3]) + rng.normal(0, 0.1, 200)
    for name, Z in [("raw", X), ("standardised", (X - X.mean(0)) / X.std(0))]:
        A = Z.T @ Z / len(Z)
        lr = 1.0 / np.linalg.eigvalsh(A).max()
        w, losses = np.zeros(2), []
        for _ in range(100):
            losses.append(np.mean((Z @ w - y) ** 2))
            w -= lr * 2 * Z.T @ (Z @ w - y) / len(Z)
        ax.semilogy(losses, label=f"{name} (kappa {np.linalg.cond(A):.0f})")
    ax.set_xlabel("step", fontsize=7)
    ax.legend(fontsize=7)
    return fig


@figure("fine-tuning")
def fine_tuning():
    from deepgrad.train import freeze
    fig, ax = new_axes("trainable parameters: frozen body, new head")
    model = nn.Sequential(nn.Linear(40, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    freeze(model, ["0", "2"])
    names = [n for n, _ in model.named_parameters()]
    sizes = [p.numel() for _, p in model.named_parameters()]
    colors = ["C1" if p.requires_grad else "C7" for _, p in model.named_parameters()]
    ax.barh(names, sizes, color=colors)
    ax.set_xlabel("parameters (grey: frozen)", fontsize=7)
    return fig


@figure("bias-variance")
def bias_variance():
    fig, ax = new_axes("polynomial degree: bias^2, variance, total")
    rng = np.random.default_rng(0)
    x = np.linspace(0, 1, 30)
    f = np.sin(2 * np.pi * x)
    degrees = range(0, 10)
    b2, var = [], []
    for d in degrees:
        preds = np.array([np.polyval(np.polyfit(x, f + rng.normal(0, 0.3, 30), d), x) for _ in range(100)])
        b2.append(((preds.mean(0) - f) ** 2).mean())
        var.append(preds.var(0).mean())
    ax.plot(degrees, b2, label="bias^2")
    ax.plot(degrees, var, label="variance")
    ax.plot(degrees, np.add(b2, var), label="sum", ls="--")
    ax.set_yscale("log")
    ax.set_xlabel("degree", fontsize=7)
    ax.legend(fontsize=7)
    return fig


@figure("double-descent")
def double_descent():
    from deepgrad.datasets import load_mnist1d
    from deepgrad.lab import double_descent as sweep
    d = load_mnist1d()
    n = 200
    widths = [10, 25, 50, 100, 150, 180, 200, 220, 250, 300, 400, 800, 1600, 3200]
    r = sweep(d["x"], d["y"], d["x_test"], d["y_test"], widths, n_train=n, n_seeds=10)
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.4, 2.6))
    left.semilogx(widths, r.test_error, marker="o", ms=2, label="test")
    left.semilogx(widths, r.train_error, marker="o", ms=2, label="train")
    left.set_title("0-1 error, MNIST-1D, n = 200", fontsize=9)
    right.loglog(widths, r.test_mse, "k", marker="o", ms=2, label="test MSE")
    right.loglog(widths, r.bias, label="bias^2")
    right.loglog(widths, r.variance, label="variance")
    right.set_title("test MSE = bias^2 + variance", fontsize=9)
    for ax in (left, right):
        ax.axvline(n, color="gray", ls=":", lw=1)
        ax.set_xlabel("width (random ReLU features)", fontsize=7)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6)
    return fig


@figure("regularisation")
def regularisation():
    fig, ax = new_axes("proximal steps: L1 soft-, L0 hard-threshold")
    w = np.linspace(-2, 2, 400)
    t = 0.5
    ax.plot(w, w, color="gray", lw=0.8, label="identity")
    ax.plot(w, values(torch.sign(torch.tensor(w)) * torch.clamp(torch.tensor(w).abs() - t, min=0)), label="L1")
    ax.plot(w, np.where(np.abs(w) > t, w, 0), label="L0", ls="--")
    ax.plot(w, w / (1 + 2 * t), label="L2 (shrink)")
    ax.legend(fontsize=7)
    return fig


@figure("dropout")
def dropout():
    fig, ax = new_axes("inverted dropout p=0.5: a mask, mean kept")
    torch.manual_seed(0)
    y = nn.Dropout(0.5)(torch.ones(8, 32))
    ax.imshow(values(y), cmap="gray_r", aspect="auto")
    ax.set_xlabel(f"mean {y.mean().item():.2f} (input mean 1.00)", fontsize=7)
    return fig


@figure("gradient-descent")
def gradient_descent():
    fig, ax = new_axes("batch GD, SGD and mini-batch paths")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)).astype(np.float32)
    y = X @ np.array([2.0, -1.0], dtype=np.float32)
    for name, b in [("batch", 200), ("mini-batch 16", 16), ("SGD", 1)]:
        torch.manual_seed(0)
        w = torch.zeros(2, requires_grad=True)
        opt = optim.SGD([w], lr=0.05)
        path = [values(w).copy()]
        for _ in range(60):
            idx = rng.choice(200, b, replace=False)
            opt.zero_grad()
            ((torch.tensor(X[idx]) @ w - torch.tensor(y[idx])) ** 2).mean().backward()
            opt.step()
            path.append(values(w).copy())
        path = np.array(path)
        ax.plot(path[:, 0], path[:, 1], marker=".", ms=2, label=name)
    ax.plot([2], [-1], "k*")
    ax.legend(fontsize=7)
    return fig


@figure("gradient-checking")
def gradient_checking():
    fig, ax = new_axes("relative error of central differences vs eps")
    x = torch.tensor([0.7], dtype=torch.float64)
    exact = math.cos(0.7)
    eps = np.logspace(-12, -1, 40)
    errors = [abs((torch.sin(x + e) - torch.sin(x - e)).item() / (2 * e) - exact) / abs(exact) for e in eps]
    ax.loglog(eps, errors)
    ax.axhline(1e-7, color="green", ls=":", label="1e-7 fine")
    ax.axhline(1e-4, color="red", ls=":", label="1e-4 wrong")
    ax.set_xlabel("eps (float64)", fontsize=7)
    ax.legend(fontsize=7)
    return fig


@figure("optimisers")
def optimisers():
    fig, ax = new_axes("paths on an ill-conditioned quadratic")
    a = np.linspace(-2.2, 2.2, 80)
    A, B = np.meshgrid(a, a)
    ax.contour(A, B, A ** 2 + 10 * B ** 2, levels=12, linewidths=0.5, colors="gray")
    for name, make in [("SGD", lambda p: optim.SGD(p, lr=0.09)),
                       ("momentum", lambda p: optim.SGD(p, lr=0.02, momentum=0.9)),
                       ("Adam", lambda p: optim.Adam(p, lr=0.2)),
                       ("RMSprop", lambda p: optim.RMSprop(p, lr=0.05))]:
        w = torch.tensor([-2.0, 1.5], requires_grad=True)
        opt, path = make([w]), []
        for _ in range(40):
            path.append(values(w).copy())
            opt.zero_grad()
            (w[0] ** 2 + 10 * w[1] ** 2).backward()
            opt.step()
        path = np.array(path)
        ax.plot(path[:, 0], path[:, 1], marker=".", ms=2, label=name)
    ax.legend(fontsize=6)
    return fig


@figure("lr-schedules")
def lr_schedules():
    fig, ax = new_axes("learning-rate schedules")
    for name, make in [("StepLR", lambda o: optim.lr_scheduler.StepLR(o, 30, 0.3)),
                       ("ExponentialLR", lambda o: optim.lr_scheduler.ExponentialLR(o, 0.97)),
                       ("CosineAnnealingLR", lambda o: optim.lr_scheduler.CosineAnnealingLR(o, 100)),
                       ("OneCycleLR", lambda o: optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=100))]:
        opt = optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        sched, lrs = make(opt), []
        for _ in range(100):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        ax.plot(lrs, label=name)
    ax.set_xlabel("step", fontsize=7)
    ax.legend(fontsize=6)
    return fig


@figure("hyperparameter-tuning")
def hyperparameter_tuning():
    from deepgrad.lab.tune import SerialExecutor, grid_search, random_search, uniform
    fig, ax = new_axes("grid (3 x values) vs random (9 x values)")
    space = {"x": uniform(0, 1), "y": uniform(0, 1)}
    def score(config, epochs):
        return -abs(config["x"] - 0.37)
    grid = grid_search(score, space, points=3, executor=SerialExecutor())
    rnd = random_search(score, space, 9, seed=0, executor=SerialExecutor())
    ax.scatter([r["x"] for r in grid], [r["y"] for r in grid], label="grid")
    ax.scatter([r["x"] for r in rnd], [r["y"] for r in rnd], marker="^", label="random")
    ax.axvline(0.37, color="gray", ls="--", label="best x")
    ax.set_xlabel("x (important)", fontsize=7)
    ax.set_ylabel("y (unimportant)", fontsize=7)
    ax.legend(fontsize=6)
    return fig


@figure("batch-normalisation")
def batch_normalisation():
    fig, ax = new_axes("pre-activations before / after BatchNorm1d")
    torch.manual_seed(0)
    x = torch.randn(2000, 1) * 3 + 4
    ax.hist(values(x).ravel(), bins=40, alpha=0.6, label="input")
    ax.hist(values(nn.BatchNorm1d(1)(x)).ravel(), bins=40, alpha=0.6, label="normalised")
    ax.legend(fontsize=7)
    return fig


@figure("train-val-test")
def train_val_test():
    from deepgrad.model_selection import KFold
    fig, ax = new_axes("5-fold cross-validation (dark: validation fold)")
    grid = np.zeros((5, 20))
    for k, (_, test) in enumerate(KFold(n_splits=5).split(np.zeros((20, 1)))):
        grid[k, test] = 1
    ax.imshow(grid, cmap="Blues", aspect="auto")
    ax.set_xlabel("example", fontsize=7)
    ax.set_ylabel("split", fontsize=7)
    return fig


def _train(loss_of, params, steps, lr=0.01):
    opt = optim.Adam(params, lr=lr)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_of()
        loss.backward()
        opt.step()
        history.append(loss.item())
    return history


@figure("autoencoders")
def autoencoders():
    from deepgrad.models import Autoencoder, mlp_encoder_decoder
    fig, ax = new_axes("autoencoder on MNIST-1D: reconstruction")
    from deepgrad.datasets import load_mnist1d
    x = torch.tensor(load_mnist1d()["x"][:256], dtype=torch.float32)
    torch.manual_seed(0)
    ae = Autoencoder(*mlp_encoder_decoder([40, 32, 8]))
    _train(lambda: ae.loss(x)["loss"], ae.parameters(), 300)
    ax.plot(values(x[0]), label="input")
    ax.plot(values(ae.reconstruct(x[:1])[0]), label="reconstruction (code 8)")
    ax.legend(fontsize=7)
    return fig


@figure("vae")
def vae():
    from deepgrad.models import VAE
    fig, ax = new_axes("VAE on two Gaussian blobs: codes")
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 400)
    data = rng.normal(0, 0.3, (400, 6)) + np.where(labels[:, None] == 1, 1.5, -1.5)
    x = torch.tensor(data, dtype=torch.float32)
    model = VAE(input_dim=6, hidden_dims=(16,), latent_dim=2, likelihood="gaussian")
    _train(lambda: model.loss(x)["loss"], model.parameters(), 300)
    mu = values(model.encode(x)[0])
    ax.scatter(mu[:, 0], mu[:, 1], c=labels, s=4, cmap="coolwarm")
    return fig


@figure("rbm-dbn")
def rbm_dbn():
    from deepgrad.models import RBM, fit_rbm
    fig, ax = new_axes("RBM on bars: free energy, noise minus data")
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 4, 200)
    data = np.zeros((200, 16), dtype=np.float32)
    for i, r in enumerate(rows):
        data[i, 4 * r: 4 * r + 4] = 1
    v = torch.tensor(data)
    rbm = RBM(16, 8)
    noise = torch.bernoulli(torch.full((200, 16), 0.25))     # as many ones as a bar
    gaps = []
    for _ in range(15):
        fit_rbm(rbm, v, epochs=1, lr=0.1, batch_size=20)
        gaps.append(rbm.free_energy(noise).mean().item() - rbm.free_energy(v).mean().item())
    ax.plot(range(1, 16), gaps, marker="o", ms=3)
    ax.set_xlabel("epoch", fontsize=7)
    ax.set_ylabel("F(noise) - F(data)", fontsize=7)
    return fig


@figure("gans")
def gans():
    from deepgrad.models import GAN
    fig, ax = new_axes("GAN on a ring, 400 steps (partial mode collapse)")
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    angle = rng.uniform(0, 2 * np.pi, 256)
    real = torch.tensor(np.c_[np.cos(angle), np.sin(angle)] * 2, dtype=torch.float32)
    G = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))
    D = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1))
    gan = GAN(G, D, latent_dim=2)
    opt_g, opt_d = optim.Adam(G.parameters(), 2e-3), optim.Adam(D.parameters(), 2e-3)
    for _ in range(400):
        opt_d.zero_grad()
        gan.discriminator_loss(real)["loss"].backward()
        opt_d.step()
        opt_g.zero_grad()
        gan.generator_loss(256)["loss"].backward()
        opt_g.step()
    fake = values(gan.sample(256))
    ax.scatter(values(real)[:, 0], values(real)[:, 1], s=3, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=3, label="generated")
    ax.legend(fontsize=7)
    return fig


@figure("cnn")
def cnn():
    fig, ax = new_axes("Conv1d edge filter on an MNIST-1D signal")
    from deepgrad.datasets import load_mnist1d
    x = torch.tensor(load_mnist1d()["x"][:1], dtype=torch.float32).reshape(1, 1, 40)
    conv = nn.Conv1d(1, 1, 3, padding=1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([[[-1.0, 0.0, 1.0]]]))
    ax.plot(values(x).ravel(), label="signal")
    ax.plot(values(conv(x)).ravel(), label="conv [-1, 0, 1]")
    ax.legend(fontsize=7)
    return fig


@figure("rnn")
def rnn():
    fig, ax = new_axes("gradient reaching step t from the last output")
    torch.manual_seed(0)
    for name, layer in [("RNN (tanh)", nn.RNN(4, 16, batch_first=True)),
                        ("LSTM", nn.LSTM(4, 16, batch_first=True)),
                        ("GRU", nn.GRU(4, 16, batch_first=True))]:
        x = torch.randn(1, 60, 4, requires_grad=True)
        out = layer(x)[0]
        out[0, -1].sum().backward()
        ax.semilogy(values(x.grad[0].norm(dim=1)), label=name)
    ax.set_xlabel("time step", fontsize=7)
    ax.legend(fontsize=7)
    return fig


@figure("sparse-coding")
def sparse_coding():
    from deepgrad.models import sparse_encode
    fig, ax = new_axes("lasso code: non-zeros vs alpha")
    rng = np.random.default_rng(0)
    D = rng.normal(size=(20, 30))
    D /= np.linalg.norm(D, axis=0)
    x = rng.normal(size=(1, 20))
    alphas = np.logspace(-2, 0.5, 12)
    nnz = [int((np.abs(np.asarray(sparse_encode(x, D.T, alpha=a))) > 1e-8).sum()) for a in alphas]
    ax.semilogx(alphas, nnz, marker="o", ms=3)
    ax.set_xlabel("alpha", fontsize=7)
    ax.set_ylabel("non-zero coefficients", fontsize=7)
    return fig


def main(slugs):
    IMG.mkdir(exist_ok=True)
    for slug in slugs or FIGURES:
        fig = FIGURES[slug]()
        fig.tight_layout()
        path = IMG / f"{slug}.png"
        fig.savefig(path, dpi=60)
        plt.close(fig)
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
