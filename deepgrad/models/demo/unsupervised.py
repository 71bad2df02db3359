"""The demo's unsupervised families: autoencoders, the stacked autoencoder, the VAE, the
RBM and DBN, and sparse coding. Each ``run_*`` trains on ``data`` (a ``DemoData``) and
returns ``{"rows": [...], "figure": name or None, "notes": [...]}``."""
import numpy as np

from ...autograd import no_grad
from ...random import Generator, manual_seed
from .data import (draw_samples, fit_classifier, fit_objective, have_sklearn, save_figure,
                   tensor)
from .report import row

AE_KINDS = ("plain", "denoising", "sparse", "contractive")
RHO = 0.05          # the sparse autoencoder's target mean activation
MASKING = 0.3       # the share of inputs the denoising autoencoder learns to fill in
VAE_SIGMA = 0.1     # the Gaussian decoder's standard deviation (MNIST-1D in [0, 1])


def bernoulli_baseline(X, X_test):
    """Mean log-likelihood of ``X_test`` under independent Bernoulli pixels whose means are
    the training means: the best model that ignores every dependence between pixels.
    (For such a model the pseudo-likelihood sum_i log p(x_i | x_-i) is this same number.)"""
    p = np.clip(X.mean(0), 1e-3, 1 - 1e-3)
    return float(np.mean(X_test @ np.log(p) + (1 - X_test) @ np.log(1 - p)))


def gaussian_baseline(X, X_test, sigma):
    """Mean log-likelihood of ``X_test`` under independent N(training mean, sigma^2) pixels."""
    sq = ((X_test - X.mean(0)) ** 2).sum(1)
    return float(np.mean(-0.5 * sq / sigma ** 2
                         - 0.5 * X.shape[1] * np.log(2 * np.pi * sigma ** 2)))


def _autoencoder(kind, d):
    from .. import ContractiveAutoencoder, DenoisingAutoencoder, SparseAutoencoder  # noqa
    from ..autoencoder import Autoencoder  # noqa: PLC0415
    common = dict(activation="sigmoid", output_activation="sigmoid", loss="bce")
    sizes = [d, 32]
    if kind == "plain":
        return Autoencoder.mlp(sizes, **common)
    if kind == "denoising":
        return DenoisingAutoencoder.mlp(sizes, noise="masking", noise_level=MASKING, **common)
    if kind == "sparse":
        return SparseAutoencoder.mlp(sizes, rho=RHO, beta=5.0, **common)
    return ContractiveAutoencoder.mlp(sizes, lam=0.01, **common)


def run_autoencoders(data, ctx):
    """Four d-32-d sigmoid autoencoders (binary cross-entropy). Headline: test
    reconstruction MSE against predicting every pixel's training mean; the denoising one is
    also scored on masked test inputs against the plain one on the same inputs."""
    from ..autoencoder import corrupt  # noqa: PLC0415
    epochs = ctx.pick(30, 10)
    X_test = tensor(data.X_test)
    masked = corrupt(X_test, "masking", MASKING, generator=Generator().manual_seed(ctx.seed + 1))
    mean_mse = float(((data.X_test - data.X.mean(0)) ** 2).mean())
    rows, curves, recon, notes = [], {}, {}, []
    masked_mse = {}
    for kind in AE_KINDS:
        manual_seed(ctx.seed)
        model = _autoencoder(kind, data.n_features)
        curves[kind] = fit_objective(model, data.X, epochs, 1e-2, seed=ctx.seed)["loss"]
        recon[kind] = model.reconstruct(X_test).numpy()
        masked_mse[kind] = float(((model.reconstruct(masked).numpy() - data.X_test) ** 2).mean())
        mse = float(((recon[kind] - data.X_test) ** 2).mean())
        rows.append(row(f"{kind} autoencoder", "test reconstruction MSE", mse, mean_mse,
                        "predict the training mean", higher_is_better=False))
        if kind == "sparse":
            with no_grad():
                activation = float(model.encode(X_test).mean().item())
            notes.append(f"sparse autoencoder: mean code activation {activation:.3f} "
                         f"(target rho = {RHO})")
    rows.append(row("denoising autoencoder", f"MSE from {MASKING:.0%}-masked input",
                    masked_mse["denoising"], masked_mse["plain"], "plain autoencoder, same input",
                    higher_is_better=False))
    figure = None
    if ctx.plt is not None:
        fig = ctx.plt.figure(figsize=(11, 7))
        grids = [("test", data.X_test[:10]), (f"masked {MASKING:.0%}", masked.numpy()[:10])]
        grids += [(f"{k} reconstruction", recon[k][:10]) for k in AE_KINDS]
        for i, (label, images) in enumerate(grids):
            draw_samples(fig.add_subplot(4, 2, i + 1), images, data.shape, 10, label)
        ax = fig.add_subplot(4, 1, 4)
        for k in AE_KINDS:
            ax.plot(np.arange(1, epochs + 1), curves[k], label=k)
        ax.set_xlabel("epoch"), ax.set_ylabel("training loss (BCE)"), ax.legend(fontsize=7)
        figure = save_figure(fig, ctx.out_dir, "autoencoders.png")
    return {"rows": rows, "figure": figure, "notes": notes}


def run_stacked(data, ctx):
    """Greedy layer-wise pretraining (all training inputs, no labels) then fine-tuning with
    10 % of the labels, against the same network trained from scratch on those labels."""
    from .. import StackedAutoencoder  # noqa: PLC0415
    pre_epochs, tune_epochs = ctx.pick(20, 5), ctx.pick(30, 30)
    n_labels = max(len(data.X) // 10, 20)
    sizes = [data.n_features, 64, 32]
    curves, accuracy = {}, {}
    for name in ("pretrained", "scratch"):
        manual_seed(ctx.seed)
        model = StackedAutoencoder(sizes, n_classes=10, activation="sigmoid")
        if name == "pretrained":
            model.pretrain(tensor(data.X), epochs=pre_epochs, lr=1e-2, seed=ctx.seed)
        curves[name], accuracy[name] = fit_classifier(
            model, data.X[:n_labels], data.y[:n_labels], data.X_test, data.y_test, tune_epochs,
            3e-3, batch_size=32, seed=ctx.seed)
    rows = [row(f"stacked AE {sizes}", f"test accuracy, {n_labels} labels",
                accuracy["pretrained"], accuracy["scratch"], "same net from scratch",
                higher_is_better=True)]
    figure = None
    if ctx.plt is not None:
        fig, ax = ctx.plt.subplots(figsize=(7, 4))
        for name in curves:
            ax.plot(np.arange(1, tune_epochs + 1), curves[name], label=name)
        ax.set_xlabel("fine-tuning epoch"), ax.set_ylabel("test accuracy")
        ax.set_title(f"stacked autoencoder {sizes}: pretrained on {len(data.X)} unlabelled "
                     f"inputs vs scratch, {n_labels} labels", fontsize=9)
        ax.legend()
        figure = save_figure(fig, ctx.out_dir, "stacked_autoencoder.png")
    return {"rows": rows, "figure": figure, "notes": []}


def run_vae(data, ctx):
    """A VAE (d-128-8): Bernoulli decoder for the digits' pixels, Gaussian (sigma 0.1) for
    MNIST-1D's real-valued signals. Headline: the test ELBO (nats per sample) against the
    log-likelihood of independent pixels under the same likelihood (their training means);
    the IWAE estimates in the notes."""
    from .. import VAE  # noqa: PLC0415
    epochs = ctx.pick(40, 15)
    manual_seed(ctx.seed)
    if data.is_image:
        vae = VAE(data.n_features, (128,), 8)
        baseline = bernoulli_baseline(data.X, data.X_test)
    else:
        vae = VAE(data.n_features, (128,), 8, likelihood="gaussian", sigma=VAE_SIGMA)
        baseline = gaussian_baseline(data.X, data.X_test, VAE_SIGMA)
    curve = fit_objective(vae, data.X, epochs, 3e-3, seed=ctx.seed)["loss"]
    X_test = tensor(data.X_test)
    vae.eval()
    with no_grad():
        elbo = float(vae.elbo(X_test).mean().item())
        iwae = {k: float(vae.log_likelihood(X_test, k).mean().item()) for k in (1, 10, 100)}
    rows = [row(f"VAE d-128-8 ({vae.likelihood})", "test ELBO (nats/sample)", elbo, baseline,
                "independent pixels", higher_is_better=True)]
    notes = ["IWAE estimates of log p(x): " + ", ".join(f"k={k}: {v:.2f}"
                                                        for k, v in iwae.items())]
    figure = None
    if ctx.plt is not None:
        fig = ctx.plt.figure(figsize=(11, 6))
        samples = vae.sample(40, generator=Generator().manual_seed(ctx.seed)).numpy()
        draw_samples(fig.add_subplot(2, 2, 1), samples, data.shape, 10, "samples, z ~ N(0, I)")
        pairs = np.concatenate([data.X_test[:10], vae.reconstruct(X_test[:10]).numpy()])
        draw_samples(fig.add_subplot(2, 2, 2), pairs, data.shape, 10,
                     "test inputs (top) and reconstructions decode(mu(x))")
        ax = fig.add_subplot(2, 1, 2)
        ax.plot(np.arange(1, epochs + 1), -np.asarray(curve))
        ax.axhline(rows[0]["baseline"], color="gray", ls=":", label="independent pixels (test)")
        ax.set_xlabel("epoch"), ax.set_ylabel("training ELBO"), ax.legend()
        figure = save_figure(fig, ctx.out_dir, "vae.png")
    return {"rows": rows, "figure": figure, "notes": notes}


def run_rbm(data, ctx):
    """scikit-learn's BernoulliRBM recipe (64 hidden units, persistent CD) and a DBN.
    Headlines: the test pseudo-log-likelihood against independent Bernoulli pixels; the DBN
    fine-tuned with 10 % of the labels against the same net without pretraining."""
    from .. import DBN, BernoulliRBM  # noqa: PLC0415
    rbm = BernoulliRBM(n_components=64, learning_rate=0.06, batch_size=10,
                       n_iter=ctx.pick(10, 3), random_state=ctx.seed).fit(data.X)
    baseline = bernoulli_baseline(data.X, data.X_test)
    rows = [row("BernoulliRBM(64)", "test pseudo-log-likelihood", rbm.score(data.X_test),
                baseline, "independent Bernoulli pixels", higher_is_better=True)]
    n_labels = max(len(data.X) // 10, 20)
    sizes = [data.n_features, 64, 32]
    accuracy = {}
    for name in ("pretrained", "scratch"):
        manual_seed(ctx.seed)
        dbn = DBN(sizes, n_classes=10, generator=Generator().manual_seed(ctx.seed))
        if name == "pretrained":
            dbn.pretrain(tensor(data.X), epochs=ctx.pick(10, 3), lr=0.05)
        accuracy[name] = fit_classifier(dbn, data.X[:n_labels], data.y[:n_labels], data.X_test,
                                        data.y_test, ctx.pick(30, 30), 3e-3, batch_size=32,
                                        seed=ctx.seed)[1]
    rows.append(row(f"DBN {sizes}", f"test accuracy, {n_labels} labels", accuracy["pretrained"],
                    accuracy["scratch"], "same net from scratch", higher_is_better=True))
    figure = None
    if ctx.plt is not None:
        fig = ctx.plt.figure(figsize=(11, 5))
        w = rbm.components_ - rbm.components_.mean(1, keepdims=True)   # each filter's contrast
        draw_samples(fig.add_subplot(1, 2, 1), w / np.abs(w).max(1, keepdims=True), data.shape,
                     8, "64 filters (rows of components_)", signed=True)
        v = (np.random.default_rng(ctx.seed).random((8, data.n_features)) < 0.5).astype(float)
        snapshots = []
        for _ in range(ctx.pick(6, 2)):     # a snapshot of 8 chains every 50 (quick: 5) steps
            for _ in range(ctx.pick(50, 5)):
                v = rbm.gibbs(v).astype(float)
            snapshots.append(v)
        draw_samples(fig.add_subplot(1, 2, 2), np.concatenate(snapshots), data.shape, 8,
                     f"8 Gibbs chains from noise (columns), every {ctx.pick(50, 5)} steps "
                     f"(rows)")
        figure = save_figure(fig, ctx.out_dir, "rbm.png")
    return {"rows": rows, "figure": figure, "notes": []}


def run_sparse_coding(data, ctx):
    """Dictionary learning (36 atoms, alpha 0.5, FISTA codes + block-coordinate atoms) on
    500 training samples. Headline: the test codes' lasso objective against the all-zero
    code (1/2 ||x||^2); scikit-learn's lasso_cd codes on the same dictionary in the notes."""
    from .. import DictionaryLearning, SparseCoder, lasso_objective  # noqa: PLC0415
    alpha = 0.5
    learner = DictionaryLearning(n_components=36, alpha=alpha, max_iter=ctx.pick(30, 3),
                                 random_state=ctx.seed).fit(data.X[:500].astype(np.float64))
    D = learner.components_
    X_test = data.X_test.astype(np.float64)
    codes = np.asarray(SparseCoder(D, transform_alpha=alpha).transform(X_test))
    ours = float(lasso_objective(X_test, codes, D, alpha).mean())
    rows = [row("DictionaryLearning(36)", "test lasso objective/sample", ours,
                float(0.5 * (X_test ** 2).sum(1).mean()), "all-zero code",
                higher_is_better=False)]
    notes = [f"{learner.n_iter_} alternations; {np.mean(codes != 0):.1%} of the test codes "
             f"are non-zero"]
    if have_sklearn():
        from sklearn.decomposition import sparse_encode  # noqa: PLC0415
        theirs = sparse_encode(X_test, D, algorithm="lasso_cd", alpha=alpha, max_iter=10000)
        theirs = float(lasso_objective(X_test, theirs, D, alpha).mean())
        notes.append(f"scikit-learn's sparse_encode(lasso_cd) on the same dictionary: "
                     f"{theirs:.4f} (FISTA {ours:.4f}, {100 * (ours - theirs) / theirs:+.2f} %)")
    figure = None
    if ctx.plt is not None:
        fig = ctx.plt.figure(figsize=(12, 5))
        draw_samples(fig.add_subplot(1, 3, 1), D, data.shape, 6, "36 atoms", signed=True)
        pairs = np.concatenate([X_test[:8], codes[:8] @ D])
        draw_samples(fig.add_subplot(1, 3, 2), pairs, data.shape, 8,
                     "test inputs (top), code @ dictionary (bottom)")
        ax = fig.add_subplot(1, 3, 3)
        ax.plot(np.arange(1, learner.n_iter_ + 1), learner.error_)
        ax.set_xlabel("alternation"), ax.set_ylabel("1/2 ||X - CD||^2 + alpha ||C||_1")
        fig.tight_layout()
        figure = save_figure(fig, ctx.out_dir, "sparse_coding.png")
    return {"rows": rows, "figure": figure, "notes": notes}
