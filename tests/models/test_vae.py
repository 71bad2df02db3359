"""VAE: pytorch/examples' VAE and loss_function (torch) on the same weights and noise, the
analytic KL against torch.distributions, IWAE against the exact log-likelihood of a linear
Gaussian model, conditional VAE, and bad input."""
import math

import numpy as np
import pytest
from scipy.stats import multivariate_normal

import deepgrad
from deepgrad.models import VAE, ConditionalVAE, gaussian_kl
from tests.conftest import assert_close, to_torch, torch

from .common import load_into_torch

F = torch.nn.functional


class ExampleVAE(torch.nn.Module):
    """pytorch/examples vae/main.py's model, with the noise passed in (same eps)."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc21, self.fc22 = (torch.nn.Linear(784, 400), torch.nn.Linear(400, 20),
                                          torch.nn.Linear(400, 20))
        self.fc3, self.fc4 = torch.nn.Linear(20, 400), torch.nn.Linear(400, 784)

    def forward(self, x, eps):
        h1 = F.relu(self.fc1(x.view(-1, 784)))
        mu, logvar = self.fc21(h1), self.fc22(h1)
        z = mu + eps * torch.exp(0.5 * logvar)
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu, logvar


def example_loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


EXAMPLE_NAMES = {"encoder.0.weight": "fc1.weight", "encoder.0.bias": "fc1.bias",
                 "fc_mu.weight": "fc21.weight", "fc_mu.bias": "fc21.bias",
                 "fc_logvar.weight": "fc22.weight", "fc_logvar.bias": "fc22.bias",
                 "decoder.0.weight": "fc3.weight", "decoder.0.bias": "fc3.bias",
                 "decoder.2.weight": "fc4.weight", "decoder.2.bias": "fc4.bias"}


def test_elbo_and_loss_equal_pytorch_examples_vae_in_float64():
    deepgrad.manual_seed(0)
    vae = VAE().double()                                 # 784-400-20, Bernoulli, beta 1
    twin = load_into_torch(ExampleVAE().double(), vae.state_dict(), EXAMPLE_NAMES)
    x = deepgrad.rand(16, 1, 28, 28, dtype=deepgrad.float64)      # MNIST-shaped, in [0, 1]
    eps = deepgrad.randn(16, 20, dtype=deepgrad.float64)
    recon, mu, logvar = twin(to_torch(x), to_torch(eps))
    expected = example_loss_function(recon, to_torch(x), mu, logvar)
    terms = vae.loss(x, eps=eps)
    assert terms["loss"].item() * 16 == pytest.approx(expected.item(), rel=1e-6, abs=0)
    assert -vae.elbo(x, eps=eps).sum().item() == pytest.approx(expected.item(), rel=1e-6)
    # gradients of the loss (the example sums over the batch; ours is the batch mean)
    (terms["loss"] * 16).backward()
    expected.backward()
    for ours, theirs in EXAMPLE_NAMES.items():
        assert_close(dict(vae.named_parameters())[ours].grad,
                     dict(twin.named_parameters())[theirs].grad, rtol=1e-6, atol=1e-9, msg=ours)
    # forward returns the example's triple
    mean, mu2, _ = vae(x)
    assert tuple(mean.shape) == (16, 784) and tuple(mu2.shape) == (16, 20)


def test_analytic_kl_equals_torch_distributions():
    mu = deepgrad.randn(5, 3, dtype=deepgrad.float64)
    logvar = deepgrad.randn(5, 3, dtype=deepgrad.float64)
    q = torch.distributions.Normal(to_torch(mu), torch.exp(0.5 * to_torch(logvar)))
    p = torch.distributions.Normal(torch.zeros(5, 3, dtype=torch.float64),
                                   torch.ones(5, 3, dtype=torch.float64))
    assert_close(gaussian_kl(mu, logvar), torch.distributions.kl_divergence(q, p).sum(1),
                 rtol=1e-12)


def _linear_gaussian_vae():
    deepgrad.manual_seed(2)
    return VAE(input_dim=4, hidden_dims=(3,), latent_dim=2, likelihood="gaussian", sigma=0.5,
               activation="identity").double()


def _exact_log_px(vae, x):
    """A linear decoder makes p(x) = N(A 0 + a, A A^T + sigma^2 I) exactly."""
    (W1, b1), (W2, b2) = [(m.weight.detach().numpy(), m.bias.detach().numpy())
                          for m in (vae.decoder[0], vae.decoder[2])]
    A, a = W2 @ W1, W2 @ b1 + b2
    cov = A @ A.T + vae.sigma ** 2 * np.eye(4)
    return multivariate_normal(a, cov).logpdf(x.numpy())


def test_iwae_is_above_the_elbo_tightens_with_k_and_reaches_the_exact_log_likelihood():
    vae = _linear_gaussian_vae()
    x = deepgrad.randn(40, 4, dtype=deepgrad.float64)
    exact = _exact_log_px(vae, x).mean()
    with deepgrad.no_grad():
        elbo = np.mean([vae.elbo(x).mean().item() for _ in range(200)])   # E over eps
        iwae = {k: np.mean([vae.log_likelihood(x, k).mean().item() for _ in range(reps)])
                for k, reps in ((1, 200), (10, 40), (100, 10), (2000, 2))}
    assert iwae[1] == pytest.approx(elbo, abs=0.05)        # k = 1 is the ELBO
    assert elbo < iwae[10] < iwae[100] <= iwae[2000] + 0.01
    assert iwae[2000] <= exact + 0.02                      # a lower bound in expectation
    assert iwae[2000] == pytest.approx(exact, abs=0.05)
    assert exact - elbo > 0.1                              # so the tightening is visible


def test_gaussian_decoder_log_likelihood_is_the_normal_density():
    vae = _linear_gaussian_vae()
    x = deepgrad.randn(3, 4, dtype=deepgrad.float64)
    out = deepgrad.randn(3, 4, dtype=deepgrad.float64)
    expected = torch.distributions.Normal(to_torch(out), 0.5).log_prob(to_torch(x)).sum(1)
    assert_close(vae.log_px_given_z(x, out), expected, rtol=1e-12)


def test_beta_weights_the_kl_term():
    deepgrad.manual_seed(0)
    vae = VAE(6, (5,), 2, beta=4.0).double()
    x = deepgrad.rand(8, 6, dtype=deepgrad.float64)
    eps = deepgrad.randn(8, 2, dtype=deepgrad.float64)
    t = vae.loss(x, eps=eps)
    assert t["loss"].item() == pytest.approx(t["reconstruction"].item() + 4 * t["kl"].item(),
                                             rel=1e-12)
    assert -vae.elbo(x, eps=eps).mean().item() == pytest.approx(
        t["reconstruction"].item() + t["kl"].item(), rel=1e-12)
    assert "beta=4.0" in repr(vae)


def test_sample_reconstruct_and_interpolate():
    deepgrad.manual_seed(0)
    vae = VAE(6, (5,), 2)
    x = deepgrad.rand(3, 6)
    assert tuple(vae.sample(4).shape) == (4, 6)
    s = vae.sample(4).numpy()
    assert np.all((s > 0) & (s < 1))                        # Bernoulli means
    rec = vae.reconstruct(x)
    assert_close(rec, vae.decode(vae.encode(x)[0]))        # deterministic: decode(mu)
    path = vae.interpolate(x[0], x[1], steps=5)
    assert tuple(path.shape) == (5, 6)
    assert_close(path[0], rec[0], rtol=1e-5)
    assert_close(path[-1], rec[1], rtol=1e-5)


def test_conditional_vae_reads_labels_from_the_batch():
    deepgrad.manual_seed(0)
    cvae = ConditionalVAE(3, input_dim=6, hidden_dims=(5,), latent_dim=2).double()
    x = deepgrad.rand(4, 6, dtype=deepgrad.float64)
    y = deepgrad.tensor([0, 2, 1, 2])
    eps = deepgrad.randn(4, 2, dtype=deepgrad.float64)
    onehot = deepgrad.tensor(np.eye(3)[[0, 2, 1, 2]])
    assert cvae.loss((x, y), eps=eps)["loss"].item() == pytest.approx(
        -cvae.elbo(x, onehot, eps=eps).mean().item(), rel=1e-12)
    # the encoder sees [x, onehot(y)]: the same as a plain Linear on the concatenation
    W, b = cvae.encoder[0].weight.detach().numpy(), cvae.encoder[0].bias.detach().numpy()
    h = np.maximum(np.concatenate([x.numpy(), onehot.numpy()], 1) @ W.T + b, 0)
    mu = h @ cvae.fc_mu.weight.detach().numpy().T + cvae.fc_mu.bias.detach().numpy()
    assert_close(cvae.encode(x, y)[0], mu, rtol=1e-12)
    a = cvae.sample(2, c=deepgrad.tensor([0, 0]), generator=deepgrad.Generator().manual_seed(1))
    b = cvae.sample(2, c=deepgrad.tensor([1, 1]), generator=deepgrad.Generator().manual_seed(1))
    assert not np.allclose(a.numpy(), b.numpy())            # same z, another label
    assert tuple(cvae.interpolate(x[0], x[1], 3, c=2).shape) == (3, 6)
    with pytest.raises(ValueError, match="conditional .*pass the labels"):
        cvae.loss(x)


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="beta .* must be >= 0, got -0.5"):
        VAE(beta=-0.5)
    with pytest.raises(ValueError, match="likelihood must be one of"):
        VAE(likelihood="poisson")
    with pytest.raises(ValueError, match="sigma .* must be > 0"):
        VAE(likelihood="gaussian", sigma=0)
    vae = VAE(6, (5,), 2)
    with pytest.raises(ValueError, match=r"expects inputs of shape \(N, 6\).*got \(2, 7\)"):
        vae.loss(deepgrad.rand(2, 7))
    with pytest.raises(ValueError, match="k .* must be a positive integer"):
        vae.log_likelihood(deepgrad.rand(2, 6), k=0)
    with pytest.raises(ValueError, match="not conditional .*ConditionalVAE"):
        vae.encode(deepgrad.rand(2, 6), deepgrad.tensor([0, 1]))


def test_vae_trains_with_the_trainer():
    from deepgrad import optim
    from deepgrad.models import Objective
    from deepgrad.train import Trainer
    deepgrad.manual_seed(0)
    templates = np.array([[1] * 6 + [0] * 6, [0, 1] * 6, [1, 1, 0] * 4], dtype=np.float32)
    rng = np.random.default_rng(0)
    rows = templates[rng.integers(3, size=128)]
    x = deepgrad.tensor(np.where(rng.random(rows.shape) < 0.05, 1 - rows, rows))  # 5 % flips
    vae = VAE(12, (16,), 2)
    objective = Objective(vae)
    history = Trainer(objective, optim.Adam(vae.parameters(), 1e-2), objective.loss_fn,
                      progress=None, seed=0, batch_size=32).fit((x, x), epochs=15)
    losses = history.history["loss"]
    assert losses[-1] < 0.75 * losses[0]
    assert math.isfinite(losses[-1])
