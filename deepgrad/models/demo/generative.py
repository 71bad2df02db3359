"""The demo's GANs: Goodfellow et al.'s GAN (non-saturating loss) and WGAN-GP, both with
small MLP players, trained by ``GANTrainer``.

A GAN has no likelihood to report, so the headline is a *judge score*: a separately trained
MLP classifier (the judge) labels 500 generated samples, and

    score = exp( E_x KL( p(y | x) || p(y) ) ),    p(y) = E_x p(y | x)

(Salimans et al. 2016's Inception score with a small judge in place of Inception). It is 1
when every sample gets the same class distribution (no recognisable, varied digits) and at
most 10 when each sample is one confident class and all ten classes are equally common. The
baseline is the same generator before training; the score of real test data is in the notes.
"""
import numpy as np

from ... import nn
from ...autograd import no_grad
from ...random import Generator, manual_seed
from .data import draw_samples, fit_classifier, save_figure, standardizer, tensor
from .report import row

LATENT = 16
N_JUDGED = 500


def judge(data, ctx):
    """The judge: a function from samples (N, d) to the class probabilities of an MLP
    classifier on standardised inputs (trained once per run, shared by both GANs), and its
    test accuracy."""
    if "judge" not in ctx.cache:
        from .. import MLP  # noqa: PLC0415
        manual_seed(ctx.seed)
        model, scale = MLP([data.n_features, 128, 10]), standardizer(data.X)
        accuracy = fit_classifier(model, scale(data.X), data.y, scale(data.X_test), data.y_test,
                                  ctx.pick(20, 10), 3e-3, seed=ctx.seed)[1]
        model.eval()

        def probabilities(samples):
            with no_grad():
                return model(tensor(scale(samples))).softmax(-1).numpy().astype(np.float64)
        ctx.cache["judge"] = (probabilities, accuracy)
    return ctx.cache["judge"]


def judge_score(probabilities, samples):
    """exp(mean KL(p(y|x) || p(y))) of the judge's class probabilities on ``samples``, and
    the histogram of the judge's labels."""
    p = np.clip(probabilities(samples), 1e-12, 1.0)
    marginal = p.mean(0)
    kl = (p * (np.log(p) - np.log(marginal))).sum(1)
    return float(np.exp(kl.mean())), np.bincount(p.argmax(1), minlength=p.shape[1])


def players(d, critic=False):
    """An MLP generator z (16) -> 128 -> d with a sigmoid (data in [0, 1]) and an MLP
    discriminator d -> 128 -> 1 (logits; no batch norm, which a WGAN-GP critic must avoid)."""
    generator = nn.Sequential(nn.Linear(LATENT, 128), nn.LeakyReLU(0.2), nn.Linear(128, d),
                              nn.Sigmoid())
    discriminator = nn.Sequential(nn.Linear(d, 128), nn.LeakyReLU(0.2), nn.Linear(128, 1))
    return generator, discriminator


def _samples(gan, n, seed):
    gan.noise_generator = Generator().manual_seed(seed)
    gan.eval()
    try:
        return gan.sample(n).numpy()
    finally:
        gan.noise_generator = None


def _run(kind, data, ctx):
    from ... import optim  # noqa: PLC0415
    from .. import GAN, WGANGP, GANTrainer  # noqa: PLC0415
    manual_seed(ctx.seed)
    g, d = players(data.n_features)
    if kind == "gan":
        model = GAN(g, d, LATENT, data_shape=(data.n_features,))
        opts = (optim.Adam(g.parameters(), 1e-3, betas=(0.5, 0.999)),
                optim.Adam(d.parameters(), 1e-3, betas=(0.5, 0.999)))
        epochs, keys = ctx.pick(60, 15), ("d_loss", "g_loss")
    else:
        model = WGANGP(g, d, LATENT, n_critic=5, data_shape=(data.n_features,))
        opts = (optim.Adam(g.parameters(), 1e-3, betas=(0.0, 0.9)),
                optim.Adam(d.parameters(), 1e-3, betas=(0.0, 0.9)))
        epochs, keys = ctx.pick(60, 15), ("wasserstein", "gradient_penalty")
    judge_model, judge_accuracy = judge(data, ctx)
    before, _ = judge_score(judge_model, _samples(model, N_JUDGED, ctx.seed))
    trainer = GANTrainer(model, *opts, progress=None, seed=ctx.seed, batch_size=32)
    history = trainer.fit((tensor(data.X), tensor(data.y)), epochs=epochs).history
    samples = _samples(model, N_JUDGED, ctx.seed)
    after, histogram = judge_score(judge_model, samples)
    real, _ = judge_score(judge_model, data.X_test)
    name = "GAN (non-saturating)" if kind == "gan" else "WGAN-GP (lambda 10)"
    rows = [row(name, "judge score (1..10)", after, before, "the untrained generator",
                higher_is_better=True)]
    notes = [f"judge: an MLP with test accuracy {judge_accuracy:.3f}; its score on real test "
             f"data {real:.2f}",
             f"judge's labels of {N_JUDGED} samples (digits 0..9): {histogram.tolist()}"]
    figure = None
    if ctx.plt is not None:
        fig = ctx.plt.figure(figsize=(12, 5))
        draw_samples(fig.add_subplot(1, 2, 1), samples[:64], data.shape, 8,
                     f"64 samples after {epochs} epochs")
        ax = fig.add_subplot(1, 2, 2)
        for key in keys:
            ax.plot(np.arange(1, epochs + 1), history[key], label=key)
        if kind == "gan":
            ax.axhline(2 * np.log(2), color="gray", ls=":", label="d_loss at equilibrium")
        ax.set_xlabel("epoch"), ax.legend(), ax.set_title(f"{name}: GANTrainer history")
        figure = save_figure(fig, ctx.out_dir, f"{kind}.png")
    return {"rows": rows, "figure": figure, "notes": notes}


def run_gan(data, ctx):
    return _run("gan", data, ctx)


def run_wgan_gp(data, ctx):
    return _run("wgan_gp", data, ctx)
