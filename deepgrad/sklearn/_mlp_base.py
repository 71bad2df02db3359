"""What MLPClassifier and MLPRegressor share: parameters, checks, and the training loop.

The loop is the estimators' own (not ``deepgrad.train.Trainer``): scikit-learn's MLP has its own
epoch bookkeeping (``loss_curve_``, ``n_iter_no_change``, ``tol``, the adaptive learning rate,
early stopping on a validation score), and a lean loop over NumPy batches keeps the per-step
cost at a forward, a backward and an optimiser step.
"""
import contextlib
import numbers
import warnings

import numpy as np
import scipy.sparse
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils import shuffle as shuffle_rows
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from .. import random as dg_random
from ..autograd.grad_mode import no_grad
from ..creation import from_numpy
from . import _network
from ._solvers import StochasticSolver, fit_lbfgs, optimizer_class, update_kernels_for

STOCHASTIC_SOLVERS = ("sgd", "adam")
# Below this many multiply-adds per layer and batch, one BLAS thread is faster: a small GEMM
# split over threads pays more in hand-offs than it saves, and on a busy machine OpenBLAS's
# spinning threads made the digits fit 4-15x slower (measured: three 200x64x100 products
# 0.98 ms on one thread, 8.9-14.6 ms on two, machine at load 8 on 2 cores).
SMALL_GEMM = 1 << 24


def blas_threads_for(rows, layer_units):
    """One BLAS thread for small networks (see SMALL_GEMM), the library's default otherwise."""
    work = rows * max(a * b for a, b in zip(layer_units[:-1], layer_units[1:]))
    if work < SMALL_GEMM:
        return threadpool_limits(limits=1, user_api="blas")
    return contextlib.nullcontext()


def _check_choice(name, value, allowed):
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}")


def _check_number(name, value, low, high=None, low_open=False, integer=False):
    kind = numbers.Integral if integer else numbers.Real
    bad = isinstance(value, bool) or not isinstance(value, kind)
    if not bad:
        bad = value < low or (low_open and value == low) or (high is not None and value > high)
    if bad:
        bracket = "(" if low_open else "["
        span = f"{bracket}{low}, {high if high is not None else 'inf'})"
        raise ValueError(f"{name} must be {'an int' if integer else 'a number'} in {span}, "
                         f"got {value!r}")


class BaseMLP(BaseEstimator):
    """Shared machinery; see MLPClassifier for the parameters."""

    def _validate_params(self):
        """Every parameter checked before anything is changed (ValueError naming it)."""
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if any(isinstance(h, bool) or not isinstance(h, numbers.Integral) or h <= 0
               for h in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive ints, got {sizes}.")
        _check_choice("activation", self.activation, _network.HIDDEN_ACTIVATIONS)
        _check_choice("solver", self.solver, ("lbfgs", "sgd", "adam"))
        _check_choice("learning_rate", self.learning_rate, ("constant", "invscaling", "adaptive"))
        if self.batch_size != "auto":
            _check_number("batch_size", self.batch_size, 1, integer=True)
        _check_number("alpha", self.alpha, 0.0)
        _check_number("learning_rate_init", self.learning_rate_init, 0.0, low_open=True)
        _check_number("power_t", self.power_t, 0.0)
        _check_number("max_iter", self.max_iter, 1, integer=True)
        _check_number("tol", self.tol, 0.0)
        _check_number("momentum", self.momentum, 0.0, 1.0)
        _check_number("validation_fraction", self.validation_fraction, 0.0, 1.0, low_open=True)
        if self.validation_fraction >= 1:
            raise ValueError(f"validation_fraction must be < 1, got {self.validation_fraction}")
        _check_number("beta_1", self.beta_1, 0.0, 1.0)
        _check_number("beta_2", self.beta_2, 0.0, 1.0)
        if self.beta_1 >= 1 or self.beta_2 >= 1:
            raise ValueError(f"beta_1 and beta_2 must be < 1, got {self.beta_1}, {self.beta_2}")
        _check_number("epsilon", self.epsilon, 0.0, low_open=True)
        _check_number("n_iter_no_change", self.n_iter_no_change, 1, integer=True)
        _check_number("max_fun", self.max_fun, 1, integer=True)
        _check_number("dropout", self.dropout, 0.0, 1.0)
        if self.dropout >= 1:
            raise ValueError(f"dropout must be < 1, got {self.dropout}")
        if self.optimizer is not None:
            optimizer_class(self.optimizer)
        return sizes

    # ------------------------------------------------------------------ fitted views
    @property
    def coefs_(self):
        """Layer weights, ``coefs_[i]`` of shape (fan_in, fan_out): views of the module's."""
        check_is_fitted(self, "module_")
        return [m.weight.detach().numpy().T for m in _network.linear_layers(self.module_)]

    @property
    def intercepts_(self):
        """Layer biases, ``intercepts_[i]`` of shape (fan_out,): views of the module's."""
        check_is_fitted(self, "module_")
        return [m.bias.detach().numpy() for m in _network.linear_layers(self.module_)]

    # ------------------------------------------------------------------ fitting
    def _fit(self, X, y, sample_weight=None, incremental=False):
        sizes = self._validate_params()
        if incremental and self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(f"partial_fit is only available for stochastic optimizers; "
                                 f"{self.solver!r} is not stochastic.")
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "module_") or (not self.warm_start and not incremental)
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        weights = self._check_sample_weight(sample_weight, X)
        layer_units = [X.shape[1], *sizes, Y.shape[1]]
        if not first_pass and Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs but the fitted model has "
                             f"{self.n_outputs_}")
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(Y, layer_units, X.dtype)
        stochastic = self.solver in STOCHASTIC_SOLVERS
        rows = min(X.shape[0], 200 if self.batch_size == "auto" else self.batch_size) \
            if stochastic else X.shape[0]
        n_parameters = sum(p.numel() for p in self.module_.parameters())
        with blas_threads_for(rows, layer_units), update_kernels_for(n_parameters):
            if stochastic:
                self._fit_stochastic(X, Y, weights, incremental)
            else:
                self._fit_lbfgs(X, Y, weights)
        if not all(np.isfinite(p.detach().numpy()).all() for p in self.module_.parameters()):
            raise ValueError("Solver produced non-finite parameter weights. The input data may "
                             "contain large values and need to be preprocessed.")
        return self

    def _check_sample_weight(self, sample_weight, X):
        if sample_weight is None:
            return None
        w = np.asarray(sample_weight, dtype=X.dtype)
        if w.ndim == 0:
            w = np.full(X.shape[0], w, dtype=X.dtype)
        if w.shape != (X.shape[0],):
            raise ValueError(f"sample_weight.shape == {w.shape}, expected {(X.shape[0],)}!")
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError("sample_weight must be finite and non-negative")
        if not w.any():
            raise ValueError("Sample weights must contain at least one non-zero number.")
        return w

    def _initialize(self, Y, layer_units, dtype):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = Y.shape[1]
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._output_activation()
        seed = int(self._random_state.randint(np.iinfo(np.int32).max)) if self.dropout else 0
        generator = dg_random.Generator().manual_seed(seed) if self.dropout else None
        self.module_ = _network.build_network(layer_units, self.activation, self.dropout,
                                              self.batch_norm, dtype, self._random_state,
                                              generator).to(self.device)
        self.__dict__.pop("_solver", None)
        if self.solver in STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _tensor(self, array):
        if scipy.sparse.issparse(array):
            array = array.toarray()
        tensor = from_numpy(np.ascontiguousarray(array))
        return tensor if self.device == "cpu" else tensor.to(self.device)

    def _loss_backward(self, Xb, Tb, Yb, wb):
        """Forward, objective, backward and the L2 gradient; returns sklearn's loss value."""
        module, name = self.module_, self.out_activation_
        w_tensor = None if wb is None else self._tensor(wb)
        loss = _network.objective(name, module(self._tensor(Xb)), self._tensor(Tb), w_tensor)
        loss.backward()
        weight_sum = Xb.shape[0] if wb is None else float(wb.sum())
        value = _network.reported_loss(name, loss.item(), Yb, wb)
        if self.alpha:
            coefs = [m.weight.detach().numpy() for m in _network.linear_layers(module)]
            value += _network.l2_penalty(coefs, self.alpha, weight_sum)
            scale = self.alpha / weight_sum
            for m, w in zip(_network.linear_layers(module), coefs):
                grad = m.weight.grad.numpy()   # shares memory with .grad: no graph to record
                grad += scale * w              # d/dW of alpha / (2 S) ||W||^2
        return value

    def _fit_stochastic(self, X, Y, weights, incremental):
        if not incremental or not hasattr(self, "_solver"):
            self._solver = StochasticSolver(self, list(self.module_.parameters()))
        solver, early_stopping = self._solver, self.early_stopping
        X_val = y_val = w_val = None
        if early_stopping:
            stratify = Y if (self._is_classifier() and self.n_outputs_ == 1) else None
            arrays = [X, Y] if weights is None else [X, Y, weights]
            parts = train_test_split(*arrays, random_state=self._random_state,
                                     test_size=self.validation_fraction, stratify=stratify)
            X, X_val, Y, Y_val = parts[:4]
            if weights is not None:
                weights, w_val = parts[4], parts[5]
            if X_val.shape[0] < 2:
                raise ValueError("The validation set is too small. Increase "
                                 "'validation_fraction' or the size of your dataset.")
            y_val = self._decode(Y_val)
        T = self._training_target(Y)
        n_samples = X.shape[0]
        batch_size = min(200, n_samples) if self.batch_size == "auto" else self.batch_size
        if self.batch_size != "auto" and not 1 <= batch_size <= n_samples:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is "
                          "going to be clipped", stacklevel=3)
            batch_size = int(np.clip(batch_size, 1, n_samples))
        order = np.arange(n_samples)
        self.module_.train()
        self.n_iter_ = 0
        for _ in range(self.max_iter):
            if self.shuffle:
                order = shuffle_rows(order, random_state=self._random_state)
            total = 0.0
            for start in range(0, n_samples, batch_size):
                rows = order[start:start + batch_size] if self.shuffle else \
                    slice(start, start + batch_size)
                wb = None if weights is None else weights[rows]
                solver.optimizer.zero_grad()
                Yb = Y[rows]
                total += self._loss_backward(X[rows], T[rows], Yb, wb) * Yb.shape[0]
                solver.step()
            self.n_iter_ += 1
            self.loss_ = total / n_samples
            self.t_ += n_samples
            self.loss_curve_.append(self.loss_)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
            self._update_no_improvement_count(early_stopping, X_val, y_val, w_val)
            solver.iteration_ends(self.t_)
            if self._no_improvement_count > self.n_iter_no_change:
                what = "Validation score" if early_stopping else "Training loss"
                message = (f"{what} did not improve more than tol={self.tol:f} for "
                           f"{self.n_iter_no_change} consecutive epochs.")
                if solver.trigger_stopping(message, self.verbose):
                    break
                self._no_improvement_count = 0
            if incremental:
                break
            if self.n_iter_ == self.max_iter:
                warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                              f"reached and the optimization hasn't converged yet.",
                              ConvergenceWarning, stacklevel=3)
        if early_stopping:   # restore the best weights seen on the validation set
            self.module_.load_state_dict(self._best_state)

    def _update_no_improvement_count(self, early_stopping, X_val, y_val, w_val):
        if early_stopping:
            score = self._score_fitted(X_val, y_val, w_val)
            self.validation_scores_.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_state = {k: v.clone() for k, v in self.module_.state_dict().items()}
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])

    def _fit_lbfgs(self, X, Y, weights):
        T = self._training_target(Y)
        params = list(self.module_.parameters())
        self.module_.train()
        self.n_iter_, self.loss_ = fit_lbfgs(
            params, lambda: self._loss_backward(X, T, Y, weights), self.max_iter, self.max_fun,
            self.tol)

    # ------------------------------------------------------------------ predicting
    def _forward(self, X, check_input=True):
        """Output-layer activations for X (probabilities, or the regression values)."""
        check_is_fitted(self, "module_")
        if check_input:
            X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False,
                              dtype=(np.float64, np.float32))
        dtype = self.module_[0].weight.detach().numpy().dtype
        was_training = self.module_.training
        self.module_.eval()
        units = [m.in_features for m in _network.linear_layers(self.module_)]
        try:
            with no_grad(), blas_threads_for(X.shape[0], units + [self.n_outputs_]):
                z = self.module_(self._tensor(X.astype(dtype, copy=False))).cpu().numpy()
        finally:
            self.module_.train(was_training)
        return _network.output_activation(self.out_activation_, z)

    def _score_fitted(self, X, y, sample_weight):
        y_pred = self._predict(X, check_input=False)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return self._score_function(y, y_pred, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
