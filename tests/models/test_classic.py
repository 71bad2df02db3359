"""Classic nets against the same nets built in torch (same weights), LeNet-5's parameter
count against the figure computed by hand, and the registry."""
import pytest

import deepgrad
from deepgrad import models
from deepgrad.models import MLP, CharRNN, LeNet5, SimpleCNN
from tests.conftest import assert_close, to_torch, torch

from .common import load_into_torch

tnn = torch.nn


def _count(module):
    return sum(p.numel() for p in module.parameters())


def test_lenet5_layout_parameter_count_and_outputs_equal_torch():
    net = LeNet5().double()
    conv = lambda c_in, c_out, k: c_out * (c_in * k * k + 1)      # noqa: E731
    full = lambda n_in, n_out: n_out * (n_in + 1)                  # noqa: E731
    by_hand = conv(1, 6, 5) + conv(6, 16, 5) + conv(16, 120, 5) + full(120, 84) + full(84, 10)
    assert by_hand == 61706
    assert _count(net) == by_hand
    x = deepgrad.randn(2, 1, 32, 32, dtype=deepgrad.float64)
    shapes, h = [], x
    for layer in net.features:
        h = layer(h)
        shapes.append(tuple(h.shape[1:]))
    assert shapes[0] == (6, 28, 28) and shapes[2] == (6, 14, 14)          # C1, S2
    assert shapes[3] == (16, 10, 10) and shapes[5] == (16, 5, 5)          # C3, S4
    assert shapes[6] == (120, 1, 1)                                       # C5
    twin = tnn.ModuleDict({
        "features": tnn.Sequential(tnn.Conv2d(1, 6, 5), tnn.Tanh(), tnn.AvgPool2d(2),
                                   tnn.Conv2d(6, 16, 5), tnn.Tanh(), tnn.AvgPool2d(2),
                                   tnn.Conv2d(16, 120, 5), tnn.Tanh()),
        "classifier": tnn.Sequential(tnn.Flatten(), tnn.Linear(120, 84), tnn.Tanh(),
                                     tnn.Linear(84, 10))}).double()
    load_into_torch(twin, net.state_dict())
    expected = twin["classifier"](twin["features"](to_torch(x)))
    assert_close(net(x), expected, rtol=1e-10)
    relu_max = LeNet5(activation="relu", pooling="max", padding=2)
    assert tuple(relu_max(deepgrad.randn(3, 1, 28, 28)).shape) == (3, 10)
    assert "MaxPool2d" in repr(relu_max) and "padding=2" in repr(relu_max)
    with pytest.raises(ValueError, match=r"expects inputs of shape \(N, 1, 32, 32\), got "
                                         r"\(3, 1, 28, 28\)"):
        net(deepgrad.randn(3, 1, 28, 28, dtype=deepgrad.float64))


def test_mlp_with_batch_norm_and_dropout_equals_torch_in_eval_and_counts_parameters():
    net = MLP([5, 8, 6, 3], activation="tanh", dropout=0.3, batch_norm=True).double()
    twin = tnn.Sequential(tnn.Linear(5, 8), tnn.BatchNorm1d(8), tnn.Tanh(), tnn.Dropout(0.3),
                          tnn.Linear(8, 6), tnn.BatchNorm1d(6), tnn.Tanh(), tnn.Dropout(0.3),
                          tnn.Linear(6, 3)).double()
    x = deepgrad.randn(10, 5, dtype=deepgrad.float64)
    net(x)                                          # one training step of running statistics
    load_into_torch(twin, {k[len("net."):]: v for k, v in net.state_dict().items()})
    net.eval(), twin.eval()
    assert_close(net(x), twin(to_torch(x)), rtol=1e-10)
    assert _count(net) == sum(p.numel() for p in twin.parameters())
    plain = MLP([4, 3])
    assert len(plain.net) == 1 and _count(plain) == 15
    with pytest.raises(ValueError, match="dropout must be in \\[0, 1\\)"):
        MLP([4, 3], dropout=1.0)


@pytest.mark.parametrize("dims", [1, 2])
def test_simple_cnn_equals_torch(dims):
    net = SimpleCNN(in_channels=2, num_classes=4, input_size=8, channels=(3, 5), hidden=7,
                    dims=dims).double()
    conv, pool = (tnn.Conv2d, tnn.MaxPool2d) if dims == 2 else (tnn.Conv1d, tnn.MaxPool1d)
    twin = tnn.ModuleDict({
        "features": tnn.Sequential(conv(2, 3, 3, padding=1), tnn.ReLU(), pool(2),
                                   conv(3, 5, 3, padding=1), tnn.ReLU(), pool(2)),
        "classifier": tnn.Sequential(tnn.Flatten(), tnn.Linear(5 * 2 ** dims, 7), tnn.ReLU(),
                                     tnn.Dropout(0.0), tnn.Linear(7, 4))}).double()
    load_into_torch(twin, net.state_dict())
    x = deepgrad.randn(3, 2, *(8,) * dims, dtype=deepgrad.float64)
    assert_close(net(x), twin["classifier"](twin["features"](to_torch(x))), rtol=1e-10)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_char_rnn_equals_torch_and_its_loss_is_cross_entropy(cell):
    net = CharRNN(vocab_size=7, embedding_dim=4, hidden_size=5, num_layers=2, cell=cell).double()
    rnn = tnn.LSTM if cell == "lstm" else tnn.GRU
    twin = tnn.ModuleDict({"embedding": tnn.Embedding(7, 4),
                           "rnn": rnn(4, 5, 2, batch_first=True),
                           "head": tnn.Linear(5, 7)}).double()
    load_into_torch(twin, net.state_dict())
    idx = deepgrad.randint(0, 7, (3, 6))
    target = deepgrad.randint(0, 7, (3, 6))
    out, _ = twin["rnn"](twin["embedding"](to_torch(idx)))
    logits = twin["head"](out)
    assert_close(net(idx)[0], logits, rtol=1e-10)
    expected = torch.nn.functional.cross_entropy(logits.reshape(-1, 7),
                                                 to_torch(target).reshape(-1))
    assert net.loss((idx, target))["loss"].item() == pytest.approx(expected.item(), rel=1e-10)
    text = net.sample([1, 2], length=12, generator=deepgrad.Generator().manual_seed(0))
    assert len(text) == 12 and all(0 <= i < 7 for i in text)


def test_classifier_loss_is_cross_entropy_and_needs_labels():
    net = MLP([4, 3]).double()
    x, y = deepgrad.randn(5, 4, dtype=deepgrad.float64), deepgrad.tensor([0, 1, 2, 0, 1])
    expected = torch.nn.functional.cross_entropy(to_torch(net(x)), to_torch(y))
    assert net.loss((x, y))["loss"].item() == pytest.approx(expected.item(), rel=1e-12)
    with pytest.raises(ValueError, match="needs labels"):
        net.loss(x)


def test_registry_builds_by_name_and_lists_the_known_names_on_error():
    names = models.names()
    for name in ("autoencoder", "sparse_autoencoder", "contractive_autoencoder",
                 "denoising_autoencoder", "stacked_autoencoder", "vae", "conditional_vae",
                 "dictionary_learning", "sparse_coder", "lenet5", "mlp", "simple_cnn",
                 "char_rnn"):
        assert name in names
    assert names == sorted(names)
    assert isinstance(models.get("LeNet5"), LeNet5)
    assert models.get("mlp", sizes=[3, 2]).sizes == [3, 2]
    sae = models.get("sparse_autoencoder", sizes=[6, 3], activation="sigmoid", rho=0.2)
    assert isinstance(sae, models.SparseAutoencoder) and sae.rho == 0.2
    assert isinstance(models.get("simple-cnn", input_size=8), SimpleCNN)
    with pytest.raises(ValueError) as info:
        models.get("resnet50")
    message = str(info.value)
    assert "unknown model 'resnet50'" in message and "lenet5" in message and "vae" in message


def test_every_hyperparameter_is_in_extra_repr():
    import inspect
    cases = {LeNet5: {}, MLP: {"sizes": [3, 2]}, SimpleCNN: {}, CharRNN: {"vocab_size": 5},
             models.VAE: {}, models.StackedAutoencoder: {"sizes": [4, 2], "n_classes": 2}}
    for cls, kwargs in cases.items():
        text = cls(**kwargs).extra_repr()
        for name in inspect.signature(cls.__init__).parameters:
            if name != "self":
                assert f"{name}=" in text, (cls.__name__, name)


def test_char_rnn_learns_a_periodic_text_with_the_trainer_through_objective():
    from deepgrad import optim
    from deepgrad.train import Trainer
    text = [0, 1, 2, 3] * 20
    idx = deepgrad.tensor([text[i:i + 8] for i in range(0, 64, 2)])
    nxt = deepgrad.tensor([text[i + 1:i + 9] for i in range(0, 64, 2)])
    deepgrad.manual_seed(0)
    net = CharRNN(vocab_size=4, embedding_dim=8, hidden_size=16)
    objective = models.Objective(net)
    history = Trainer(objective, optim.Adam(net.parameters(), 0.05), objective.loss_fn,
                      progress=None, seed=0, batch_size=8).fit((idx, nxt), epochs=10)
    assert history.history["loss"][-1] < 0.1 < history.history["loss"][0]
    assert net.sample([0], length=8, temperature=0.1,
                      generator=deepgrad.Generator().manual_seed(0)) == [1, 2, 3, 0, 1, 2, 3, 0]
