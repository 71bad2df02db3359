"""Callbacks on scripted logs, against Keras's documented rules and torch's schedulers."""
import csv
import os
import warnings

import numpy as np
import pytest

from deepgrad import nn, optim
from deepgrad.train import (Callback, CSVLogger, EarlyStopping, LearningRateScheduler,
                            ModelCheckpoint, TerminateOnNaN, Trainer)
from tests.conftest import torch

from .common import classification_data, mlp, sgd, weights


class Script(Callback):
    """Overwrites val_loss with a scripted sequence (runs before the callbacks under test)
    and records the weights at the end of each epoch."""

    def __init__(self, values):
        super().__init__()
        self.values, self.weights = values, []

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.values[epoch]
        self.weights.append(weights(self.model))


def _run(values, *callbacks, epochs=None):
    X, y = classification_data(30)
    model = mlp(dropout=0.0)
    script = Script(values)
    t = Trainer(model, sgd(model), nn.CrossEntropyLoss(), callbacks=[script, *callbacks],
                progress=None, batch_size=10)
    h = t.fit((X, y), epochs=epochs or len(values), val=(X, y))
    return t, h, script


# Keras rule, worked by hand: wait += 1 each epoch; an improvement (v + min_delta < best)
# resets wait to 0; stop when wait >= patience (and epoch > 0).
@pytest.mark.parametrize("values, patience, min_delta, epochs_run, stopped", [
    ([1.0, 0.9, 0.95, 0.92, 0.91, 0.95], 2, 0.0, 4, 3),  # no improvement at 2, 3: stop at 3
    ([1.0, 0.9, 0.95, 0.85, 0.91, 0.95], 2, 0.0, 6, 5),  # 3 improves: wait resets; 4, 5: stop
    ([1.0, 0.99, 0.98, 0.97, 0.96, 0.95], 1, 0.02, 2, 1),  # steps of 0.01 < min_delta
    ([1.0, 1.1, 0.5], 0, 0.0, 2, 1),                     # patience 0: first non-improvement
    ([1.0, 0.9, 0.8, 0.7], 0, 0.0, 4, 0),                # always improving: never stops
    ([1.0, 1.0, 1.0], 5, 0.0, 3, 0),                     # patience longer than the run
])
def test_early_stopping_patience_and_min_delta(values, patience, min_delta, epochs_run,
                                               stopped):
    es = EarlyStopping(patience=patience, min_delta=min_delta)
    _, h, _ = _run(values, es)
    assert len(h.epoch) == epochs_run
    assert es.stopped_epoch == stopped


def test_early_stopping_restore_best_weights():
    values = [1.0, 0.6, 0.8, 0.9, 0.95]
    es = EarlyStopping(patience=2, restore_best_weights=True)
    t, h, script = _run(values, es)
    assert len(h.epoch) == 4 and es.best_epoch == 1 and es.best == 0.6
    for k, v in weights(t.model).items():
        np.testing.assert_array_equal(v, script.weights[1][k])
    # without restoring, the model keeps the last epoch's weights
    t2, _, script2 = _run(values, EarlyStopping(patience=2))
    for k, v in weights(t2.model).items():
        np.testing.assert_array_equal(v, script2.weights[3][k])


def test_early_stopping_mode_max_for_accuracy_and_missing_key_warns_once():
    es = EarlyStopping(monitor="val_accuracy", patience=0)
    X, y = classification_data(30)
    model = mlp()
    t = Trainer(model, sgd(model), nn.CrossEntropyLoss(), metrics=["accuracy"], progress=None,
                callbacks=[es])
    t.fit((X, y), epochs=1, val=(X, y))
    assert es._direction == "max"
    missing = EarlyStopping(monitor="val_los")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = Trainer(model, sgd(model), nn.CrossEntropyLoss(), progress=None,
                    callbacks=[missing]).fit((X, y), epochs=3, val=(X, y))
    msgs = [str(w.message) for w in caught if "val_los`" in str(w.message)]
    assert len(msgs) == 1 and "Available metrics are: loss,val_loss,lr" in msgs[0]
    assert len(h.epoch) == 3


def test_model_checkpoint_best_only_writes_on_improvement(tmp_path):
    values = [0.5, 0.7, 0.4, 0.4, 0.3]
    path = str(tmp_path / "ck-{epoch:02d}-{val_loss:.3f}.safetensors")
    _run(values, ModelCheckpoint(path, save_best_only=True))
    # strict improvement (Keras: monitor_op(current, best)): epochs 1, 3, 5
    assert sorted(os.listdir(tmp_path)) == ["ck-01-0.500.safetensors", "ck-03-0.400.safetensors",
                                            "ck-05-0.300.safetensors"]
    every = tmp_path / "all"
    _run(values, ModelCheckpoint(str(every / "e{epoch}.safetensors")))
    assert sorted(os.listdir(every)) == [f"e{i}.safetensors" for i in range(1, 6)]


def test_model_checkpoint_file_resumes_the_run(tmp_path):
    ck = ModelCheckpoint(str(tmp_path / "last.safetensors"), save_weights_only=False)
    t, _, _ = _run([1.0, 0.9], ck)
    model = mlp(dropout=0.0, seed=9)
    t2 = Trainer(model, sgd(model), nn.CrossEntropyLoss(), progress=None)
    t2.load_checkpoint(ck.last_path)
    assert t2.epoch == 2 and t2.history.history == t.history.history
    for k, v in weights(model).items():
        np.testing.assert_array_equal(v, weights(t.model)[k])


def test_csv_logger_rows_equal_history(tmp_path):
    path = tmp_path / "log.csv"
    X, y = classification_data(30)
    model = mlp()
    t = Trainer(model, sgd(model), nn.CrossEntropyLoss(), metrics=["accuracy", "f1"],
                progress=None, callbacks=[CSVLogger(str(path))], batch_size=8)
    h = t.fit((X, y), epochs=3, val_split=0.3)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch"] + sorted(h.history)
    assert [int(r[0]) for r in rows[1:]] == [0, 1, 2]
    for i, key in enumerate(rows[0][1:], start=1):
        assert [float(r[i]) for r in rows[1:]] == h.history[key]   # exact: written with repr


def test_learning_rate_scheduler_matches_torch_steplr_and_plateau():
    X, y = classification_data(30)
    model = mlp()
    opt = sgd(model, 0.1)
    t = Trainer(model, opt, nn.CrossEntropyLoss(), progress=None,
                callbacks=[LearningRateScheduler(optim.lr_scheduler.StepLR(opt, 2, gamma=0.5))])
    lrs = t.fit((X, y), epochs=5).history["lr"]
    p = torch.nn.Parameter(torch.zeros(1))
    t_opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    t_sched = torch.optim.lr_scheduler.StepLR(t_opt, 2, gamma=0.5)
    expected = []
    for _ in range(5):
        expected.append(t_opt.param_groups[0]["lr"])
        t_opt.step()
        t_sched.step()
    assert lrs == expected
    # ReduceLROnPlateau receives val_loss
    values = [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    model = mlp()
    opt = sgd(model, 0.1)
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.1)
    script = Script(values)
    t = Trainer(model, opt, nn.CrossEntropyLoss(), progress=None,
                callbacks=[script, LearningRateScheduler(plateau)])
    lrs = t.fit((X, y), epochs=len(values), val=(X, y)).history["lr"]
    t_opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    t_plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, patience=1, factor=0.1)
    expected = []
    for v in values:
        expected.append(t_opt.param_groups[0]["lr"])
        t_plateau.step(v)
    assert lrs == pytest.approx(expected, rel=1e-12)


def test_terminate_on_nan_names_step_and_first_bad_gradient():
    X, y = classification_data(40)
    X[25, 1] = np.nan                      # batch 2 (batch size 10, no shuffling)
    model = mlp(dropout=0.0)
    before = None
    cb = TerminateOnNaN()

    class Remember(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            nonlocal before
            before = weights(self.model)

    t = Trainer(model, sgd(model), nn.CrossEntropyLoss(), progress=None, batch_size=10,
                callbacks=[Remember(), cb])
    with pytest.warns(RuntimeWarning, match="batch 2"):
        h = t.fit((X, y), epochs=3, shuffle=False)
    assert "epoch 0, batch 2 (optimizer step 2)" in cb.message
    assert "'0.weight'" in cb.message and "loss nan" in cb.message
    assert len(h.epoch) == 1 and t.global_step == 2
    for k, v in weights(model).items():        # the bad step was not taken
        np.testing.assert_array_equal(v, before[k])
        assert np.isfinite(v).all()


def test_tensorboard_callback_writes_readable_scalars(tmp_path):
    pytest.importorskip("deepgrad.utils.tensorboard")
    ea = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    from deepgrad.train import TensorBoard
    X, y = classification_data(30)
    model = mlp()
    t = Trainer(model, sgd(model), nn.CrossEntropyLoss(), metrics=["accuracy"], progress=None,
                callbacks=[TensorBoard(str(tmp_path), update_freq=2)], batch_size=8)
    h = t.fit((X, y), epochs=3, val_split=0.2)     # 24 samples: 3 batches per epoch
    acc = ea.EventAccumulator(str(tmp_path))
    acc.Reload()
    for key in ("loss", "val_loss", "accuracy", "lr"):
        events = acc.Scalars(f"epoch/{key}")
        assert [e.step for e in events] == [0, 1, 2]
        np.testing.assert_allclose([e.value for e in events], h.history[key], rtol=1e-6)
    assert [e.step for e in acc.Scalars("batch/loss")] == [2, 4, 6, 8]


def test_callback_hooks_order_and_attributes():
    calls = []
    hooks = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
             "on_train_batch_begin", "on_train_batch_end", "on_validation_begin",
             "on_validation_end", "on_test_begin", "on_test_end", "on_predict_begin",
             "on_predict_end"]
    Recorder = type("Recorder", (Callback,), {
        h: (lambda name: lambda self, *a: calls.append(name))(h) for h in hooks})
    rec = Recorder()
    X, y = classification_data(20)
    model = mlp()
    t = Trainer(model, sgd(model), nn.CrossEntropyLoss(), progress=None, callbacks=[rec],
                batch_size=10)
    t.fit((X, y), epochs=1, val=(X, y))
    assert calls == ["on_train_begin", "on_epoch_begin", "on_train_batch_begin",
                     "on_train_batch_end", "on_train_batch_begin", "on_train_batch_end",
                     "on_validation_begin", "on_validation_end", "on_epoch_end", "on_train_end"]
    assert rec.trainer is t and rec.model is model
    calls.clear()
    t.evaluate((X, y))
    t.predict(X)
    assert calls == ["on_test_begin", "on_test_end", "on_predict_begin", "on_predict_end"]


def test_trainer_scheduler_argument_steps_once_per_epoch_with_val_loss():
    X, y = classification_data(30)
    model = mlp()
    opt = sgd(model, 0.1)
    seen = []

    class Recording(optim.lr_scheduler.ReduceLROnPlateau):
        def step(self, metrics, epoch=None):
            seen.append(metrics)
            return super().step(metrics, epoch)

    t = Trainer(model, opt, nn.CrossEntropyLoss(), progress=None,
                scheduler=Recording(opt, patience=0, factor=0.5))
    h = t.fit((X, y), epochs=4, val_split=0.3)
    assert seen == h.history["val_loss"]
    p = torch.nn.Parameter(torch.zeros(1))
    t_opt = torch.optim.SGD([p], lr=0.1)
    t_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, patience=0, factor=0.5)
    expected = []
    for v in seen:
        expected.append(t_opt.param_groups[0]["lr"])
        t_sched.step(v)
    assert h.history["lr"] == pytest.approx(expected, rel=1e-12)
