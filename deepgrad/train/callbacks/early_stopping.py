"""``EarlyStopping``: stop when a monitored quantity has stopped improving (Keras's rules).

At the end of every epoch with the monitored value ``v`` logged:

* ``wait += 1``;
* if ``v`` improves on the best so far by more than ``min_delta`` (for "min":
  ``v + min_delta < best``; for "max": ``v - min_delta > best``): ``best = v``, remember the
  weights when ``restore_best_weights``, and ``wait = 0``;
* otherwise, if ``wait >= patience`` and this is not the first epoch (index 0): stop.

So ``patience=0`` stops at the first epoch that does not improve, ``patience=2`` after
two such epochs in a row. With ``restore_best_weights=True`` the weights of the best epoch
are put back at the end of training (even when training ran to the last epoch, as
Keras 3 does). An epoch where ``monitor`` is missing from the logs is skipped, with one
warning naming the available keys. ``start_from_epoch`` ignores the first epochs.

Distributed runs: every rank runs it on the same (all-rank) logs, so all decide alike
(the Trainer also makes the ranks agree on stopping); only rank 0 prints.

Unlike Keras, ``best`` is reset with the other counters at the start of every ``fit``,
except right after ``Trainer.load_checkpoint``, which restores them (a resumed run stops
where the uninterrupted one would).
"""
import numpy as np

from .base import Callback
from ._monitor import check_mode, improved, resolve_mode, warn_missing_once


class EarlyStopping(Callback):
    """Stop training when ``monitor`` stops improving.

    Args:
        monitor (str): key of the epoch logs. Default "val_loss".
        min_delta (float): smallest change that counts as an improvement. Default 0.
        patience (int): epochs without improvement before stopping. Default 0.
        mode ("auto" | "min" | "max"): "auto" asks the loss / metric for its direction.
        restore_best_weights (bool): put back the best epoch's weights at the end.
        baseline (float or None): ``wait`` only resets when the value also beats this.
        start_from_epoch (int): epochs to wait before monitoring.
        verbose (int): 1 prints when it stops or restores.

    Attributes after ``fit``: ``stopped_epoch`` (0 if it never stopped), ``best``,
    ``best_epoch``, ``wait``.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, mode="auto",
                 restore_best_weights=False, baseline=None, start_from_epoch=0, verbose=0):
        super().__init__()
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        check_mode("EarlyStopping", mode)
        self.monitor, self.min_delta, self.patience = monitor, abs(min_delta), int(patience)
        self.mode, self.restore_best_weights = mode, restore_best_weights
        self.baseline, self.start_from_epoch, self.verbose = baseline, start_from_epoch, verbose
        self._direction = None
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        if getattr(self, "_resumed", False):     # counters restored from a checkpoint
            self._resumed = False
            return
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best, self.best_weights = None, None

    def state_dict(self):
        """Counters saved in trainer checkpoints (not ``best_weights``: after resuming,
        ``restore_best_weights`` can only restore weights seen since the resume)."""
        return {"wait": self.wait, "stopped_epoch": self.stopped_epoch,
                "best_epoch": self.best_epoch, "best": self.best}

    def load_state_dict(self, state):
        self.wait, self.stopped_epoch = state["wait"], state["stopped_epoch"]
        self.best_epoch, self.best = state["best_epoch"], state["best"]
        self.best_weights, self._resumed = None, True

    def _weights(self):
        return {k: np.array(v._data, copy=True) for k, v in self.model.state_dict().items()}

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:
            warn_missing_once(self, "Early stopping", self.monitor, logs)
            return
        if epoch < self.start_from_epoch:
            return
        if self._direction is None:
            self._direction = resolve_mode("EarlyStopping", self.monitor, self.mode,
                                           self.trainer)
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self._weights(), epoch
        self.wait += 1
        if improved(self._direction, current, self.best, self.min_delta):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self._weights()
            if self.baseline is None or improved(self._direction, current, self.baseline,
                                                 self.min_delta):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.trainer.stop_training = True

    def on_train_end(self, logs=None):
        speak = self.verbose > 0 and getattr(self.trainer, "is_global_zero", True)
        if self.stopped_epoch > 0 and speak:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if speak:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.load_state_dict(self.best_weights)
