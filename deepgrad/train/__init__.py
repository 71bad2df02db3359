"""Training that feels finished: a Keras-style ``Trainer`` for deepgrad models.

Public API (stable)::

    Trainer(model, optimizer, loss_fn, metrics=(), callbacks=(), device=None, grad_clip=None,
            progress=True, accumulate=1, seed=None, run_dir=None, scheduler=None, batch_size=32,
            distributed="auto")   # "auto"/True: data-parallel over mpiexec's ranks
    Trainer.fit(train, epochs=1, val=None, val_split=None, initial_epoch=0, batch_size=None,
                shuffle=True) -> History
    Trainer.evaluate(data, batch_size=None) -> dict        # {"loss": ..., "<metric>": ...}
    Trainer.predict(data, batch_size=None) -> Tensor       # model outputs, concatenated
    Trainer.save_checkpoint(path) / Trainer.load_checkpoint(path)
    Trainer.history (History), Trainer.epoch (epochs completed), Trainer.stop_training

    progress: True (tqdm bar on a terminal, else one line per epoch), False (one line per
    epoch), None (silent). fit(initial_epoch=0) starts a new History; initial_epoch > 0
    extends the current one (resume: load_checkpoint(p); fit(..., initial_epoch=t.epoch)).

    History.history   {"loss": [...], "val_loss": [...], "<metric>": [...],
                       "val_<metric>": [...], "lr": [...]}
    History.epoch     [0, 1, ...]

    ``train``/``val``/``data``: a DataLoader, a Dataset, or a tuple ``(X, y)`` of arrays or
    tensors (batched with ``batch_size``; ``predict`` also takes a bare ``X``).

    callbacks: Callback, EarlyStopping, ModelCheckpoint, LearningRateScheduler, CSVLogger,
               TerminateOnNaN, TensorBoard            (deepgrad.train.callbacks)
    metrics:   "accuracy", "top5" (any "top<k>"), "mae", "mse", "rmse", "r2", "f1",
               "precision", "recall" (macro averages), a callable fn(y_true, y_pred) or a
               ``Metric`` object                      (deepgrad.train.metrics)
    fine-tuning: freeze(model, names), unfreeze(model, names), param_groups(model, lrs)
    reports:   deepgrad.train.report.build_report(run_dir) -> path of report.html
    several processes: mpiexec -n N python train.py with
               deepgrad.distributed.init_process_group("mpi") (or Trainer(distributed=True));
               batch_size per rank, rank 0 prints and writes (deepgrad.train.distributed)
    checkpoints: safetensors + JSON (deepgrad.train.checkpoint); CheckpointError when damaged
    layer table: deepgrad.utils.summary(model, input_size) -> str (also printed)

Example::

    trainer = Trainer(model, optim.Adam(model.parameters(), 1e-3), nn.CrossEntropyLoss(),
                      metrics=["accuracy"], callbacks=[EarlyStopping(patience=3)], seed=0)
    history = trainer.fit((X_train, y_train), epochs=20, val_split=0.2, batch_size=64)
    trainer.evaluate((X_test, y_test))     # {"loss": 0.31, "accuracy": 0.91}
"""
from . import callbacks, metrics  # noqa: F401
from .callbacks import (Callback, CSVLogger, EarlyStopping, LearningRateScheduler,
                        ModelCheckpoint, TensorBoard, TerminateOnNaN)
from .checkpoint import CheckpointError, load_weights, save_weights
from .finetune import freeze, param_groups, unfreeze
from .history import History
from .metrics import Metric
from .trainer import Trainer

__all__ = ["CSVLogger", "Callback", "CheckpointError", "EarlyStopping", "History",
           "LearningRateScheduler", "Metric", "ModelCheckpoint", "TensorBoard",
           "TerminateOnNaN", "Trainer", "callbacks", "freeze", "load_weights", "metrics",
           "param_groups", "save_weights", "unfreeze"]
