"""Classification metrics: accuracy, top-k accuracy, precision / recall / F-beta,
confusion matrix, log loss. Same arguments and numbers as scikit-learn's."""
import numpy as np

from ._utils import (check_lengths, column_or_1d, safe_divide, to_array, weights_or_ones,
                     zero_division_value)


def _pair(y_true, y_pred):
    y_true, y_pred = column_or_1d(y_true, "y_true"), column_or_1d(y_pred, "y_pred")
    check_lengths(y_true, y_pred)
    return y_true, y_pred


def _average(values, sample_weight, normalize):
    if normalize:
        return float(np.average(values, weights=sample_weight))
    return float(np.dot(values, sample_weight) if sample_weight is not None else np.sum(values))


def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None):
    """Fraction (or, with ``normalize=False``, count / weighted count) of exact matches:
    acc = (1/n) sum_i [y_pred_i == y_true_i].

    Example::

        >>> accuracy_score([0, 1, 2, 2], [0, 1, 1, 2])
        0.75
    """
    y_true, y_pred = _pair(y_true, y_pred)
    w = None if sample_weight is None else weights_or_ones(sample_weight, len(y_true))
    return _average((y_true == y_pred).astype(np.float64), w, normalize)


def top_k_accuracy_score(y_true, y_score, *, k=2, normalize=True, sample_weight=None,
                         labels=None):
    """Fraction of samples whose true class is among the k highest scores.

    ``y_score`` is (n_samples, n_classes) with columns in the order of ``labels`` (default:
    the sorted classes of y_true); for two classes it may be 1-D, the score of the greater
    class, thresholded at 0.5 for probabilities (0 otherwise) when k = 1. Ties are broken
    as scikit-learn does (a later column ranks higher).
    """
    y_true = column_or_1d(y_true, "y_true")
    y_score = to_array(y_score, "y_score").astype(np.float64)
    check_lengths(y_true, y_score)
    classes = np.unique(y_true) if labels is None else np.asarray(labels)
    if labels is not None and len(np.unique(classes)) != len(classes):
        raise ValueError("Parameter 'labels' must be unique.")
    if labels is not None and not np.all(np.isin(y_true, classes)):
        raise ValueError("'y_true' contains labels not in parameter 'labels'.")
    if y_score.ndim == 1 or y_score.shape[1] == 1:
        y_score = y_score.ravel()
        if len(classes) > 2:
            raise ValueError("y_score must be 2-D (n_samples, n_classes) for multiclass.")
        if k == 1:
            threshold = 0.5 if y_score.min() >= 0 and y_score.max() <= 1 else 0.0
            pred = np.where(y_score > threshold, classes[-1], classes[0])
            hits = pred == y_true
        else:
            hits = np.ones(len(y_true), dtype=bool)
    else:
        if y_score.shape[1] != len(classes):
            raise ValueError(f"Number of classes in 'y_true' ({len(classes)}) not equal to the "
                             f"number of classes in 'y_score' ({y_score.shape[1]}). You can "
                             "provide a list of all known classes by assigning it to the "
                             "`labels` parameter.")
        sorter = np.argsort(classes)
        y_enc = sorter[np.searchsorted(classes, y_true, sorter=sorter)]
        ranked = np.argsort(y_score, axis=1, kind="mergesort")[:, ::-1]
        hits = (ranked[:, :k] == y_enc[:, None]).any(axis=1)
    w = None if sample_weight is None else weights_or_ones(sample_weight, len(y_true))
    return _average(hits.astype(np.float64), w, normalize)


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    """C[i, j] = (weighted) number of samples of true class labels[i] predicted as
    labels[j]. ``normalize``: "true" (rows sum to 1), "pred" (columns), "all" or None.

    Example::

        >>> confusion_matrix([0, 1, 1], [0, 0, 1])
        array([[1, 0],
               [1, 1]])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    labels = np.union1d(y_true, y_pred) if labels is None else np.asarray(labels)
    if labels.size == 0:
        raise ValueError("'labels' should contain at least one label.")
    if y_true.size and not np.isin(y_true, labels).any():
        raise ValueError("At least one label specified must be in y_true")
    if normalize not in ("true", "pred", "all", None):
        raise ValueError("normalize must be one of {'true', 'pred', 'all', None}")
    w = weights_or_ones(sample_weight, len(y_true))
    index = {v: i for i, v in enumerate(labels.tolist())}
    t = np.array([index.get(v, -1) for v in y_true.tolist()], dtype=np.int64)
    p = np.array([index.get(v, -1) for v in y_pred.tolist()], dtype=np.int64)
    keep = (t >= 0) & (p >= 0)
    L = len(labels)
    cm = np.bincount(t[keep] * L + p[keep], weights=w[keep], minlength=L * L).reshape(L, L)
    if sample_weight is None or np.issubdtype(to_array(sample_weight).dtype, np.integer):
        cm = cm.astype(np.int64)
    if normalize is not None:
        with np.errstate(all="ignore"):
            if normalize == "true":
                cm = cm / cm.sum(axis=1, keepdims=True)
            elif normalize == "pred":
                cm = cm / cm.sum(axis=0, keepdims=True)
            else:
                cm = cm / cm.sum()
        cm = np.nan_to_num(cm)
    return cm


def _counts(y_true, y_pred, labels, sample_weight):
    """Per-label weighted (tp, predicted, true) counts."""
    w = weights_or_ones(sample_weight, len(y_true))
    tp = np.array([w[(y_true == c) & (y_pred == c)].sum() for c in labels])
    pred = np.array([w[y_pred == c].sum() for c in labels])
    true = np.array([w[y_true == c].sum() for c in labels])
    return tp, pred, true


def _nan_average(values, weights):
    mask = ~np.isnan(values)
    if not mask.any():
        return np.nan
    if weights is None:
        return float(values[mask].mean())
    if weights[mask].sum() == 0:
        return 0.0
    return float(np.average(values[mask], weights=weights[mask]))


def precision_recall_fscore_support(y_true, y_pred, *, beta=1.0, labels=None, pos_label=1,
                                    average=None, sample_weight=None, zero_division="warn"):
    """Precision tp/(tp+fp), recall tp/(tp+fn) and
    F_beta = (1+beta^2) tp / ((1+beta^2) tp + beta^2 fn + fp), per label or averaged.

    average: "binary" (only ``pos_label``), "micro" (pool the counts of all labels),
    "macro" (plain mean over labels), "weighted" (mean weighted by support) or None
    (per-label arrays). ``zero_division`` is the value of an undefined ratio ("warn":
    0 with an UndefinedMetricWarning, or 0.0, 1.0, np.nan).

    Returns (precision, recall, fbeta, support); support is None when averaged.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if average not in (None, "binary", "micro", "macro", "weighted"):
        raise ValueError("average has to be one of (None, 'micro', 'macro', 'weighted', "
                         f"'binary'); got {average!r}.")
    zero_division_value(zero_division)  # validate early
    present = np.union1d(y_true, y_pred)
    if average == "binary":
        if len(present) > 2:
            raise ValueError("Target is multiclass but average='binary'. Please choose another "
                             "average setting, one of [None, 'micro', 'macro', 'weighted'].")
        if pos_label not in present.tolist():
            if len(present) >= 2:
                raise ValueError(f"pos_label={pos_label!r} is not a valid label. It should be "
                                 f"one of {present.tolist()}")
        labels = np.array([pos_label])
    elif labels is None:
        labels = present
    else:
        labels = np.asarray(labels)
    tp, pred, true = _counts(y_true, y_pred, labels, sample_weight)
    if average == "micro":
        tp, pred, true = np.array([tp.sum()]), np.array([pred.sum()]), np.array([true.sum()])
    b2 = beta ** 2
    precision = safe_divide(tp, pred, zero_division, "Precision")
    recall = safe_divide(tp, true, zero_division, "Recall")
    if np.isposinf(beta):
        fscore = recall
    elif beta == 0:
        fscore = precision
    else:
        fscore = safe_divide((1 + b2) * tp, b2 * true + pred, zero_division, "F-score")
    if average is None:
        return precision, recall, fscore, true
    if average == "weighted":
        weights = true
        if weights.sum() == 0:
            zd = zero_division_value(zero_division)
            return zd, zd, zd, None
    else:
        weights = None
    return (_nan_average(precision, weights), _nan_average(recall, weights),
            _nan_average(fscore, weights), None)


def precision_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                    sample_weight=None, zero_division="warn"):
    """Precision = tp / (tp + fp): of the samples predicted as a class, the fraction that
    are. See :func:`precision_recall_fscore_support` for ``average``.

    Example::

        >>> precision_score([0, 1, 1, 0], [1, 1, 1, 0])
        0.6666666666666666
    """
    p, _, _, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
        sample_weight=sample_weight, zero_division=zero_division)
    return p


def recall_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                 sample_weight=None, zero_division="warn"):
    """Recall = tp / (tp + fn): of the samples of a class, the fraction found."""
    _, r, _, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
        sample_weight=sample_weight, zero_division=zero_division)
    return r


def fbeta_score(y_true, y_pred, *, beta, labels=None, pos_label=1, average="binary",
                sample_weight=None, zero_division="warn"):
    """F_beta = (1 + beta^2) P R / (beta^2 P + R): recall weighted beta times as much."""
    _, _, f, _ = precision_recall_fscore_support(
        y_true, y_pred, beta=beta, labels=labels, pos_label=pos_label, average=average,
        sample_weight=sample_weight, zero_division=zero_division)
    return f


def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
             sample_weight=None, zero_division="warn"):
    """F1 = 2 P R / (P + R) = 2 tp / (2 tp + fp + fn), the harmonic mean of precision and
    recall."""
    return fbeta_score(y_true, y_pred, beta=1.0, labels=labels, pos_label=pos_label,
                       average=average, sample_weight=sample_weight,
                       zero_division=zero_division)


def log_loss(y_true, y_pred, *, normalize=True, sample_weight=None, labels=None):
    """Cross-entropy of predicted probabilities: -(1/n) sum_i sum_k [y_i = k] log p_ik.

    ``y_pred`` is (n_samples, n_classes), columns in sorted label order (``labels`` or the
    classes of y_true); a 1-D (or one-column) y_pred is the probability of the greater of
    two classes. Probabilities are not clipped (a zero on the true class gives inf); rows
    that do not sum to 1 raise a UserWarning, as in scikit-learn.
    """
    import warnings  # noqa: PLC0415

    y_true = column_or_1d(y_true, "y_true")
    p = to_array(y_pred, "y_pred")
    p = p.astype(np.float64) if p.dtype.kind != "f" else p
    check_lengths(y_true, p)
    if p.max() > 1:
        raise ValueError(f"y_prob contains values greater than 1: {p.max()}")
    if p.min() < 0:
        raise ValueError(f"y_prob contains values lower than 0: {p.min()}")
    classes = np.unique(y_true) if labels is None else np.unique(labels)
    if len(classes) == 1:
        if labels is None:
            raise ValueError(f"y_true contains only one label ({classes[0]!r}). Please provide "
                             "the list of all expected class labels explicitly through the "
                             "labels argument.")
        raise ValueError(f"The labels array needs to contain at least two labels for "
                         f"log_loss, got {classes.tolist()}.")
    if p.ndim == 1:
        p = p[:, None]
    if p.shape[1] == 1:
        p = np.concatenate([1 - p, p], axis=1)
    if not np.allclose(p.sum(axis=1), 1, rtol=np.sqrt(np.finfo(p.dtype).eps), atol=0):
        warnings.warn("The y_prob values do not sum to one. Make sure to pass probabilities.",
                      UserWarning, stacklevel=2)
    if len(classes) != p.shape[1]:
        raise ValueError(f"y_true and y_prob contain different number of classes: "
                         f"{len(classes)} vs {p.shape[1]}. Please provide the true labels "
                         f"explicitly through the labels argument. Classes found in y_true: "
                         f"{classes.tolist()}")
    if not np.isin(y_true, classes).all():
        raise ValueError(f"y_true contains values not in labels: "
                         f"{np.setdiff1d(y_true, classes).tolist()}")
    idx = np.searchsorted(classes, y_true)
    with np.errstate(divide="ignore"):
        losses = -np.log(p[np.arange(len(p)), idx])
    w = None if sample_weight is None else weights_or_ones(sample_weight, len(y_true))
    return _average(losses, w, normalize)
