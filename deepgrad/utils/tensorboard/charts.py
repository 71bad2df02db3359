"""Summaries for two more TensorBoard plugins: precision-recall curves and the custom
scalars layout (several scalar tags drawn in one chart)."""
import numpy as np

from ._convert import to_numpy
from ._protos import plugin_modules, tensorboard_modules

MAX_THRESHOLDS = 127  # TensorBoard's pr_curves plugin draws at most 127 thresholds
_MIN_COUNT = 1e-7     # keeps precision and recall finite when nothing is predicted


def pr_counts(labels, predictions, num_thresholds, weights=None):
    """The ``(6, num_thresholds)`` table of TensorBoard's pr_curves plugin.

    With thresholds ``t_i = i / (num_thresholds - 1)``, an example whose prediction p
    lies in ``[t_i, t_{i+1})`` (p = 1 in the last bucket) has bucket ``i = floor(p (n - 1))``,
    and counts as a predicted positive at every threshold ``t_j <= t_i``:

        TP_j = sum of w over positives with bucket >= j,  FP_j likewise over negatives,
        TN_j = FP_0 - FP_j,  FN_j = TP_0 - TP_j,
        precision_j = TP_j / max(1e-7, TP_j + FP_j),  recall_j = TP_j / max(1e-7, TP_j + FN_j).

    Rows: TP, FP, TN, FN, precision, recall.
    """
    n = num_thresholds
    positive = labels.astype(np.float64)
    w = np.ones_like(positive) if weights is None else np.broadcast_to(
        to_numpy(weights, "weights").astype(np.float64), positive.shape)
    bucket = np.floor(predictions.astype(np.float64) * (n - 1)).astype(np.int64)
    tp_bucket = np.bincount(bucket, weights=positive * w, minlength=n)
    fp_bucket = np.bincount(bucket, weights=(1 - positive) * w, minlength=n)
    tp = np.cumsum(tp_bucket[::-1])[::-1]  # at or above each threshold
    fp = np.cumsum(fp_bucket[::-1])[::-1]
    tn, fn = fp[0] - fp, tp[0] - tp
    precision = tp / np.maximum(_MIN_COUNT, tp + fp)
    recall = tp / np.maximum(_MIN_COUNT, tp + fn)
    return np.stack([tp, fp, tn, fn, precision, recall])


def _pr_summary(tag, table, num_thresholds):
    pb, plugins = tensorboard_modules(), plugin_modules()
    content = plugins.PrCurvePluginData(version=0, num_thresholds=num_thresholds)
    meta = pb.SummaryMetadata(plugin_data=pb.SummaryMetadata.PluginData(
        plugin_name="pr_curves", content=content.SerializeToString()))
    shape = pb.TensorShapeProto(dim=[pb.TensorShapeProto.Dim(size=s) for s in table.shape])
    tensor = pb.TensorProto(dtype="DT_FLOAT", float_val=table.reshape(-1).tolist(),
                            tensor_shape=shape)
    return pb.Summary(value=[pb.Summary.Value(tag=tag, tensor=tensor, metadata=meta)])


def pr_curve(tag, labels, predictions, num_thresholds=127, weights=None):
    """A precision-recall curve of binary ``labels`` against ``predictions`` in [0, 1]."""
    labels = to_numpy(labels, "labels").reshape(-1)
    predictions = to_numpy(predictions, "predictions").reshape(-1)
    if labels.shape != predictions.shape:
        raise ValueError(f"add_pr_curve: {labels.size} labels but {predictions.size} "
                         "predictions")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(f"add_pr_curve: labels must be 0/1 (or bool), got values "
                         f"{np.unique(labels)[:5].tolist()}")
    if predictions.size and not ((predictions >= 0) & (predictions <= 1)).all():
        raise ValueError(f"add_pr_curve: predictions must lie in [0, 1] (probabilities), "
                         f"got range [{predictions.min()}, {predictions.max()}]")
    num_thresholds = min(int(num_thresholds), MAX_THRESHOLDS)
    if num_thresholds < 2:
        raise ValueError(f"num_thresholds must be at least 2, got {num_thresholds}")
    return _pr_summary(tag, pr_counts(labels, predictions, num_thresholds, weights),
                       num_thresholds)


def pr_curve_raw(tag, counts, num_thresholds=127):
    """A precision-recall curve from six precomputed rows (TP, FP, TN, FN, precision,
    recall), each of one value per threshold."""
    table = np.stack([to_numpy(c, "pr curve counts").astype(np.float64).reshape(-1)
                      for c in counts])
    return _pr_summary(tag, table, min(int(num_thresholds), MAX_THRESHOLDS))


def custom_scalars(layout):
    """The custom scalars plugin's layout: ``{category: {chart: ["Multiline", [tags]] or
    ["Margin", [value_tag, lower_tag, upper_tag]]}}``."""
    pb, plugins = tensorboard_modules(), plugin_modules()
    lp = plugins.layout_pb2
    categories = []
    for category, charts in layout.items():
        built = []
        for title, (kind, tags) in charts.items():
            if kind == "Margin":
                if len(tags) != 3:
                    raise ValueError(f"a Margin chart needs 3 tags (value, lower, upper), "
                                     f"chart {title!r} has {len(tags)}: {tags!r}")
                series = lp.MarginChartContent.Series(value=tags[0], lower=tags[1],
                                                      upper=tags[2])
                built.append(lp.Chart(title=title, margin=lp.MarginChartContent(
                    series=[series])))
            elif kind == "Multiline":
                built.append(lp.Chart(title=title, multiline=lp.MultilineChartContent(
                    tag=list(tags))))
            else:
                raise ValueError(f"chart {title!r}: the kind must be 'Multiline' or 'Margin', "
                                 f"got {kind!r}")
        categories.append(lp.Category(title=category, chart=built))
    tensor = pb.TensorProto(dtype="DT_STRING", tensor_shape=pb.TensorShapeProto(),
                            string_val=[lp.Layout(category=categories).SerializeToString()])
    meta = pb.SummaryMetadata(plugin_data=pb.SummaryMetadata.PluginData(
        plugin_name="custom_scalars"))
    return pb.Summary(value=[pb.Summary.Value(tag="custom_scalars__config__", tensor=tensor,
                                              metadata=meta)])
