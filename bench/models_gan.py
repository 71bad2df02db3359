"""GANs on MNIST-1D: a conditional GAN judged by a separately trained CNN, and WGAN-GP.

    .venv/bin/python bench/models_gan.py [--epochs 100] [--wgan-epochs 300] [--seed 0]

1. A 1-D CNN classifier is trained on MNIST-1D's training set (its test accuracy is printed:
   it bounds what the next figure can reach).
2. Two conditional GANs are trained with ``GANTrainer`` (MLP generator fed z and the one-hot
   label): an AC-GAN whose convolutional discriminator also classifies (real data only,
   aux_weight 2, D's Adam lr 1e-3), and a ConditionalGAN with a projection discriminator.
   For each, 100 samples per class are drawn and the CNN classifies them; the figure is
   the fraction classified as their conditioning label (the issue asks for >= 80 %).
3. A WGAN-GP (unconditional) is trained; its critic loss per epoch is printed, and the
   CNN's class histogram of 1000 samples (a mode-collapse check: MNIST-1D is balanced).

``run(...)`` returns every figure as a dict; tests/models/test_gan.py's slow test calls it.
"""
import argparse
import time

import numpy as np

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.datasets import load_mnist1d
from deepgrad.models.gan import ACGAN, WGANGP, ConditionalGAN
from deepgrad.models.gan_trainer import GANTrainer
from deepgrad.train import Trainer

LATENT = 32


def classifier_cnn():
    """A small 1-D CNN for MNIST-1D's 40-sample signals."""
    return nn.Sequential(
        nn.Unflatten(1, (1, 40)),
        nn.Conv1d(1, 32, 5, padding=2), nn.ReLU(),
        nn.Conv1d(32, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv1d(32, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(32 * 10, 10))


def train_classifier(data, epochs=30, seed=0):
    dg.manual_seed(seed)
    cnn = classifier_cnn()
    trainer = Trainer(cnn, optim.Adam(cnn.parameters(), 2e-3), nn.CrossEntropyLoss(),
                      metrics=["accuracy"], progress=None, seed=seed, batch_size=100)
    trainer.fit((data["x"], data["y"]), epochs=epochs)
    cnn.eval()
    return cnn, trainer.evaluate((data["x_test"], data["y_test"]))["accuracy"]


def mlp(n_in, n_out, hidden=256, slope=None, batch_norm=False):
    act = (lambda: nn.LeakyReLU(slope)) if slope is not None else nn.ReLU
    layers = []
    for width_in, width_out in ((n_in, hidden), (hidden, hidden)):
        layers += [nn.Linear(width_in, width_out)]
        if batch_norm:
            layers.append(nn.BatchNorm1d(width_out))
        layers.append(act())
    return nn.Sequential(*layers, nn.Linear(hidden, n_out))


class ProjectionDiscriminator(nn.Module):
    """Miyato & Koyama's projection discriminator ("cGANs with projection discriminator",
    ICLR 2018) on the conditional GAN's input cat([x, one_hot(y)], 1)::

        D(x, y) = psi(phi(x)) + <E one_hot(y), phi(x)>

    The label enters through an inner product with the features instead of as 10 more
    inputs; with plain concatenation the discriminator here mostly ignored the label and
    the samples matched their label barely above chance (19 % after 40 epochs).
    """

    def __init__(self, data_dim=40, n_classes=10, hidden=256):
        super().__init__()
        self.data_dim = data_dim
        self.phi = nn.Sequential(nn.Linear(data_dim, hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, hidden), nn.LeakyReLU(0.2))
        self.psi = nn.Linear(hidden, 1)
        self.embed = nn.Linear(n_classes, hidden, bias=False)

    def forward(self, x_and_label):
        x, label = x_and_label[:, :self.data_dim], x_and_label[:, self.data_dim:]
        features = self.phi(x)
        return self.psi(features) + (self.embed(label) * features).sum(1, keepdim=True)


def predict(cnn, x):
    with dg.no_grad():
        return cnn(x).argmax(1).numpy()


def conv_discriminator(n_out):
    """The classifier's layout with LeakyReLU(0.2): an AC-GAN discriminator that classifies."""
    return nn.Sequential(
        nn.Unflatten(1, (1, 40)),
        nn.Conv1d(1, 32, 5, padding=2), nn.LeakyReLU(0.2),
        nn.Conv1d(32, 32, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Conv1d(32, 32, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(32 * 10, n_out))


def build_conditional(kind):
    """"projection": ConditionalGAN, MLP G, projection D, batch 32;
    "acgan": ACGAN (D classifies, real data only), MLP G, conv D, D's lr 1e-3, batch 64."""
    generator = mlp(LATENT + 10, 40, slope=0.2)
    if kind == "projection":
        gan = ConditionalGAN(generator, ProjectionDiscriminator(), LATENT, n_classes=10,
                             data_shape=(40,))
        return gan, {}, 32
    gan = ACGAN(generator, conv_discriminator(11), LATENT, n_classes=10, aux_weight=2.0,
                classify_fakes=False, data_shape=(40,))
    opts = {"generator_optimizer": optim.Adam(gan.generator.parameters(), 2e-4, betas=(0.5, 0.999)),
            "discriminator_optimizer": optim.Adam(gan.discriminator.parameters(), 1e-3,
                                                  betas=(0.5, 0.999))}
    return gan, opts, 64


def conditional_gan(data, cnn, epochs, kind="acgan", seed=0, log=print):
    dg.manual_seed(seed)
    gan, optimizers, batch_size = build_conditional(kind)
    trainer = GANTrainer(gan, **optimizers, progress=None, seed=seed, batch_size=batch_size)
    start = time.perf_counter()
    history = trainer.fit((data["x"], data["y"]), epochs=epochs)
    seconds = time.perf_counter() - start
    gan.eval()
    labels = dg.tensor(np.repeat(np.arange(10), 100))
    hits = predict(cnn, gan.sample(len(labels), labels)) == labels.numpy()
    per_class = hits.reshape(10, 100).mean(1)
    log(f"{kind}: {epochs} epochs in {seconds:.0f}s; samples classified as their label "
        f"{hits.mean():.3f} (per class {np.round(per_class, 2).tolist()})")
    return {f"{kind}_accuracy": float(hits.mean()), f"{kind}_per_class": per_class.tolist(),
            f"{kind}_seconds": seconds, f"{kind}_history": history.history}


def wgan_gp(data, cnn, epochs, seed=0, log=print):
    dg.manual_seed(seed)
    gan = WGANGP(mlp(LATENT, 40), mlp(40, 1, slope=0.2), LATENT, data_shape=(40,))
    trainer = GANTrainer(gan, progress=None, seed=seed, batch_size=64)
    start = time.perf_counter()
    history = trainer.fit((data["x"], data["y"]), epochs=epochs)
    seconds = time.perf_counter() - start
    gan.eval()
    counts = np.bincount(predict(cnn, gan.sample(1000)), minlength=10)
    log(f"WGAN-GP: {epochs} epochs in {seconds:.0f}s")
    return {"wgan_critic_loss": history.history["d_loss"],
            "wgan_wasserstein": history.history["wasserstein"],
            "wgan_gradient_penalty": history.history["gradient_penalty"],
            "wgan_class_histogram": counts.tolist(), "wgan_seconds": seconds}


def run(epochs=100, wgan_epochs=300, classifier_epochs=30, seed=0, kinds=("acgan", "projection"),
        log=print):
    data = load_mnist1d()
    data = {k: (v.astype(np.float32) if k.startswith("x") else v) for k, v in data.items()}
    cnn, accuracy = train_classifier(data, classifier_epochs, seed)
    log(f"CNN classifier test accuracy on real MNIST-1D: {accuracy:.3f}")
    out = {"classifier_test_accuracy": accuracy}
    for kind in kinds:
        out.update(conditional_gan(data, cnn, epochs, kind, seed, log))
    if wgan_epochs:
        out.update(wgan_gp(data, cnn, wgan_epochs, seed, log))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--wgan-epochs", type=int, default=300)
    parser.add_argument("--classifier-epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads (1: on a shared 2-core machine, two threads per "
                             "process made each small GEMM ~20x slower)")
    args = parser.parse_args()
    dg.set_num_threads(args.threads)
    res = run(args.epochs, args.wgan_epochs, args.classifier_epochs, args.seed)
    if "wgan_critic_loss" in res:
        curve = res["wgan_critic_loss"]
        step = max(1, len(curve) // 10)
        print("WGAN-GP critic loss by epoch: " + ", ".join(
            f"{i + 1}: {curve[i]:.3f}" for i in range(0, len(curve), step)))
        print(f"WGAN-GP samples' class histogram (CNN): {res['wgan_class_histogram']}")


if __name__ == "__main__":
    main()
