"""Optimisers and learning-rate schedules with ``torch.optim``'s API.

Each optimiser lives in its own file with its update rule written out in the
docstring; ``lr_scheduler`` holds the schedules, ``swa_utils`` weight averaging
(SWA, EMA).
"""
from . import lr_scheduler, swa_utils
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .asgd import ASGD
from .lbfgs import LBFGS
from .muon import Muon
from .nadam import NAdam
from .optimizer import Optimizer, required
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "required", "SGD", "Adagrad", "Adadelta", "RMSprop", "Rprop", "ASGD",
           "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Adafactor", "Muon", "LBFGS",
           "lr_scheduler", "swa_utils"]
