"""``TerminateOnNaN``: stop at the first batch whose loss or gradients are not finite.

After every training batch's ``backward()`` (before its optimizer step) it looks at the
batch loss and at each parameter's gradient, in ``model.named_parameters()`` order. At the
first non-finite value it stops training *without* taking that step (the weights keep their
last finite values) and says where: epoch, batch, optimizer step, the loss, and the first
parameter whose gradient holds a nan or an inf. ``message`` keeps that sentence.
"""
import math
import warnings

import numpy as np

from ..metrics import to_numpy
from .base import Callback


class TerminateOnNaN(Callback):
    """Args: ``check_gradients`` (bool, default True): also stop on a non-finite gradient."""

    def __init__(self, check_gradients=True):
        super().__init__()
        self.check_gradients = check_gradients
        self.message = None
        self._last_total = None

    def on_train_begin(self, logs=None):
        self.message = None

    def _first_bad_gradient(self):
        for name, p in self.model.named_parameters():
            if p.grad is not None and not np.isfinite(to_numpy(p.grad)).all():
                return name
        return None

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        bad_loss = loss is not None and not math.isfinite(loss)
        bad_grad = self._first_bad_gradient() if (self.check_gradients or bad_loss) else None
        if not bad_loss and bad_grad is None:
            return
        t = self.trainer
        where = (f"epoch {t.current_epoch}, batch {batch} (optimizer step {t.global_step})")
        what = f"loss {loss}" if bad_loss else "finite loss"
        grad = (f"first non-finite gradient: {bad_grad!r}" if bad_grad is not None
                else "all gradients finite")
        self.message = f"TerminateOnNaN: {what} at {where}; {grad}. Training stopped."
        warnings.warn(self.message, RuntimeWarning, stacklevel=2)
        t.stop_training = True
