"""Bias-variance decomposition by bootstrap, with mlxtend's definitions.

Train the same learner on ``num_rounds`` bootstrap samples of the training set and predict the
test set each time: ``P[r, j]`` is round r's prediction for test point j.

* squared error (``loss="mse"``): the main prediction is the mean ``m_j = mean_r P[r, j]`` and

      expected loss = mean_{r,j} (P[r,j] - y_j)^2
      bias          = mean_j (m_j - y_j)^2          (the squared bias)
      variance      = mean_{r,j} (P[r,j] - m_j)^2

  and expected loss = bias + variance exactly.
* 0-1 loss (``loss="0-1_loss"``, Domingos 2000): the main prediction is the majority vote
  (ties to the smallest label); bias = fraction of test points the vote gets wrong, variance =
  mean fraction of rounds that disagree with the vote. There the two do not simply add up.

The bootstrap draws are those of ``mlxtend.evaluate.bias_variance_decomp``: one
``np.random.RandomState(random_seed)`` and, per round, ``choice(n, size=n, replace=True)``,
so a deterministic learner gives mlxtend's numbers exactly.
"""
from dataclasses import dataclass

import numpy as np

from ._common import check_nonempty, pyplot, to_numpy

LOSSES = ("mse", "0-1_loss")


@dataclass
class BiasVarianceResult:
    """``expected_loss, bias, variance = result`` unpacks like mlxtend's tuple."""
    expected_loss: float
    bias: float
    variance: float
    loss: str
    num_rounds: int

    def __iter__(self):
        return iter((self.expected_loss, self.bias, self.variance))

    def plot(self, path=None):
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.bar(["expected loss", "bias", "variance"],
               [self.expected_loss, self.bias, self.variance],
               color=["tab:gray", "tab:blue", "tab:orange"])
        ax.set_title(f"bias-variance ({self.loss}, {self.num_rounds} rounds)")
        if path is not None:
            fig.savefig(path, dpi=110, bbox_inches="tight")
        return fig


def _check_learner(estimator):
    """An estimator (fit + predict) is reused; a factory (or a class) is called for a fresh
    one each round."""
    if not isinstance(estimator, type) and hasattr(estimator, "fit") \
            and hasattr(estimator, "predict"):
        return lambda: estimator
    if callable(estimator) and not hasattr(estimator, "parameters"):
        def make():
            fresh = estimator()
            if not (hasattr(fresh, "fit") and hasattr(fresh, "predict")):
                raise TypeError(f"bias_variance_decomp: the factory returned "
                                f"{type(fresh).__name__}, which has no fit/predict; wrap a "
                                f"deepgrad model in deepgrad.sklearn.NeuralNetClassifier or "
                                f"NeuralNetRegressor")
            return fresh
        return make
    raise TypeError(f"bias_variance_decomp: estimator must have fit and predict methods (or be "
                    f"a factory returning such an object), got {type(estimator).__name__}; "
                    f"wrap an nn.Module in deepgrad.sklearn.NeuralNetClassifier/Regressor")


def _check_data(X_train, y_train, X_test, y_test):
    arrays = [to_numpy(a) for a in (X_train, y_train, X_test, y_test)]
    for array, name in zip(arrays, ("X_train", "y_train", "X_test", "y_test")):
        check_nonempty(array, name, "bias_variance_decomp")
    if len(arrays[0]) != len(arrays[1]) or len(arrays[2]) != len(arrays[3]):
        raise ValueError(f"bias_variance_decomp: X and y lengths differ: X_train "
                         f"{len(arrays[0])}, y_train {len(arrays[1])}, X_test {len(arrays[2])}, "
                         f"y_test {len(arrays[3])}")
    return arrays


def _majority_vote(predictions):
    """Per column, the most frequent value; ties go to the smallest (as np.bincount's argmax)."""
    labels, codes = np.unique(predictions, return_inverse=True)
    codes = codes.reshape(predictions.shape)
    counts = np.zeros((len(labels), predictions.shape[1]), dtype=np.int64)
    for row in codes:
        counts[row, np.arange(predictions.shape[1])] += 1
    return labels[counts.argmax(axis=0)]


def decompose(predictions, y_test, loss):
    """(expected loss, bias, variance) from the (rounds, test points) prediction matrix."""
    if loss == "mse":
        main = predictions.mean(axis=0)
        expected = float(((predictions - y_test) ** 2).mean())
        bias = float(((main - y_test) ** 2).mean())
        variance = float(((predictions - main) ** 2).mean())
    else:
        main = _majority_vote(predictions)
        expected = float((predictions != y_test).mean())
        bias = float((main != y_test).mean())
        variance = float((predictions != main).mean())
    return expected, bias, variance


def bias_variance_decomp(estimator, X_train, y_train, X_test, y_test, loss="mse",
                         num_rounds=200, random_seed=None, **fit_params):
    """Bootstrap bias-variance decomposition of a learner's test error (mlxtend's meaning).

    Args:
        estimator: an object with ``fit(X, y)`` and ``predict(X)`` (scikit-learn or
            deepgrad.sklearn estimators; refitted each round), or a factory returning one.
        loss: "mse" or "0-1_loss".
        num_rounds (int): bootstrap rounds.
        random_seed: seed of the ``np.random.RandomState`` that draws the samples.
        **fit_params: passed to ``fit``.

    Returns:
        :class:`BiasVarianceResult` (unpacks as ``expected_loss, bias, variance``).
    """
    if loss not in LOSSES:
        raise ValueError(f"bias_variance_decomp: loss must be one of {LOSSES}, got {loss!r}")
    if int(num_rounds) != num_rounds or num_rounds < 1:
        raise ValueError(f"bias_variance_decomp: num_rounds must be a positive int, "
                         f"got {num_rounds!r}")
    make = _check_learner(estimator)
    X_train, y_train, X_test, y_test = _check_data(X_train, y_train, X_test, y_test)
    rng = np.random.RandomState(random_seed)
    n = X_train.shape[0]
    rows = []
    for _ in range(int(num_rounds)):
        idx = rng.choice(np.arange(n), size=n, replace=True)
        learner = make()
        fitted = learner.fit(X_train[idx], y_train[idx], **fit_params)
        learner = fitted if hasattr(fitted, "predict") else learner
        rows.append(to_numpy(learner.predict(X_test)).reshape(-1))
    predictions = np.stack(rows)
    if loss == "mse":
        predictions = predictions.astype(np.float64)
        y_test = y_test.astype(np.float64).reshape(-1)
    else:
        y_test = y_test.reshape(-1)
    return BiasVarianceResult(*decompose(predictions, y_test, loss), loss, int(num_rounds))


@dataclass
class BiasVarianceCurve:
    complexities: list
    expected_loss: np.ndarray
    bias: np.ndarray
    variance: np.ndarray
    loss: str

    def plot(self, path=None, xlabel="model complexity", logx=False):
        """The U-curve: bias falls, variance rises, their sum has a minimum in between."""
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(5.5, 3.5))
        x = self.complexities
        ax.plot(x, self.expected_loss, "k-o", label="expected loss", ms=3)
        ax.plot(x, self.bias, "-s", label="bias" + ("$^2$" if self.loss == "mse" else ""),
                ms=3)
        ax.plot(x, self.variance, "-^", label="variance", ms=3)
        best = int(np.argmin(self.expected_loss))
        ax.axvline(x[best], color="gray", ls=":", lw=0.8)
        if logx:
            ax.set_xscale("log")
        positive = np.concatenate([self.bias, self.variance])
        positive = positive[positive > 0]
        if positive.size and self.expected_loss.max() > 50 * positive.min():
            ax.set_yscale("log")            # the variance of the widest models dwarfs the rest
        ax.set_xlabel(xlabel)
        ax.set_ylabel(self.loss)
        ax.legend()
        ax.set_title("bias-variance trade-off")
        if path is not None:
            fig.savefig(path, dpi=110, bbox_inches="tight")
        return fig


def bias_variance_curve(factory, complexities, X_train, y_train, X_test, y_test, loss="mse",
                        num_rounds=50, random_seed=0, **fit_params):
    """Decompose the test error at each complexity: ``factory(c)`` builds the learner.

    ``complexities`` must be strictly increasing numbers (polynomial degree, tree depth,
    hidden width, 1 / regularisation strength, ...). Each complexity uses the same bootstrap
    draws (the same ``random_seed``), so the curves differ only by the learner.

    Past the U, for learners that can interpolate, see :func:`deepgrad.lab.double_descent`.
    """
    if not callable(factory):
        raise TypeError(f"bias_variance_curve: factory must be callable (complexity -> "
                        f"estimator), got {type(factory).__name__}")
    values = list(complexities)
    if not values:
        raise ValueError("bias_variance_curve: complexities is empty")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"bias_variance_curve: complexities must be strictly increasing, "
                         f"got {values}")
    results = [bias_variance_decomp(factory(c), X_train, y_train, X_test, y_test, loss=loss,
                                    num_rounds=num_rounds, random_seed=random_seed,
                                    **fit_params) for c in values]
    return BiasVarianceCurve(values, np.array([r.expected_loss for r in results]),
                             np.array([r.bias for r in results]),
                             np.array([r.variance for r in results]), loss)
