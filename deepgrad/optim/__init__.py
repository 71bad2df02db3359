"""Optimisers and learning-rate schedules with ``torch.optim``'s API.

Each optimiser lives in its own file with its update rule written out in the
docstring; ``lr_scheduler`` holds the schedules, ``swa_utils`` weight averaging
(SWA, EMA).

Each optimiser's file is imported on first use (``deepgrad.optim.SGD``,
``from deepgrad.optim import Adam``; a module ``__getattr__``, PEP 562): a training
program pays only for the optimiser it uses, as every imported module stays resident
(``bench/bench_memory.py``). ``dir()``, tab completion, ``from deepgrad.optim import *``
and pickling (by each class's own module) work as if all were imported.
"""
from .._lazy import lazy_attributes as _lazy_attributes
from .optimizer import Optimizer, required

# name -> the submodule defining it, loaded on first access
_LAZY = {"SGD": "sgd", "Adagrad": "adagrad", "Adadelta": "adadelta", "RMSprop": "rmsprop",
         "Rprop": "rprop", "ASGD": "asgd", "Adam": "adam", "AdamW": "adamw",
         "Adamax": "adamax", "NAdam": "nadam", "RAdam": "radam", "Adafactor": "adafactor",
         "Muon": "muon", "LBFGS": "lbfgs"}
_LAZY_MODULES = ("lr_scheduler", "swa_utils")

__all__ = ["Optimizer", "required", "SGD", "Adagrad", "Adadelta", "RMSprop", "Rprop", "ASGD",
           "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Adafactor", "Muon", "LBFGS",
           "lr_scheduler", "swa_utils"]


__getattr__, __dir__ = _lazy_attributes(__name__, globals(), _LAZY_MODULES, _LAZY, __all__)
