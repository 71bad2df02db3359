"""Column names of data frames: ``feature_names_in_`` as scikit-learn records and checks it.

A transformer fitted on a table whose columns all have string names (a pandas or polars
DataFrame: anything with a ``columns`` attribute) remembers them in ``feature_names_in_``;
data given later to ``transform`` must carry the same names in the same order (a different
order would silently scale the wrong columns). Plain arrays have no names: mixing the two
kinds is allowed but warned about, with scikit-learn's wording.
"""
import warnings

import numpy as np


def feature_names_of(X):
    """The column names of ``X`` as an object array, or None (no names, or not all strings:
    integer column labels are positions, not names)."""
    columns = getattr(X, "columns", None)
    if columns is None or isinstance(X, np.ndarray):
        return None
    names = np.asarray(list(columns), dtype=object)
    if len(names) == 0:
        return None
    kinds = sorted({type(n).__qualname__ for n in names})
    if len(kinds) > 1 and "str" in kinds:
        raise TypeError(f"Feature names are only supported if all input features have string "
                        f"names, but your input has {kinds} as feature name / column name "
                        "types. Convert all of them to strings, e.g. X.columns = "
                        "X.columns.astype(str).")
    return names if kinds == ["str"] else None


def check_feature_names(estimator, X, *, reset):
    """``reset`` (fit): record ``X``'s names in ``feature_names_in_`` (or forget old ones).
    Otherwise (transform): ValueError if the names differ from those seen in fit; a
    UserWarning if only one of fit and transform had names."""
    names = feature_names_of(X)
    if reset:
        if names is not None:
            estimator.feature_names_in_ = names
        elif hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        return
    fitted = getattr(estimator, "feature_names_in_", None)
    owner = type(estimator).__name__
    if names is None and fitted is None:
        return
    if fitted is None:
        warnings.warn(f"X has feature names, but {owner} was fitted without feature names",
                      UserWarning, stacklevel=4)
        return
    if names is None:
        warnings.warn(f"X does not have valid feature names, but {owner} was fitted with "
                      "feature names", UserWarning, stacklevel=4)
        return
    if len(names) != len(fitted) or (names != fitted).any():
        unseen = sorted(set(names) - set(fitted))
        missing = sorted(set(fitted) - set(names))
        detail = ""
        if unseen:
            detail += "Feature names unseen at fit time:\n" + _bullets(unseen)
        if missing:
            detail += "Feature names seen at fit time, yet now missing:\n" + _bullets(missing)
        if not detail:
            detail = "Feature names must be in the same order as they were in fit.\n"
        raise ValueError("The feature names should match those that were passed during "
                         f"fit.\n{detail}")


def _bullets(names, most=5):
    """``- name`` lines, at most ``most`` of them, then ``- ...`` (scikit-learn's layout)."""
    lines = [f"- {n}\n" for n in names[:most]]
    return "".join(lines) + ("- ...\n" if len(names) > most else "")


def one_to_one_names_out(estimator, input_features):
    """``get_feature_names_out`` of a transformer whose output column i comes from input
    column i: the given names, else ``feature_names_in_``, else ``x0, x1, ...``."""
    fitted = getattr(estimator, "feature_names_in_", None)
    n = getattr(estimator, "n_features_in_", None)
    if input_features is None:
        if fitted is not None:
            return np.asarray(fitted, dtype=object)
        if n is None:
            raise ValueError("Unable to generate feature names without n_features_in_: "
                             "fit the transformer first.")
        return np.asarray([f"x{i}" for i in range(n)], dtype=object)
    names = np.asarray(input_features, dtype=object)
    if fitted is not None and (len(names) != len(fitted) or (names != fitted).any()):
        raise ValueError("input_features is not equal to feature_names_in_")
    if n is not None and len(names) != n:
        raise ValueError(f"input_features should have length equal to number of features "
                         f"({n}), got {len(names)}")
    return names


def numbered_names_out(estimator, n_out, input_features):
    """``get_feature_names_out`` of a transformer whose outputs mix all inputs (PCA):
    ``<class name in lower case><i>``; ``input_features``, if given, is only checked."""
    if input_features is not None:
        one_to_one_names_out(estimator, input_features)
    prefix = type(estimator).__name__.lower()
    return np.asarray([f"{prefix}{i}" for i in range(n_out)], dtype=object)


def one_hot_names_out(input_names, categories, kept):
    """``<input name>_<category>`` for each category that has an output column;
    ``kept(j)`` gives the kept category indices of column j."""
    return np.asarray([f"{name}_{categories[j][k]}" for j, name in enumerate(input_names)
                       for k in kept(j)], dtype=object)
