"""Pipeline: a chain of transformers (optionally ending in a model) fitted as one."""
from .base import BaseTransformer, check_is_fitted


class _Steps(dict):
    """``named_steps``: a dict that also allows attribute access (``p.named_steps.scaler``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _passthrough(est):
    return est is None or (isinstance(est, str) and est == "passthrough")


def _last_step_method(name):
    """A property giving ``name`` of the last step, applied after the other steps'
    ``transform`` (AttributeError when the last step has no such method)."""

    def getter(self):
        if not _well_formed(self.steps) or not self.steps:
            raise AttributeError(f"{name!r}: the Pipeline has no (name, estimator) steps.")
        last = self.steps[-1][1]
        if not hasattr(last, name):
            raise AttributeError(f"The last step {last!r} has no {name!r}.")

        def call(X, *args, **kwargs):
            return getattr(last, name)(self._transform_all_but_last(X), *args, **kwargs)

        call.__name__ = name
        return call

    return property(getter, doc=f"Transform with all but the last step, then call the last "
                                f"step's ``{name}`` (only when it has one).")


class Pipeline(BaseTransformer):
    """Chain ``steps = [(name, transformer), ...]``: ``fit`` fits each step on the output of
    the previous ones, ``transform`` applies them in order, ``inverse_transform`` undoes
    them in reverse. A step may be ``"passthrough"`` (or None) to skip it. The last step
    may be any estimator with ``fit``, a scikit-learn model included: the pipeline then
    offers whichever of ``predict``, ``predict_proba``, ``predict_log_proba``,
    ``decision_function`` and ``score`` it has, and scikit-learn's searches treat the
    pipeline as that kind of model (a classifier gets stratified folds).

    Fitting the whole chain on training data only and reusing it on test data is what
    prevents leakage (the scaler never sees test statistics).

    Parameters are reachable as ``"<step>__<param>"`` through get_params/set_params.

    Args:
        steps (list of (str, estimator)).
        memory: accepted for scikit-learn compatibility; must be None (no caching).
        verbose (bool, default False): accepted for compatibility; unused.

    Example::

        >>> p = Pipeline([("scale", StandardScaler()), ("pca", PCA(n_components=1))])
        >>> Z = p.fit_transform(X)             # doctest: +SKIP
        >>> p.named_steps.pca.components_      # doctest: +SKIP
    """

    def __init__(self, steps, *, memory=None, verbose=False):
        self.steps = steps
        self.memory = memory
        self.verbose = verbose

    # --- parameters -------------------------------------------------------------------
    def get_params(self, deep=True):
        out = {"steps": self.steps, "memory": self.memory, "verbose": self.verbose}
        if not deep or not _well_formed(self.steps):
            return out
        for name, est in self.steps:
            out[name] = est
            if hasattr(est, "get_params"):
                out.update((f"{name}__{k}", v) for k, v in est.get_params(deep=True).items())
        return out

    def set_params(self, **params):
        # a bare step name replaces that step; the rest is the usual nested handling
        names = [n for n, _ in self.steps] if _well_formed(self.steps) else []
        for name in list(params):
            if name in names:
                i = names.index(name)
                self.steps = list(self.steps)
                self.steps[i] = (name, params.pop(name))
        return super().set_params(**params)

    def _checked_steps(self):
        steps = list(self.steps)
        names = []
        for item in steps:
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
                raise TypeError(f"Pipeline steps must be (name, estimator) tuples, got {item!r}.")
            names.append(item[0])
        if len(set(names)) != len(names):
            raise ValueError(f"Names provided are not unique: {names!r}")
        for name in names:
            if "__" in name:
                raise ValueError(f"Step names must not contain __: got {name!r}")
        for name, est in steps[:-1]:
            if not _passthrough(est) and not (hasattr(est, "fit") and hasattr(est, "transform")):
                raise TypeError(f"All intermediate steps should be transformers and implement "
                                f"fit and transform or be 'passthrough'; {name!r} ({est!r}) "
                                "doesn't.")
        if self.memory is not None:
            raise ValueError("memory (caching) is not supported by deepgrad's Pipeline; "
                             "pass memory=None.")
        return steps

    @property
    def named_steps(self):
        return _Steps(self.steps)

    def __len__(self):
        return len(self.steps)

    def __getitem__(self, ind):
        """An int gives a step's estimator, a name too, a slice a sub-Pipeline."""
        if isinstance(ind, slice):
            return Pipeline(self.steps[ind], memory=self.memory, verbose=self.verbose)
        if isinstance(ind, str):
            return self.named_steps[ind]
        return self.steps[ind][1]

    @property
    def n_features_in_(self):
        first = next(e for _, e in self.steps if not _passthrough(e))
        return first.n_features_in_

    @property
    def feature_names_in_(self):
        """The column names the first step saw in ``fit`` (a data frame's)."""
        first = next(e for _, e in self.steps if not _passthrough(e))
        return first.feature_names_in_

    def get_feature_names_out(self, input_features=None):
        """The output names of the last step, each step naming its output from the names
        of its input."""
        names = input_features
        for _, est in self.steps:
            if not _passthrough(est):
                if not hasattr(est, "get_feature_names_out"):
                    raise AttributeError(f"Estimator {est!r} does not provide "
                                         "get_feature_names_out.")
                names = est.get_feature_names_out(names)
        return names

    def __sklearn_is_fitted__(self):
        last = self.steps[-1][1]
        if _passthrough(last):
            return all(_passthrough(e) or _is_fitted(e) for _, e in self.steps)
        return _is_fitted(last)

    def _tags(self):
        tags = super()._tags()
        if not _well_formed(self.steps):
            return tags
        steps = [e for _, e in self.steps if not _passthrough(e) and hasattr(e, "_tags")]
        # NaN is accepted if every step up to the first one that removes it (an imputer)
        # accepts it; strings only if the first step accepts them
        allow_nan = True
        for est in steps:
            if not est._tags()["allow_nan"]:
                allow_nan = False
                break
            if getattr(est, "_removes_nan", False):
                break
        tags["allow_nan"] = allow_nan
        tags["string"] = bool(steps) and steps[0]._tags()["string"]
        if steps:
            tags["preserves_dtype"] = steps[-1]._tags()["preserves_dtype"]
        return tags

    # --- fit / transform ----------------------------------------------------------------
    def fit(self, X, y=None, **fit_params):
        steps = self._checked_steps()
        for _, est in steps[:-1]:
            if not _passthrough(est):
                X = est.fit_transform(X, y)
        last = steps[-1][1]
        if not _passthrough(last):
            last.fit(X, y, **fit_params)
        return self

    def fit_transform(self, X, y=None, **fit_params):
        steps = self._checked_steps()
        for _, est in steps[:-1]:
            if not _passthrough(est):
                X = est.fit_transform(X, y)
        last = steps[-1][1]
        if _passthrough(last):
            return X
        return last.fit_transform(X, y, **fit_params)

    def transform(self, X):
        check_is_fitted(self)
        for _, est in self.steps:
            if not _passthrough(est):
                X = est.transform(X)
        return X

    def inverse_transform(self, X):
        check_is_fitted(self)
        for _, est in reversed(self.steps):
            if not _passthrough(est):
                X = est.inverse_transform(X)
        return X

    def _transform_all_but_last(self, X):
        check_is_fitted(self)
        for _, est in self.steps[:-1]:
            if not _passthrough(est):
                X = est.transform(X)
        return X

    # the last step's model methods, after transforming with the others (a property each,
    # so that ``hasattr(pipe, "predict_proba")`` is true only if the last step has it)
    predict = _last_step_method("predict")
    predict_proba = _last_step_method("predict_proba")
    predict_log_proba = _last_step_method("predict_log_proba")
    decision_function = _last_step_method("decision_function")
    score = _last_step_method("score")

    @property
    def classes_(self):
        """The class labels of the last step (a classifier)."""
        return self.steps[-1][1].classes_

    def __sklearn_tags__(self):
        """scikit-learn's Tags: the transformer's own, plus the last step's kind (classifier,
        regressor) so that scikit-learn's searches choose stratified folds and the right
        default scorer for a pipeline that ends in a model."""
        from ._sklearn import pipeline_tags  # noqa: PLC0415 - keeps sklearn optional
        real = [e for _, e in self.steps if not _passthrough(e)] \
            if _well_formed(self.steps) else []
        first = real[0] if real and not _passthrough(self.steps[0][1]) else None
        last = real[-1] if real and not _passthrough(self.steps[-1][1]) else None
        return pipeline_tags(self._tags(), first, last)


def _well_formed(steps):
    return isinstance(steps, (list, tuple)) and all(
        isinstance(s, tuple) and len(s) == 2 and isinstance(s[0], str) for s in steps)


def _is_fitted(est):
    try:
        check_is_fitted(est)
    except ValueError:
        return False
    return True
