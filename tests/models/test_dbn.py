"""Deep belief nets: greedy stacking (each RBM trained on the features of the one below),
fine-tuning by backprop with the Trainer, and the net's maths against NumPy."""
import numpy as np
import pytest

import deepgrad
from deepgrad import nn, optim
from deepgrad.models import DBN, RBM, GaussianBernoulliRBM, fit_rbm
from deepgrad.train import Trainer
from tests.conftest import assert_close


def _digits(n=600):
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    return (X[:n] / 16).astype(np.float32), y[:n]


def test_forward_is_the_stack_of_hidden_probabilities_then_the_head():
    dbn = DBN([6, 5, 3], n_classes=4)
    x = np.random.default_rng(0).random((7, 6)).astype(np.float32)
    sig = lambda a: 1 / (1 + np.exp(-a))   # noqa: E731
    h = x
    for rbm in dbn.rbms:
        h = sig(h @ rbm.weight.detach().numpy().T + rbm.hidden_bias.detach().numpy())
    logits = h @ dbn.head.weight.detach().numpy().T + dbn.head.bias.detach().numpy()
    assert_close(dbn(deepgrad.tensor(x)), logits, rtol=1e-5, atol=1e-6)
    assert isinstance(dbn.rbms[0], RBM) and not isinstance(dbn.rbms[0], GaussianBernoulliRBM)
    assert isinstance(DBN([6, 5], gaussian_input=True).rbms[0], GaussianBernoulliRBM)


def test_greedy_pretraining_then_fine_tuning_classifies_digits():
    X, y = _digits(400)
    deepgrad.manual_seed(0)
    dbn = DBN([64, 48, 32], n_classes=10, generator=deepgrad.Generator().manual_seed(0))
    before = [rbm.weight.detach().numpy().copy() for rbm in dbn.rbms]
    histories = dbn.pretrain(deepgrad.tensor(X), epochs=2, lr=0.3, batch_size=20)
    assert len(histories) == 2
    for errors in histories:                      # each layer learns to reconstruct its input
        assert errors[-1] < errors[0]
    # layer 2 was trained on layer 1's features (48 of them), raw pixels do not fit it
    with pytest.raises(ValueError, match=r"\(N, 48\)"):
        dbn.rbms[1].loss(deepgrad.tensor(X))
    pretrained = dbn.rbms[0].weight.detach().numpy().copy()
    assert not np.allclose(pretrained, before[0])
    trainer = Trainer(dbn, optim.Adam(dbn.parameters(), 1e-2), nn.CrossEntropyLoss(),
                      metrics=["accuracy"], progress=None, seed=0, batch_size=50)
    trainer.fit((X[:300], y[:300]), epochs=20)
    accuracy = trainer.evaluate((X[300:], y[300:]))["accuracy"]
    assert accuracy > 0.7, accuracy          # chance is 0.1
    # fine-tuning moved the RBMs' own weights (the classifier shares them)
    assert not np.allclose(dbn.rbms[0].weight.detach().numpy(), pretrained)
    assert_close(dbn.loss((deepgrad.tensor(X[:5]), deepgrad.tensor(y[:5])))["loss"],
                 nn.CrossEntropyLoss()(dbn(deepgrad.tensor(X[:5])), deepgrad.tensor(y[:5])))
    assert tuple(dbn.sample(3, steps=5).shape) == (3, 64)


def test_fit_rbm_lowers_reconstruction_error_and_bad_input():
    X, _ = _digits(200)
    rbm = RBM(64, 16, persistent=True)
    errors = fit_rbm(rbm, deepgrad.tensor(X), epochs=3, lr=0.1, batch_size=20, momentum=0.5)
    assert errors[-1] < errors[0]
    with pytest.raises(ValueError, match="sizes must list >= 2"):
        DBN([64])
    with pytest.raises(ValueError, match="n_classes"):
        DBN([64, 8], n_classes=-1)
    with pytest.raises(ValueError, match="no classifier head"):
        DBN([64, 8]).loss((deepgrad.tensor(X[:2]), deepgrad.tensor([0, 1])))
    assert "sizes=[64, 8]" in repr(DBN([64, 8]))
