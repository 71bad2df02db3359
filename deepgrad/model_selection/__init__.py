"""Data splitting and cross-validation with scikit-learn's API (and its indices for the same
int ``random_state``), for NumPy arrays, lists and deepgrad tensors."""
from ._utils import check_random_state
from .curves import learning_curve, validation_curve
from .split import train_test_split, train_val_test_split
from .splitters import (BaseCrossValidator, Bootstrap, GroupKFold, KFold, LeaveOneOut,
                        RepeatedKFold, RepeatedStratifiedKFold, ShuffleSplit, StratifiedKFold,
                        StratifiedShuffleSplit, TimeSeriesSplit, bootstrap_indices)
from .validation import cross_validate, get_scorer

__all__ = ["BaseCrossValidator", "Bootstrap", "GroupKFold", "KFold", "LeaveOneOut",
           "RepeatedKFold", "RepeatedStratifiedKFold", "ShuffleSplit", "StratifiedKFold",
           "StratifiedShuffleSplit", "TimeSeriesSplit", "bootstrap_indices", "check_random_state",
           "cross_validate", "get_scorer", "learning_curve", "train_test_split",
           "train_val_test_split", "validation_curve"]
