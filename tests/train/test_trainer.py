"""Trainer.fit against a hand-written loop (bit for bit), big batches and torch."""
import numpy as np
import pytest

import deepgrad
from deepgrad import nn, optim
from deepgrad.train import Trainer
from tests.conftest import torch

from .common import classification_data, hand_loop, mlp, sgd, weights


def test_fit_equals_hand_written_loop_bit_for_bit():
    X, y = classification_data(70)
    Xt, yt, Xv, yv = X[:50], y[:50], X[50:], y[50:]
    model = mlp()
    expected = hand_loop(model, sgd(model), Xt, yt, Xv, yv, epochs=3, batch_size=16, seed=5)
    expected_w = weights(model)
    model = mlp()
    trainer = Trainer(model, sgd(model), nn.CrossEntropyLoss(), metrics=["accuracy"],
                      progress=None, seed=5, batch_size=16)
    history = trainer.fit((Xt, yt), epochs=3, val=(Xv, yv))
    assert history.history == expected           # exact floats, every key
    assert history.epoch == [0, 1, 2]
    for k, v in weights(model).items():
        np.testing.assert_array_equal(v, expected_w[k])


def test_grad_clip_matches_hand_loop_with_clip_grad_norm():
    X, y = classification_data(40)
    model = mlp(dropout=0.0)
    expected = hand_loop(model, sgd(model, 1.0), X[:30], y[:30], X[30:], y[30:], epochs=2,
                         batch_size=10, seed=1, clip=0.05)
    model = mlp(dropout=0.0)
    trainer = Trainer(model, sgd(model, 1.0), nn.CrossEntropyLoss(), metrics=["accuracy"],
                      grad_clip=0.05, progress=None, seed=1, batch_size=10)
    assert trainer.fit((X[:30], y[:30]), epochs=2, val=(X[30:], y[30:])).history == expected


def test_same_seed_same_history_and_different_seed_differs():
    X, y = classification_data(50)

    def run(seed):
        model = mlp()
        t = Trainer(model, sgd(model), nn.CrossEntropyLoss(), progress=None, seed=seed,
                    batch_size=8)
        return t.fit((X, y), epochs=2, val_split=0.2).history

    assert run(3) == run(3)
    assert run(3)["loss"] != run(4)["loss"]


def _torch_linear(model):
    lin = torch.nn.Linear(model.in_features, model.out_features)
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(model.weight.detach().numpy().copy()))
        lin.bias.copy_(torch.from_numpy(model.bias.detach().numpy().copy()))
    return lin


@pytest.mark.parametrize("n, micro, k", [(12, 4, 3), (10, 4, 3), (9, 2, 5)])
def test_accumulation_equals_one_big_batch(n, micro, k):
    """k micro-batches (the last one possibly short) == one big-batch step, three ways."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 3)).astype(np.float32)
    y = rng.standard_normal((n, 2)).astype(np.float32)
    deepgrad.manual_seed(0)
    base = nn.Linear(3, 2)
    oracle = _torch_linear(base)
    state = {k2: v.clone() for k2, v in base.state_dict().items()}

    def trained(batch_size, accumulate):
        model = nn.Linear(3, 2)
        model.load_state_dict(state)
        t = Trainer(model, optim.SGD(model.parameters(), lr=0.5), nn.MSELoss(),
                    accumulate=accumulate, progress=None, batch_size=batch_size)
        t.fit((X, y), epochs=1, shuffle=False)
        return model, t

    acc_model, acc_trainer = trained(micro, k)
    big_model, _ = trained(n, 1)
    # steps: ceil(batches / k)
    assert acc_trainer.global_step == -(-(-(-n // micro)) // k)
    # the hand-written accumulation loop over the first group, as a user would write it
    hand = nn.Linear(3, 2)
    hand.load_state_dict(state)
    opt = optim.SGD(hand.parameters(), lr=0.5)
    opt.zero_grad()
    group = min(n, micro * k)
    for start in range(0, group, micro):
        xb, yb = deepgrad.tensor(X[start:start + micro]), deepgrad.tensor(y[start:start + micro])
        (nn.MSELoss()(hand(xb), yb) * (len(xb) / group)).backward()
    opt.step()
    # torch: one SGD step on the big batch
    t_opt = torch.optim.SGD(oracle.parameters(), lr=0.5)
    torch.nn.functional.mse_loss(oracle(torch.from_numpy(X[:group])),
                                 torch.from_numpy(y[:group])).backward()
    t_opt.step()
    assert group == n    # one optimizer step in all: compare the four results
    for p_acc, p_big, p_hand, p_t in zip(acc_model.parameters(), big_model.parameters(),
                                        hand.parameters(), oracle.parameters()):
        np.testing.assert_allclose(p_acc.detach().numpy(), p_big.detach().numpy(),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(p_acc.detach().numpy(), p_hand.detach().numpy(),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(p_acc.detach().numpy(), p_t.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_train_and_eval_modes_and_no_grad_in_evaluation():
    seen = []

    class Probe(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(5, 3)

        def forward(self, x):
            seen.append((self.training, deepgrad.is_grad_enabled()))
            return self.lin(x)

    X, y = classification_data(20)
    model = Probe()
    t = Trainer(model, sgd(model), nn.CrossEntropyLoss(), progress=None, batch_size=10)
    seen.clear()
    t.fit((X, y), epochs=1, val=(X, y))
    train_calls = [s for s in seen if s[0]]
    eval_calls = [s for s in seen if not s[0]]
    assert train_calls and all(s == (True, True) for s in train_calls)
    assert eval_calls and all(s == (False, False) for s in eval_calls)
    assert model.training           # left in train mode, as it was
    seen.clear()
    t.evaluate((X, y))
    t.predict(X)
    assert seen and all(s == (False, False) for s in seen)


def test_predict_concatenates_outputs_and_evaluate_returns_dict():
    X, y = classification_data(25)
    model = mlp(dropout=0.0)
    t = Trainer(model, sgd(model), nn.CrossEntropyLoss(), metrics=["accuracy"],
                progress=None, batch_size=7)
    out = t.predict(X)
    assert tuple(out.shape) == (25, 3) and not out.requires_grad
    with deepgrad.no_grad():
        full_out = model(deepgrad.tensor(X))
        full = nn.CrossEntropyLoss()(full_out, deepgrad.tensor(y)).item()
    np.testing.assert_allclose(out.numpy(), full_out.numpy(), rtol=1e-6)
    res = t.evaluate((X, y))
    assert set(res) == {"loss", "accuracy"}
    assert res["loss"] == pytest.approx(full, rel=1e-6)


def test_progress_plain_lines_and_silence(capsys):
    X, y = classification_data(20)
    model = mlp()
    Trainer(model, sgd(model), nn.CrossEntropyLoss(), metrics=["accuracy"], progress=False,
            batch_size=10).fit((X, y), epochs=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("Epoch 1/2")
    assert "loss:" in lines[1] and "accuracy:" in lines[1] and "batch/s" in lines[1]
    assert "eta " in lines[0] and " - eta 0s - " in lines[1]
    Trainer(model, sgd(model), nn.CrossEntropyLoss(), progress=None,
            batch_size=10).fit((X, y), epochs=2)
    assert capsys.readouterr().out == ""


def test_progress_without_tqdm_on_a_terminal_falls_back_to_lines(monkeypatch, capsys):
    import sys
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    X, y = classification_data(20)
    model = mlp()
    Trainer(model, sgd(model), nn.CrossEntropyLoss(), progress=True,
            batch_size=10).fit((X, y), epochs=1)
    assert capsys.readouterr().out.startswith("Epoch 1/1")


def test_progress_bar_with_tqdm_on_a_terminal(monkeypatch, capsys):
    pytest.importorskip("tqdm")
    import sys
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    X, y = classification_data(20)
    model = mlp()
    Trainer(model, sgd(model), nn.CrossEntropyLoss(), metrics=["accuracy"], progress=True,
            batch_size=5).fit((X, y), epochs=2)
    err = capsys.readouterr().err
    assert "Epoch 1/2" in err and "Epoch 2/2" in err and "4/4" in err
    assert "batch/s" in err and "accuracy" in err


def test_dataset_and_dataloader_inputs_give_the_tuple_path_numbers():
    from deepgrad.utils.data import DataLoader, Dataset, TensorDataset

    X, y = classification_data(30)

    class Pairs(Dataset):          # a map-style dataset that is not a TensorDataset
        def __len__(self):
            return len(y)

        def __getitem__(self, i):
            return deepgrad.tensor(X[i]), int(y[i])

    def run(data, **kw):
        model = mlp()
        t = Trainer(model, sgd(model), nn.CrossEntropyLoss(), progress=None, seed=2,
                    batch_size=8)
        return t.fit(data, epochs=2, **kw).history

    expected = run((X, y), val_split=0.2)
    assert run(Pairs(), val_split=0.2) == expected
    loader = DataLoader(TensorDataset(deepgrad.tensor(X[:24]), deepgrad.tensor(y[:24])),
                        batch_size=8, shuffle=True,
                        generator=deepgrad.Generator().manual_seed(2))
    assert run(loader, val=(X[24:], y[24:])) == expected
