"""The bridge to scikit-learn's estimator tags.

scikit-learn (>= 1.6) asks every estimator for ``__sklearn_tags__()`` before it clones,
checks, or cross-validates it, and expects an ``sklearn.utils.Tags`` object back. deepgrad
describes its transformers with a plain dict (``BaseTransformer._tags()``) so that it never
needs scikit-learn itself; the functions here turn that dict into scikit-learn's dataclasses.
scikit-learn is imported inside them only, so ``import deepgrad`` works without it (and
whoever asks for Tags has scikit-learn already).
"""


def _sklearn_utils():
    try:
        from sklearn import utils  # noqa: PLC0415 - optional extra, only for sklearn callers
    except ImportError as err:  # pragma: no cover - sklearn called us, so it is there
        raise ImportError("scikit-learn's estimator tags need scikit-learn: "
                          "pip install deepgrad[sklearn]") from err
    return utils


def tags_from_dict(tags):
    """``sklearn.utils.Tags`` for a transformer described by deepgrad's plain ``tags`` dict."""
    utils = _sklearn_utils()
    return utils.Tags(
        estimator_type=None,  # what scikit-learn's own BaseEstimator + TransformerMixin say
        # a 1-D input (LabelEncoder) is a target: scikit-learn's one_d_labels
        target_tags=utils.TargetTags(required=False, one_d_labels=tags["one_d_array"]),
        transformer_tags=utils.TransformerTags(preserves_dtype=list(tags["preserves_dtype"])),
        requires_fit=tags["requires_fit"],
        no_validation=tags["no_validation"],
        input_tags=utils.InputTags(
            allow_nan=tags["allow_nan"], string=tags["string"],
            two_d_array=tags["two_d_array"], one_d_array=tags["one_d_array"],
            categorical=tags["categorical"], positive_only=tags["positive_only"],
            sparse=tags["sparse"]))


def pipeline_tags(tags, first, last):
    """A Pipeline's Tags: its own (``tags``), with the kind of model it is (classifier,
    regressor, transformer) and the target requirements taken from its ``last`` step, as
    scikit-learn's Pipeline does, so that ``GridSearchCV`` and ``cross_val_score`` pick
    stratified folds for a pipeline ending in a classifier. ``first``/``last`` may be None
    (no such step, or "passthrough")."""
    from copy import deepcopy  # noqa: PLC0415 - only needed here

    utils = _sklearn_utils()
    out = tags_from_dict(tags)
    if first is not None:
        out.input_tags.pairwise = utils.get_tags(first).input_tags.pairwise
    if last is not None:
        last_tags = utils.get_tags(last)
        out.estimator_type = last_tags.estimator_type
        out.target_tags = deepcopy(last_tags.target_tags)
        out.classifier_tags = deepcopy(last_tags.classifier_tags)
        out.regressor_tags = deepcopy(last_tags.regressor_tags)
        out.transformer_tags = deepcopy(last_tags.transformer_tags)
    return out
