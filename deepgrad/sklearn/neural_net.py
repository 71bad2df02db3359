"""NeuralNet estimators: any deepgrad ``nn.Module`` as a scikit-learn estimator (skorch's idea).

``module`` is a Module class (built at fit from the ``module__*`` parameters) or an instance
(copied at fit, so the instance you passed is never trained and refits start from the same
weights). If the class's ``__init__`` takes ``n_features_in`` and/or ``n_outputs`` and you did
not set them, they are filled in from the data (features of X; classes, or columns of y), so
one estimator fits data of any width. ``criterion`` and ``optimizer`` are likewise a class (with
``criterion__*`` / ``optimizer__*`` arguments), an instance (criterion only) or, for the
optimiser, a name such as ``"adam"``. Every ``prefix__name`` argument is a real parameter:
``get_params``, ``set_params``, ``clone`` and grid searches see it.

Training: ``max_epochs`` passes over the shuffled data in batches of ``batch_size``; the mean
loss of each epoch is kept in ``history_``. With an int ``random_state`` the weights, dropout
and batch order are reproducible (the global deepgrad generator is seeded for the fit and then
restored).

Example::

    net = NeuralNetClassifier(MLPModule, module__hidden_layer_sizes=(32,), lr=0.01,
                              max_epochs=20, random_state=0)
    GridSearchCV(net, {"lr": [0.01, 0.1], "module__hidden_layer_sizes": [(16,), (64,)]})
"""
import copy
import inspect

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import nn
from .. import random as dg_random
from ..autograd.grad_mode import no_grad
from ..creation import from_numpy
from ._solvers import optimizer_class, update_kernels_for

PREFIXES = ("module__", "criterion__", "optimizer__")


def _routed(params, prefix):
    return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


class NeuralNet(BaseEstimator):
    """Base of NeuralNetClassifier / NeuralNetRegressor (see the module docstring).

    Args:
        module: an ``nn.Module`` class or instance.
        criterion: loss class or instance (default: the subclass's).
        optimizer: a deepgrad optimiser name or class (default ``"adam"``).
        lr (float): learning rate (default 0.01).
        max_epochs (int): passes over the data (default 20).
        batch_size (int): examples per step (default 64).
        shuffle (bool): reshuffle every epoch (default True).
        random_state: None or an int (reproducible fits).
        device (str): where the module runs (default ``"cpu"``).
        verbose (int): print the loss of each epoch when > 0.
        warm_start (bool): keep training the fitted module on the next ``fit``.
        **kwargs: ``module__*``, ``criterion__*``, ``optimizer__*`` arguments.
    """

    default_criterion = nn.MSELoss

    def __init__(self, module, criterion=None, optimizer="adam", lr=0.01, max_epochs=20,
                 batch_size=64, shuffle=True, random_state=None, device="cpu", verbose=0,
                 warm_start=False, **kwargs):
        self.module = module
        self.criterion = criterion
        self.optimizer = optimizer
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.warm_start = warm_start
        for key, value in kwargs.items():   # checked at fit (scikit-learn's rule for __init__)
            setattr(self, key, value)

    # ------------------------------------------------------------------ parameters
    def _extra_param_names(self):
        """The ``**kwargs`` parameters: public attributes that are neither in the signature
        nor fitted (fitted attributes end with ``_``)."""
        named = set(self._get_param_names())
        return [k for k in vars(self) if k not in named and not k.startswith("_")
                and not k.endswith("_")]

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update({k: getattr(self, k) for k in self._extra_param_names()})
        return params

    def set_params(self, **params):
        for key in [k for k in params if k.startswith(PREFIXES)]:
            setattr(self, key, params.pop(key))
        return super().set_params(**params)

    # ------------------------------------------------------------------ building
    def _check_params(self):
        unknown = [k for k in self._extra_param_names() if not k.startswith(PREFIXES)]
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown} of {type(self).__name__}; extra "
                             f"arguments must start with one of {PREFIXES}")
        for name, value, low in (("lr", self.lr, 0.0), ("max_epochs", self.max_epochs, 1),
                                 ("batch_size", self.batch_size, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low \
                    or (name == "lr" and value == 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        for name in ("max_epochs", "batch_size"):
            if not isinstance(getattr(self, name), (int, np.integer)):
                raise ValueError(f"{name} must be an int, got {getattr(self, name)!r}")
        if not (isinstance(self.module, nn.Module) or
                (isinstance(self.module, type) and issubclass(self.module, nn.Module))):
            raise ValueError(f"module must be an nn.Module class or instance, got {self.module!r}")
        optimizer_class(self.optimizer)

    def _build_module(self, n_features, n_outputs):
        params = self.get_params(deep=False)
        kwargs = _routed(params, "module__")
        if isinstance(self.module, nn.Module):
            if kwargs:
                raise ValueError(f"module__* arguments {sorted(kwargs)} need a module class, "
                                 f"not an instance")
            return copy.deepcopy(self.module)
        accepted = inspect.signature(self.module).parameters
        for name, value in (("n_features_in", n_features), ("n_outputs", n_outputs)):
            if name in accepted and name not in kwargs:
                kwargs[name] = value
        return self.module(**kwargs)

    def _build_criterion(self):
        kwargs = _routed(self.get_params(deep=False), "criterion__")
        criterion = self.default_criterion if self.criterion is None else self.criterion
        if isinstance(criterion, type):
            return criterion(**kwargs)
        return criterion

    def _initialize(self, n_features, n_outputs):
        self.module_ = self._build_module(n_features, n_outputs).to(self.device)
        self.criterion_ = self._build_criterion()
        kwargs = _routed(self.get_params(deep=False), "optimizer__")
        self.optimizer_ = optimizer_class(self.optimizer)(self.module_.parameters(), lr=self.lr,
                                                          **kwargs)
        self.history_ = []

    # ------------------------------------------------------------------ training
    def _fit_arrays(self, X, target, n_outputs):
        self._check_params()
        seed = self.random_state
        saved = dg_random.get_rng_state()
        if seed is not None:
            dg_random.manual_seed(int(check_random_state(seed).randint(2 ** 31 - 1)))
        try:
            if not (self.warm_start and hasattr(self, "module_")):
                self._initialize(X.shape[1], n_outputs)
            n_parameters = sum(p.numel() for p in self.module_.parameters())
            with update_kernels_for(n_parameters):
                self._train(X, target, check_random_state(seed))
        finally:
            if seed is not None:
                dg_random.set_rng_state(saved)
        return self

    def _param_dtype(self):
        for p in self.module_.parameters():
            return p.detach().numpy().dtype
        return np.dtype(np.float32)

    def _tensor(self, array):
        return from_numpy(np.ascontiguousarray(array)).to(self.device)

    def _train(self, X, target, rng):
        X = X.astype(self._param_dtype(), copy=False)
        if target.dtype.kind == "f":    # float targets take the module's dtype, as its outputs
            target = target.astype(self._param_dtype(), copy=False)
        module, optimizer, criterion = self.module_, self.optimizer_, self.criterion_
        n = X.shape[0]
        module.train()
        for epoch in range(self.max_epochs):
            order = rng.permutation(n) if self.shuffle else np.arange(n)
            total = 0.0
            for start in range(0, n, self.batch_size):
                rows = order[start:start + self.batch_size]
                loss = criterion(module(self._tensor(X[rows])), self._tensor(target[rows]))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item() * len(rows)
            self.history_.append({"epoch": len(self.history_) + 1, "train_loss": total / n})
            if self.verbose:
                print(f"epoch {len(self.history_):4d}   train_loss {total / n:.6f}")

    def forward(self, X):
        """The module's outputs for X as a NumPy array (eval mode, no gradients)."""
        check_is_fitted(self, "module_")
        X = validate_data(self, X, reset=False, dtype=(np.float32, np.float64))
        module = self.module_
        module.eval()
        try:
            with no_grad():
                return module(self._tensor(X.astype(self._param_dtype(), copy=False))) \
                    .cpu().numpy()
        finally:
            module.train()


class NeuralNetClassifier(ClassifierMixin, NeuralNet):
    """A classifier around a module that outputs one logit per class (N, n_classes).

    Default criterion ``nn.CrossEntropyLoss``; ``predict_proba`` is the softmax of the outputs
    (their ``exp`` when the criterion is ``nn.NLLLoss``, i.e. the module outputs log-probs).
    Labels may be any values; ``classes_`` holds them sorted.
    """

    default_criterion = nn.CrossEntropyLoss

    def fit(self, X, y):
        """Train on X (n_samples, n_features) and labels y (n_samples,); returns self."""
        X, y = validate_data(self, X, y, dtype=(np.float32, np.float64))
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if self.warm_start and hasattr(self, "classes_") and \
                not np.array_equal(encoder.classes_, self.classes_):
            raise ValueError(f"warm_start needs the same classes, had {self.classes_}, "
                             f"y has {encoder.classes_}")
        self.classes_ = encoder.classes_
        return self._fit_arrays(X, encoder.transform(y).astype(np.int64), len(self.classes_))

    def predict_proba(self, X):
        """Class probabilities (n_samples, n_classes), columns in ``classes_`` order."""
        out = self.forward(X).astype(np.float64)
        if isinstance(self.criterion_, nn.NLLLoss):
            return np.exp(out)
        out = np.exp(out - out.max(axis=1, keepdims=True))
        return out / out.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Most probable class per row (n_samples,)."""
        check_is_fitted(self, "module_")
        return self.classes_[self.forward(X).argmax(axis=1)]


class NeuralNetRegressor(RegressorMixin, NeuralNet):
    """A regressor around a module that outputs (N, n_outputs) values (default criterion
    ``nn.MSELoss``). A 1-D y is trained as one column and predicted back as 1-D."""

    default_criterion = nn.MSELoss

    def fit(self, X, y):
        """Train on X (n_samples, n_features) and targets y; returns self."""
        X, y = validate_data(self, X, y, dtype=(np.float32, np.float64), multi_output=True,
                             y_numeric=True)
        self._y_1d = y.ndim == 1
        target = y.reshape(len(y), -1)
        self._fit_arrays(X, target, target.shape[1])
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X):
        """Predicted values as float64 (scikit-learn's convention, whatever the module's
        dtype): (n_samples,) for a 1-D y at fit, else (n_samples, n_outputs)."""
        out = self.forward(X).astype(np.float64)
        return out.ravel() if self._y_1d else out
