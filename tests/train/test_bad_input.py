"""Bad input: clear errors naming the values, raised before any state changes."""
import numpy as np
import pytest

from deepgrad import nn, optim
from deepgrad.train import Trainer

from .common import classification_data, mlp, weights


def _fresh():
    model = mlp()
    opt = optim.Adam(model.parameters(), lr=0.01)
    return model, opt, weights(model)


def _unchanged(model, opt, before):
    for k, v in weights(model).items():
        np.testing.assert_array_equal(v, before[k])
    assert opt.state_dict()["state"] == {}


def test_wrong_input_shape_names_both_shapes():
    model, opt, before = _fresh()
    X, y = classification_data(20, features=7)
    t = Trainer(model, opt, nn.CrossEntropyLoss(), progress=None)
    with pytest.raises(ValueError) as info:
        t.fit((X, y), epochs=1)
    msg = str(info.value)
    assert "(2, 7)" in msg                        # the input batch
    assert "5" in msg and "7" in msg              # and what the first layer expected
    assert t.history.epoch == [] and t.global_step == 0
    _unchanged(model, opt, before)


def test_output_and_target_shapes_must_match_for_elementwise_losses():
    model = nn.Linear(3, 1)
    before = weights(model)
    opt = optim.SGD(model.parameters(), lr=0.1)
    X = np.zeros((10, 3), np.float32)
    y = np.zeros(10, np.float32)
    with pytest.raises(ValueError, match=r"MSELoss.*\(2, 1\).*\(2,\)"):
        Trainer(model, opt, nn.MSELoss(), progress=None).fit((X, y))
    _unchanged(model, opt, before)


def test_loss_that_is_not_a_scalar():
    model, opt, before = _fresh()
    X, y = classification_data(20)
    t = Trainer(model, opt, nn.CrossEntropyLoss(reduction="none"), progress=None)
    with pytest.raises(ValueError, match=r"scalar \(0-d\).*\(2,\).*reduction='mean'"):
        t.fit((X, y))
    _unchanged(model, opt, before)


def test_unknown_metric_lists_known_names_at_construction():
    model, opt, _ = _fresh()
    with pytest.raises(ValueError, match="unknown metric 'accurcy'; known names: acc, "
                                         "accuracy, f1, mae"):
        Trainer(model, opt, nn.CrossEntropyLoss(), metrics=["accurcy"])


def test_mismatched_sample_counts_and_bad_arguments():
    model, opt, before = _fresh()
    X, y = classification_data(20)
    t = Trainer(model, opt, nn.CrossEntropyLoss(), progress=None)
    with pytest.raises(ValueError, match="X has 20.*y has 19"):
        t.fit((X, y[:19]))
    with pytest.raises(ValueError, match="val_split"):
        t.fit((X, y), val_split=1.5)
    with pytest.raises(ValueError, match="either val= or val_split="):
        t.fit((X, y), val=(X, y), val_split=0.2)
    with pytest.raises(TypeError, match="DataLoader, a Dataset or a tuple"):
        t.fit(X)
    with pytest.raises(ValueError, match="accumulate"):
        Trainer(model, opt, nn.CrossEntropyLoss(), accumulate=0)
    with pytest.raises(ValueError, match="grad_clip"):
        Trainer(model, opt, nn.CrossEntropyLoss(), grad_clip=-1)
    with pytest.raises(ValueError, match="progress"):
        Trainer(model, opt, nn.CrossEntropyLoss(), progress="yes")
    with pytest.raises(ValueError, match="unique"):
        Trainer(model, opt, nn.CrossEntropyLoss(), metrics=["accuracy", "acc"])
    _unchanged(model, opt, before)


def test_metric_that_cannot_read_the_output_is_refused_early():
    model, opt, before = _fresh()
    X, y = classification_data(20)
    t = Trainer(model, opt, nn.CrossEntropyLoss(), metrics=["top5"], progress=None)
    t.metrics[0].check = lambda p, y: (_ for _ in ()).throw(ValueError("k=5 > 3 classes"))
    with pytest.raises(ValueError, match="metric 'top5' cannot read"):
        t.fit((X, y))
    _unchanged(model, opt, before)
