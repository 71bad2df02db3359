"""``LearningRateScheduler``: step any ``deepgrad.optim.lr_scheduler`` once per epoch.

Keras's callback takes ``schedule(epoch, lr) -> lr``; this one takes the scheduler objects
PyTorch users already build (``StepLR(opt, 10)``, ``CosineAnnealingLR``...), or a Keras
style function. ``ReduceLROnPlateau`` is stepped with the monitored value (``val_loss``
by default, ``loss`` when there is no validation).

The scheduler is stepped at the end of each epoch, after the epoch's ``lr`` was logged, as
the usual loop ``for epoch: train(); scheduler.step()`` does. Its state is saved in trainer
checkpoints.
"""
from ...optim.lr_scheduler import ReduceLROnPlateau
from .base import Callback


class LearningRateScheduler(Callback):
    """Args:
        scheduler: an ``optim.lr_scheduler`` object, or a function ``(epoch, lr) -> lr``
            applied at the start of each epoch to every parameter group (Keras's form).
        monitor (str): the log key given to ``ReduceLROnPlateau``. Default "val_loss"
            (falls back to "loss" when not logged).
    """

    def __init__(self, scheduler, monitor="val_loss"):
        super().__init__()
        if not hasattr(scheduler, "step") and not callable(scheduler):
            raise TypeError(f"scheduler must be an lr_scheduler or a function (epoch, lr) -> "
                            f"lr, got {type(scheduler).__name__}")
        self.scheduler, self.monitor = scheduler, monitor

    def on_epoch_begin(self, epoch, logs=None):
        if hasattr(self.scheduler, "step"):
            return
        for group in self.trainer.optimizer.param_groups:
            group["lr"] = float(self.scheduler(epoch, group["lr"]))

    def on_epoch_end(self, epoch, logs=None):
        if not hasattr(self.scheduler, "step"):
            return
        if isinstance(self.scheduler, ReduceLROnPlateau):
            logs = logs or {}
            value = logs.get(self.monitor, logs.get("loss"))
            self.scheduler.step(value)
        else:
            self.scheduler.step()

    def state_dict(self):
        return self.scheduler.state_dict() if hasattr(self.scheduler, "state_dict") else {}

    def load_state_dict(self, state):
        if hasattr(self.scheduler, "load_state_dict"):
            self.scheduler.load_state_dict(state)
