"""Callbacks for ``Trainer.fit`` with Keras's names and semantics."""
from .base import Callback, CallbackList
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .lr_scheduler import LearningRateScheduler
from .model_checkpoint import ModelCheckpoint
from .tensorboard import TensorBoard
from .terminate_on_nan import TerminateOnNaN

__all__ = ["CSVLogger", "Callback", "CallbackList", "EarlyStopping", "LearningRateScheduler",
           "ModelCheckpoint", "TensorBoard", "TerminateOnNaN"]
