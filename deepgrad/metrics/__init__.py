"""Evaluation metrics with scikit-learn's signatures and numbers, on lists, NumPy arrays and
deepgrad tensors."""
from ._utils import UndefinedMetricWarning
from .classification import (accuracy_score, confusion_matrix, f1_score, fbeta_score, log_loss,
                             precision_recall_fscore_support, precision_score, recall_score,
                             top_k_accuracy_score)
from .ranking import roc_auc_score, roc_curve
from .regression import mean_absolute_error, mean_squared_error, r2_score, root_mean_squared_error

__all__ = ["UndefinedMetricWarning", "accuracy_score", "confusion_matrix", "f1_score",
           "fbeta_score", "log_loss", "mean_absolute_error", "mean_squared_error",
           "precision_recall_fscore_support", "precision_score", "r2_score", "recall_score",
           "roc_auc_score", "roc_curve", "root_mean_squared_error", "top_k_accuracy_score"]
