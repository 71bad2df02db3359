"""Autoencoders: penalties against closed forms and torch.autograd.functional.jacobian,
corruption statistics, tied weights, builders against torch twins, stacked pretraining."""
import numpy as np
import pytest

import deepgrad
from deepgrad import nn, optim
from deepgrad.models import (Autoencoder, ContractiveAutoencoder, DenoisingAutoencoder,
                             Objective, SparseAutoencoder, StackedAutoencoder, corrupt,
                             jacobian_penalty_double_backward, jacobian_penalty_sigmoid,
                             kl_sparsity)
from deepgrad.train import Trainer
from tests.conftest import assert_close, to_torch, torch

from .common import load_into_torch


def _np_sigmoid(a):
    return 1 / (1 + np.exp(-a))


# --- sparse ------------------------------------------------------------------------------
def test_sparse_autoencoder_reaches_target_mean_activation_with_the_trainer():
    rng = np.random.default_rng(0)
    X = deepgrad.tensor(rng.random((200, 20)), dtype=deepgrad.float32)
    rho = 0.1
    model = SparseAutoencoder.mlp([20, 16], activation="sigmoid", rho=rho, beta=3.0)
    objective = Objective(model)
    trainer = Trainer(objective, optim.Adam(model.parameters(), lr=0.02), objective.loss_fn,
                      progress=None, seed=0, batch_size=50)
    history = trainer.fit((X, X), epochs=40)
    assert history.history["loss"][-1] < history.history["loss"][0]
    with deepgrad.no_grad():
        rho_hat = model.encode(X).mean(0).numpy()
    assert abs(rho_hat.mean() - rho) < 0.1 * rho, rho_hat.mean()
    assert np.all(np.abs(rho_hat - rho) < 0.5 * rho), rho_hat   # each unit, loosely


def test_sparse_penalties_equal_their_closed_forms():
    deepgrad.set_default_dtype(deepgrad.float64)
    try:
        rng = np.random.default_rng(1)
        x = deepgrad.tensor(rng.random((7, 5)))
        for sparsity, beta in (("kl", 3.0), ("l1", 0.5)):
            model = SparseAutoencoder.mlp([5, 4], activation="sigmoid", rho=0.2, beta=beta,
                                          sparsity=sparsity)
            W = model.encoder[0].weight.detach().numpy()
            b = model.encoder[0].bias.detach().numpy()
            V = model.decoder[0].weight.detach().numpy()
            c = model.decoder[0].bias.detach().numpy()
            h = _np_sigmoid(x.numpy() @ W.T + b)
            rec = ((h @ V.T + c - x.numpy()) ** 2).sum() / 7
            if sparsity == "kl":
                r = h.mean(0)
                penalty = np.sum(0.2 * np.log(0.2 / r) + 0.8 * np.log(0.8 / (1 - r)))
            else:
                penalty = np.abs(h).sum() / 7
            terms = model.loss(x)
            assert terms["sparsity"].item() == pytest.approx(penalty, rel=1e-12)
            assert terms["reconstruction"].item() == pytest.approx(rec, rel=1e-12)
            assert terms["loss"].item() == pytest.approx(rec + beta * penalty, rel=1e-12)
    finally:
        deepgrad.set_default_dtype(deepgrad.float32)


def test_kl_sparsity_matches_torch_bernoulli_kl():
    rho_hat = deepgrad.tensor([0.05, 0.3, 0.9], dtype=deepgrad.float64)
    p = torch.distributions.Bernoulli(probs=torch.tensor(0.1, dtype=torch.float64))
    q = torch.distributions.Bernoulli(probs=to_torch(rho_hat))
    expected = torch.distributions.kl_divergence(p, q).sum()
    assert kl_sparsity(0.1, rho_hat).item() == pytest.approx(expected.item(), rel=1e-12)


# --- contractive -------------------------------------------------------------------------
def _torch_frobenius_squared(torch_encoder, x):
    """Mean over samples of ||J||_F^2 with torch.autograd.functional.jacobian, per sample."""
    return sum((torch.autograd.functional.jacobian(torch_encoder, xi) ** 2).sum()
               for xi in x) / len(x)


def test_contractive_penalty_double_backward_closed_form_and_torch_jacobian_agree():
    deepgrad.manual_seed(3)
    enc = nn.Sequential(nn.Linear(6, 4), nn.Sigmoid()).double()
    x = deepgrad.randn(5, 6, dtype=deepgrad.float64)
    by_double_backward = jacobian_penalty_double_backward(enc, x)
    closed_form = jacobian_penalty_sigmoid(enc[0], x)
    t_enc = load_into_torch(torch.nn.Sequential(torch.nn.Linear(6, 4), torch.nn.Sigmoid()).double(),
                            enc.state_dict())
    expected = _torch_frobenius_squared(t_enc, to_torch(x))
    assert by_double_backward.item() == pytest.approx(closed_form.item(), rel=1e-12)
    assert closed_form.item() == pytest.approx(expected.item(), rel=1e-12)
    # and the penalty's gradient w.r.t. the weights, through the double backward
    by_double_backward.backward()
    t_x = to_torch(x)
    rows = [torch.autograd.functional.jacobian(t_enc, xi, create_graph=True) for xi in t_x]
    (sum((j ** 2).sum() for j in rows) / len(rows)).backward()
    assert_close(enc[0].weight.grad, t_enc[0].weight.grad, rtol=1e-10)
    assert_close(enc[0].bias.grad, t_enc[0].bias.grad, rtol=1e-10)


def test_contractive_penalty_of_a_deep_tanh_encoder_equals_torch_jacobian():
    deepgrad.manual_seed(4)
    enc = nn.Sequential(nn.Linear(5, 6), nn.Tanh(), nn.Linear(6, 3), nn.Tanh()).double()
    model = ContractiveAutoencoder(enc, nn.Linear(3, 5).double(), lam=0.1, input_shape=(5,))
    x = deepgrad.randn(4, 5, dtype=deepgrad.float64)
    t_enc = load_into_torch(torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.Tanh(),
                                                torch.nn.Linear(6, 3), torch.nn.Tanh()).double(),
                            enc.state_dict())
    expected = _torch_frobenius_squared(t_enc, to_torch(x)).item()
    terms = model.loss(x)
    assert terms["contraction"].item() == pytest.approx(expected, rel=1e-12)
    assert terms["loss"].item() == pytest.approx(terms["reconstruction"].item() + 0.1 * expected,
                                                 rel=1e-12)


def test_contractive_sigmoid_mode_needs_a_sigmoid_layer():
    with pytest.raises(ValueError, match="Sequential\\(Linear, Sigmoid\\)"):
        ContractiveAutoencoder(nn.Sequential(nn.Linear(3, 2), nn.ReLU()), nn.Linear(2, 3),
                               jacobian="sigmoid")


# --- denoising ---------------------------------------------------------------------------
def test_gaussian_corruption_statistics():
    x = deepgrad.rand(400, 100, dtype=deepgrad.float64)
    noise = (corrupt(x, "gaussian", 0.3) - x).numpy()
    assert abs(noise.mean()) < 4 * 0.3 / 200            # 4 standard errors of the mean
    assert noise.std() == pytest.approx(0.3, rel=0.02)


def test_masking_corruption_statistics():
    x = deepgrad.rand(400, 100, dtype=deepgrad.float64) + 0.5   # no zeros in x
    xc = corrupt(x, "masking", 0.25).numpy()
    zeroed = xc == 0
    n = zeroed.size
    assert abs(zeroed.mean() - 0.25) < 4 * np.sqrt(0.25 * 0.75 / n)
    np.testing.assert_array_equal(xc[~zeroed], x.numpy()[~zeroed])


def test_salt_and_pepper_corruption_statistics():
    x = deepgrad.rand(400, 100, dtype=deepgrad.float64) * 0.5 + 0.25    # inside (0, 1)
    xc = corrupt(x, "salt_and_pepper", 0.2, low=-1.0, high=2.0).numpy()
    hit = xc != x.numpy()
    assert abs(hit.mean() - 0.2) < 4 * np.sqrt(0.2 * 0.8 / hit.size)
    assert set(np.unique(xc[hit])) <= {-1.0, 2.0}
    salt = (xc[hit] == 2.0).mean()
    assert abs(salt - 0.5) < 4 * np.sqrt(0.25 / hit.sum())


def test_denoising_loss_compares_with_the_clean_input():
    deepgrad.manual_seed(0)
    model = DenoisingAutoencoder.mlp([6, 3], noise="masking", noise_level=0.5)
    x = deepgrad.rand(8, 6)
    deepgrad.manual_seed(7)
    terms = model.loss(x)
    deepgrad.manual_seed(7)
    noisy = model.corrupt(x)
    expected = ((model(noisy) - x) ** 2).sum().item() / 8
    assert terms["loss"].item() == pytest.approx(expected, rel=1e-6)
    assert "noise='masking', noise_level=0.5" in repr(model)


# --- tied weights and builders -------------------------------------------------------------
def test_tied_weights_share_one_matrix_per_layer_pair():
    model = Autoencoder.mlp([7, 5, 3], tied=True).double()
    count = sum(p.numel() for p in model.parameters())
    assert count == (7 * 5 + 5) + (5 * 3 + 3) + 5 + 7     # weights once, four biases
    assert sorted(model.state_dict()) == ["decoder.0.bias", "decoder.2.bias", "encoder.0.bias",
                                          "encoder.0.weight", "encoder.2.bias", "encoder.2.weight"]
    x = deepgrad.randn(4, 7, dtype=deepgrad.float64)
    W1, W2 = (to_torch(model.encoder[i].weight.detach()).requires_grad_() for i in (0, 2))
    b1, b2, c1, c2 = (to_torch(p.detach()).requires_grad_() for p in (
        model.encoder[0].bias, model.encoder[2].bias, model.decoder[0].bias, model.decoder[2].bias))
    tx = to_torch(x)
    h = torch.relu(torch.relu(tx @ W1.T + b1) @ W2.T + b2)
    out = torch.relu(h @ W2 + c1) @ W1 + c2
    assert_close(model(x), out, rtol=1e-12)
    model.loss(x)["loss"].backward()
    (((out - tx) ** 2).sum() / 4).backward()
    assert_close(model.encoder[0].weight.grad, W1.grad, rtol=1e-10)   # encoder + decoder uses
    assert_close(model.encoder[2].weight.grad, W2.grad, rtol=1e-10)


def test_mlp_and_conv_builders_equal_their_torch_twins():
    x = deepgrad.rand(3, 10, dtype=deepgrad.float64)
    model = Autoencoder.mlp([10, 6, 2], activation="tanh", output_activation="sigmoid").double()
    twin = torch.nn.ModuleDict({
        "encoder": torch.nn.Sequential(torch.nn.Linear(10, 6), torch.nn.Tanh(),
                                       torch.nn.Linear(6, 2), torch.nn.Tanh()),
        "decoder": torch.nn.Sequential(torch.nn.Linear(2, 6), torch.nn.Tanh(),
                                       torch.nn.Linear(6, 10), torch.nn.Sigmoid())}).double()
    load_into_torch(twin, model.state_dict())
    assert_close(model(x), twin["decoder"](twin["encoder"](to_torch(x))), rtol=1e-12)

    conv = Autoencoder.conv(1, (8, 8), channels=(4, 6), loss="bce").double()
    ctwin = torch.nn.ModuleDict({
        "encoder": torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, 2, 1), torch.nn.ReLU(),
                                       torch.nn.Conv2d(4, 6, 3, 2, 1), torch.nn.ReLU()),
        "decoder": torch.nn.Sequential(torch.nn.ConvTranspose2d(6, 4, 3, 2, 1, 1), torch.nn.ReLU(),
                                       torch.nn.ConvTranspose2d(4, 1, 3, 2, 1, 1),
                                       torch.nn.Sigmoid())}).double()
    load_into_torch(ctwin, conv.state_dict())
    img = deepgrad.rand(2, 1, 8, 8, dtype=deepgrad.float64)
    t_out = ctwin["decoder"](ctwin["encoder"](to_torch(img)))
    assert_close(conv(img), t_out, rtol=1e-10)
    expected = torch.nn.functional.binary_cross_entropy(t_out, to_torch(img), reduction="sum") / 2
    assert conv.loss(img)["loss"].item() == pytest.approx(expected.item(), rel=1e-10)


# --- stacked -------------------------------------------------------------------------------
def test_greedy_pretraining_trains_one_layer_at_a_time():
    """Layer 2's pretraining leaves layer 1 as layer 1's own pretraining made it."""
    X = deepgrad.randn(64, 8)
    deepgrad.manual_seed(0)
    sae = StackedAutoencoder([8, 6, 4], n_classes=3)
    before = [layer[0].weight.detach().clone() for layer in sae.encoders]
    losses = sae.pretrain(X, epochs=1, batch_size=32, seed=0)
    assert len(losses) == 2 and all(np.isfinite(losses))
    for old, layer in zip(before, sae.encoders):
        assert not np.allclose(old.numpy(), layer[0].weight.detach().numpy())
    # the same first layer pretrained alone, by hand, with the same seeds
    deepgrad.manual_seed(0)
    alone = StackedAutoencoder([8, 6, 4], n_classes=3)
    ae = alone.layer_autoencoder(0)
    objective = Objective(ae)
    Trainer(objective, optim.Adam(ae.parameters(), lr=1e-3), objective.loss_fn, progress=None,
            seed=0, batch_size=32).fit((X, X), epochs=1)
    np.testing.assert_array_equal(alone.encoders[0][0].weight.detach().numpy(),
                                  sae.encoders[0][0].weight.detach().numpy())
    # the classifier starts from the pretrained layers
    assert_close(sae.encode(X), sae.encoders[1](sae.encoders[0](X)))


def test_stacked_pretraining_then_fine_tuning_on_mnist1d_with_ten_percent_of_labels():
    from deepgrad.datasets import load_mnist1d
    d = load_mnist1d()
    X = deepgrad.tensor(d["x"][:1000], dtype=deepgrad.float32)
    y = deepgrad.tensor(d["y"][:1000])
    Xl, yl = X[:100], y[:100]                              # 10 % of the labels
    Xt = deepgrad.tensor(d["x_test"][:300], dtype=deepgrad.float32)
    yt = deepgrad.tensor(d["y_test"][:300])
    accuracies = {}
    for name, pretrain in (("stacked", True), ("scratch", False)):
        deepgrad.manual_seed(0)
        sae = StackedAutoencoder([40, 32, 16], n_classes=10)
        if pretrain:
            sae.pretrain(X, epochs=2, batch_size=100, seed=0)
        trainer = Trainer(sae, optim.Adam(sae.parameters(), 1e-2), nn.CrossEntropyLoss(),
                          metrics=["accuracy"], progress=None, seed=0, batch_size=50)
        trainer.fit((Xl, yl), epochs=3)
        accuracies[name] = trainer.evaluate((Xt, yt))["accuracy"]
    print("stacked vs scratch accuracy:", accuracies)
    assert all(0.0 <= a <= 1.0 for a in accuracies.values())


# --- bad input ---------------------------------------------------------------------------
def test_bad_input_gets_clear_errors():
    model = Autoencoder.mlp([5, 2])
    with pytest.raises(ValueError, match=r"expects inputs of shape \(N, 5\), got \(3, 4\)"):
        model(deepgrad.rand(3, 4))
    for rho in (0.0, 1.0, 1.5, -0.1):
        with pytest.raises(ValueError, match=f"rho .* must be in \\(0, 1\\), got {rho}"):
            SparseAutoencoder.mlp([5, 2], activation="sigmoid", rho=rho)
    with pytest.raises(ValueError, match="beta .* must be >= 0, got -1"):
        SparseAutoencoder.mlp([5, 2], beta=-1)
    with pytest.raises(ValueError, match="lam .* must be >= 0"):
        ContractiveAutoencoder.mlp([5, 2], lam=-0.5)
    with pytest.raises(ValueError, match="masking probability\\) must be in \\[0, 1\\], got 1.5"):
        DenoisingAutoencoder.mlp([5, 2], noise="masking", noise_level=1.5)
    with pytest.raises(ValueError, match="noise must be one of"):
        DenoisingAutoencoder.mlp([5, 2], noise="speckle")
    relu_sparse = SparseAutoencoder.mlp([5, 2], activation="relu", rho=0.1)
    with pytest.raises(ValueError, match="code units in \\[0, 1\\]"):
        relu_sparse.loss(deepgrad.rand(4, 5) * 10)
    sae = StackedAutoencoder([5, 3], n_classes=2)
    with pytest.raises(ValueError, match=r"expects inputs of shape \(N, 5\), got \(4, 6\)"):
        sae.pretrain(np.zeros((4, 6)))
    assert len(sae.pretrain(np.random.default_rng(0).random((8, 5)), epochs=1)) == 1  # arrays ok
    with pytest.raises(ValueError, match="divisible by 2\\*\\*len\\(channels\\)"):
        Autoencoder.conv(1, (10, 10), channels=(4, 8))


def test_contraction_can_be_evaluated_without_recording_a_graph():
    deepgrad.manual_seed(5)
    model = ContractiveAutoencoder.mlp([5, 4, 3], activation="tanh")
    x = deepgrad.randn(6, 5)
    recorded = model.loss(x)["contraction"].item()
    with deepgrad.no_grad():
        value = model.loss(x)["contraction"]
    assert value.grad_fn is None and value.item() == pytest.approx(recorded, rel=1e-6)


def test_every_autoencoder_hyperparameter_is_in_extra_repr():
    import inspect
    for cls in (Autoencoder, DenoisingAutoencoder, SparseAutoencoder, ContractiveAutoencoder):
        text = cls.mlp([4, 2], activation="sigmoid").extra_repr()
        for name in inspect.signature(cls.__init__).parameters:
            if name not in ("self", "encoder", "decoder"):     # those are the child modules
                assert f"{name}=" in text, (cls.__name__, name)
