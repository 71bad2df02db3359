"""ROC curve and the area under it (binary, and multiclass one-vs-rest / one-vs-one)."""
import numpy as np

from ._utils import check_lengths, column_or_1d, to_array, weights_or_ones


def _binary_clf_curve(y_true, y_score, pos_label=None, sample_weight=None):
    """Cumulative (fps, tps, thresholds) at each distinct score, highest score first."""
    y_true, y_score = column_or_1d(y_true, "y_true"), column_or_1d(y_score, "y_score")
    check_lengths(y_true, y_score)
    classes = np.unique(y_true)
    if pos_label is None:
        if len(classes) > 2 or not (np.all(np.isin(classes, [0, 1])) or
                                    np.all(np.isin(classes, [-1, 1]))):
            if len(classes) > 2:
                raise ValueError(f"y_true takes value in {classes.tolist()}: a binary target "
                                 "is needed (or pass multi_class).")
            pos_label = classes[-1]
        else:
            pos_label = 1
    w = weights_or_ones(sample_weight, len(y_true))
    positive = (y_true == pos_label).astype(np.float64)
    order = np.argsort(y_score, kind="mergesort")[::-1]
    y_score, positive, w = y_score[order], positive[order], w[order]
    # the last index of each run of equal scores: one ROC point per distinct threshold
    distinct = np.flatnonzero(np.diff(y_score))
    ends = np.r_[distinct, len(y_score) - 1]
    tps = np.cumsum(positive * w)[ends]
    fps = np.cumsum((1 - positive) * w)[ends]
    return fps, tps, y_score[ends]


def roc_curve(y_true, y_score, *, pos_label=None, sample_weight=None):
    """(fpr, tpr, thresholds): the ROC curve, all thresholds kept (no dropping of
    collinear points, unlike scikit-learn's default ``drop_intermediate=True``), starting at
    (0, 0) with threshold +inf."""
    fps, tps, thr = _binary_clf_curve(y_true, y_score, pos_label, sample_weight)
    fps, tps, thr = np.r_[0.0, fps], np.r_[0.0, tps], np.r_[np.inf, thr]
    fpr = fps / fps[-1] if fps[-1] > 0 else np.full_like(fps, np.nan)
    tpr = tps / tps[-1] if tps[-1] > 0 else np.full_like(tps, np.nan)
    return fpr, tpr, thr


def _binary_auc(y_true, y_score, sample_weight=None, pos_label=None):
    if len(np.unique(y_true)) != 2:
        raise ValueError("Only one class is present in y_true. ROC AUC score is not defined "
                         "in that case.")
    fpr, tpr, _ = roc_curve(y_true, y_score, pos_label=pos_label, sample_weight=sample_weight)
    return float(np.trapezoid(tpr, fpr))


def roc_auc_score(y_true, y_score, *, average="macro", sample_weight=None, multi_class="raise",
                  labels=None):
    """Area under the ROC curve: the probability that a random positive scores above a
    random negative (ties count 1/2), by the trapezoidal rule over the ROC points.

    Binary: ``y_score`` (n,) is the score of the greater label (or a (n, 2) array, of which
    column 1 is used). Multiclass: ``y_score`` (n, n_classes) holds probabilities (rows
    sum to 1) and ``multi_class`` must be "ovr" (each class against the rest; ``average``
    "macro" or "weighted" by prevalence, or None for per-class scores) or "ovo" (every
    pair of classes, macro-averaged, Hand & Till 2001).
    """
    y_true = column_or_1d(y_true, "y_true")
    y_score = to_array(y_score, "y_score").astype(np.float64)
    check_lengths(y_true, y_score)
    classes = np.unique(y_true) if labels is None else np.asarray(labels)
    if y_score.ndim == 2 and y_score.shape[1] == 2 and len(classes) <= 2:
        y_score = y_score[:, 1]
    if y_score.ndim == 1 or y_score.shape[1] == 1:
        return _binary_auc(y_true, y_score.ravel(), sample_weight)
    if multi_class == "raise":
        raise ValueError("multi_class must be in ('ovo', 'ovr') for a multiclass target.")
    if not np.allclose(1, y_score.sum(axis=1)):
        raise ValueError("Target scores need to be probabilities for multiclass roc_auc, i.e. "
                         "they should sum up to 1.0 over classes")
    if len(classes) != y_score.shape[1]:
        raise ValueError(f"Number of classes in y_true not equal to the number of columns in "
                         f"'y_score': {len(classes)} vs {y_score.shape[1]}.")
    if multi_class == "ovr":
        if average not in ("macro", "weighted", None):
            raise ValueError(f"average must be 'macro', 'weighted' or None, got {average!r}.")
        scores = np.array([_binary_auc((y_true == c).astype(int), y_score[:, k], sample_weight)
                           for k, c in enumerate(classes)])
        if average is None:
            return scores
        if average == "weighted":
            w = weights_or_ones(sample_weight, len(y_true))
            prevalence = np.array([w[y_true == c].sum() for c in classes])
            return float(np.average(scores, weights=prevalence))
        return float(scores.mean())
    if multi_class == "ovo":
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported for multiclass one-vs-one ROC AUC.")
        pair_scores, prevalence = [], []
        for a in range(len(classes)):
            for b in range(a + 1, len(classes)):
                mask = (y_true == classes[a]) | (y_true == classes[b])
                yt = y_true[mask]
                auc_a = _binary_auc((yt == classes[a]).astype(int), y_score[mask, a])
                auc_b = _binary_auc((yt == classes[b]).astype(int), y_score[mask, b])
                pair_scores.append((auc_a + auc_b) / 2)
                prevalence.append(mask.mean())
        if average == "weighted":
            return float(np.average(pair_scores, weights=prevalence))
        return float(np.mean(pair_scores))
    raise ValueError(f"multi_class must be 'ovr' or 'ovo', got {multi_class!r}.")
