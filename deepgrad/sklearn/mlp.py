"""MLPClassifier and MLPRegressor: scikit-learn's multi-layer perceptrons, trained by deepgrad.

Same constructor, attributes and results as ``sklearn.neural_network``'s (same initial weights
for the same ``random_state``, same steps; see ``_solvers.py``), computed with deepgrad's
layers, autograd and optimisers, plus deepgrad's own options:

* ``dropout`` (float, default 0.0): dropout probability after every hidden activation;
* ``batch_norm`` (bool, default False): ``BatchNorm1d`` after every hidden Linear layer;
* ``optimizer`` (None or a name such as ``"adamw"``, ``"rmsprop"``, or a
  ``deepgrad.optim.Optimizer`` subclass): replaces the solver's optimiser for stochastic
  training, run with ``lr=learning_rate_init`` and its own defaults;
* ``device`` (default ``"cpu"``): where the network lives.

The trained network is ``module_`` (an ``nn.Sequential``); ``coefs_[i]`` (fan_in, fan_out) and
``intercepts_[i]`` are views of its Linear layers' weights and biases.

Example::

    from deepgrad.sklearn import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=50, random_state=0).fit(X, y)
    clf.predict_proba(X[:3])
"""
import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._mlp_base import STOCHASTIC_SOLVERS, BaseMLP


def _stochastic(est):
    return est.solver in STOCHASTIC_SOLVERS


class MLPClassifier(ClassifierMixin, BaseMLP):
    """Multi-layer perceptron classifier (log-loss), scikit-learn's API on deepgrad.

    Output layer: softmax over the classes (multiclass), or one logistic unit per output
    (binary: a single unit; multilabel: one per label). The objective is the mean
    cross-entropy plus ``alpha / (2 n_batch) * sum ||W||^2``.

    Parameters are scikit-learn's (``hidden_layer_sizes``, ``activation`` in identity /
    logistic / tanh / relu, ``solver`` in lbfgs / sgd / adam, ``alpha``, ``batch_size``
    (``"auto"`` = min(200, n)), ``learning_rate`` (sgd only), ``learning_rate_init``,
    ``power_t``, ``max_iter`` (epochs, or L-BFGS iterations), ``shuffle``, ``random_state``,
    ``tol``, ``verbose``, ``warm_start``, ``momentum``, ``nesterovs_momentum``,
    ``early_stopping``, ``validation_fraction``, ``beta_1``, ``beta_2``, ``epsilon``,
    ``n_iter_no_change``, ``max_fun``) plus ``dropout``, ``batch_norm``, ``optimizer``,
    ``device`` (module docstring).

    Attributes: ``classes_``, ``loss_``, ``best_loss_``, ``loss_curve_``,
    ``validation_scores_``, ``best_validation_score_``, ``t_``, ``coefs_``, ``intercepts_``,
    ``n_features_in_``, ``feature_names_in_``, ``n_iter_``, ``n_layers_``, ``n_outputs_``,
    ``out_activation_``, ``module_``.
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dropout=0.0, batch_norm=False, optimizer=None, device="cpu"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.optimizer = optimizer
        self.device = device

    def _is_classifier(self):
        return True

    def _output_activation(self):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            binarizer = LabelBinarizer().fit(y)
            self._label_binarizer, self.classes_ = binarizer, binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and set(classes) != set(self.classes_):
                raise ValueError(f"warm_start can only be used where `y` has the same classes "
                                 f"as in the previous call to fit. Previously got "
                                 f"{self.classes_}, `y` has {classes}")
            if not self.warm_start and len(np.setdiff1d(classes, self.classes_)):
                raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has "
                                 f"{self.classes_}. 'y' has {classes}.")
        return X, self._label_binarizer.transform(y).astype(X.dtype)

    def _training_target(self, Y):
        """Class indices for the softmax output, the indicator matrix otherwise."""
        if self.out_activation_ == "softmax":
            return Y.argmax(axis=1).astype(np.int64)
        return Y

    def _decode(self, Y):
        return self._label_binarizer.inverse_transform(Y)

    def _score_function(self, y, y_pred, sample_weight=None):
        return accuracy_score(y, y_pred, sample_weight=sample_weight)

    def fit(self, X, y, sample_weight=None):
        """Fit the network to X (n_samples, n_features) and labels y; returns self."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    @available_if(_stochastic)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over (X, y). ``classes`` (all labels) is required on the first call."""
        if not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            self._validate_params()
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y if type_of_target(y).startswith("multilabel")
                                      else classes)
            self.classes_ = self._label_binarizer.classes_
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"`classes={classes!r}` is not the same as on the last call to "
                             f"partial_fit, was: {self.classes_!r}")
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _predict(self, X, check_input=True):
        proba = self._forward(X, check_input=check_input)
        if self.n_outputs_ == 1:
            proba = proba.ravel()
        return self._label_binarizer.inverse_transform(proba)

    def predict(self, X):
        """Predicted class labels, shape (n_samples,) (or (n_samples, n_labels) multilabel)."""
        check_is_fitted(self, "module_")
        return self._predict(X)

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order."""
        proba = self._forward(X)
        if self.n_outputs_ == 1:
            p = proba.ravel()
            return np.vstack([1 - p, p]).T
        return proba

    def predict_log_proba(self, X):
        """``log(predict_proba(X))``."""
        proba = self.predict_proba(X)
        return np.log(proba, out=proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, BaseMLP):
    """Multi-layer perceptron regressor, scikit-learn's API on deepgrad.

    ``loss="squared_error"`` (identity output; objective ``sum_k (z_k - y_k)^2 / 2`` averaged
    over samples, reported ``loss_`` averaged over outputs too) or ``"poisson"`` (exp output,
    objective ``exp(z) - y z``). Other parameters and attributes: see :class:`MLPClassifier`.
    """

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dropout=0.0, batch_norm=False, optimizer=None, device="cpu"):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.optimizer = optimizer
        self.device = device

    def _is_classifier(self):
        return False

    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _validate_params(self):
        if self.loss not in ("squared_error", "poisson"):
            raise ValueError(f"loss must be one of ['squared_error', 'poisson'], "
                             f"got {self.loss!r}")
        return super()._validate_params()

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             y_numeric=True, dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and (y < 0).any():
            raise ValueError(f"loss='poisson' needs non-negative targets, got min(y)={y.min()}")
        return X, y.reshape(len(y), -1).astype(X.dtype)

    def _training_target(self, Y):
        return Y

    def _decode(self, Y):
        return Y.ravel() if Y.shape[1] == 1 else Y

    def _score_function(self, y, y_pred, sample_weight=None):
        return r2_score(y, y_pred, sample_weight=sample_weight)

    def fit(self, X, y, sample_weight=None):
        """Fit the network to X (n_samples, n_features) and targets y; returns self."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    @available_if(_stochastic)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y) (sgd and adam only)."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _predict(self, X, check_input=True):
        out = self._forward(X, check_input=check_input)
        return out.ravel() if out.shape[1] == 1 else out

    def predict(self, X):
        """Predicted values, shape (n_samples,) or (n_samples, n_outputs)."""
        check_is_fitted(self, "module_")
        return self._predict(X)
