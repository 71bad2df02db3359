"""``ModelCheckpoint``: save the run at the end of epochs (Keras's callback).

``path`` may hold format fields filled from the epoch's logs: ``{epoch}`` (counted from 1,
as Keras names files) and any logged key, e.g. ``"ckpt-{epoch:02d}-{val_loss:.3f}.safetensors"``.
With ``save_best_only`` a file is written only when ``monitor`` improves on the best value
seen so far (strictly: ``<`` for "min", ``>`` for "max"); an epoch where ``monitor`` is not
logged is skipped with one warning.

By default the whole trainer is saved (``Trainer.save_checkpoint``: model, optimizer,
scheduler, epoch, History, RNG states), so a run can resume from the file;
``save_weights_only=True`` saves ``model.state_dict()`` alone. Files are written atomically.
"""
from ..checkpoint import save_weights
from .base import Callback
from ._monitor import check_mode, resolve_mode, warn_missing_once


class ModelCheckpoint(Callback):
    """Save a checkpoint every epoch, or only the best one.

    Args:
        path (str): file name, may hold ``{epoch}`` and ``{<log key>:<format>}`` fields.
        monitor (str): log key compared when ``save_best_only``. Default "val_loss".
        save_best_only (bool): write only when ``monitor`` improves. Default False.
        mode ("auto" | "min" | "max"): direction of improvement.
        save_weights_only (bool): the model's weights alone instead of the whole trainer.
        verbose (int): 1 prints a line when a file is written.

    ``best`` holds the best monitored value; ``last_path`` the last file written.
    Distributed: runs on rank 0 only (the ranks hold the same weights).
    """

    rank_zero_only = True

    def __init__(self, path, monitor="val_loss", save_best_only=False, mode="auto",
                 save_weights_only=False, verbose=0):
        super().__init__()
        check_mode("ModelCheckpoint", mode)
        self.path, self.monitor, self.save_best_only = str(path), monitor, save_best_only
        self.mode, self.save_weights_only, self.verbose = mode, save_weights_only, verbose
        self.best, self.last_path, self._direction = None, None, None

    def state_dict(self):
        return {"best": self.best}

    def load_state_dict(self, state):
        self.best = state["best"]

    def _filename(self, epoch, logs):
        try:
            return self.path.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(f"ModelCheckpoint: cannot fill the path {self.path!r} from the "
                             f"epoch's logs (keys: epoch, {', '.join(logs)}): {e!r}") from None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warn_missing_once(self, "ModelCheckpoint", self.monitor, logs)
                return
            if self._direction is None:
                self._direction = resolve_mode("ModelCheckpoint", self.monitor, self.mode,
                                               self.trainer)
            better = (self.best is None or (current < self.best if self._direction == "min"
                                            else current > self.best))
            if not better:
                return
            self.best = current
        path = self._filename(epoch, logs)
        if self.save_weights_only:
            save_weights(self.model, path)
        else:
            self.trainer.save_checkpoint(path)
        self.last_path = path
        if self.verbose > 0:
            print(f"Epoch {epoch + 1}: saved {path}")
