"""``BernoulliRBM``: scikit-learn's estimator (same signature and attributes), trained by
deepgrad's :class:`~deepgrad.models.rbm.RBM` with an ``optim.SGD`` step.

scikit-learn is not imported here (only ``__sklearn_tags__`` imports it, when scikit-learn
itself asks), so ``deepgrad.models`` works without it; with it, the estimator works in
Pipelines, ``clone``, grid searches and passes ``check_estimator`` (see the tests for the
checks that feed data outside [0, 1]).

One update on a mini-batch V (N, D), as in scikit-learn (persistent CD, k = 1)::

    h+ = p(h | V)                   v- ~ p(v | h_chain)        h- = p(h | v-)
    W += lr / N (h+^T V - h-^T v-)  c += lr / N sum(h+ - h-)    b += lr / N sum(V - v-)
    h_chain ~ Bernoulli(h-)

which is ``SGD(lr).step()`` on the gradient of the RBM's CD loss. deepgrad's additions:
``k`` (Gibbs steps), ``persistent=False`` (CD-k from the data), ``momentum``,
``weight_decay`` (on the weights only, not the biases) and ``sparsity_target`` /
``sparsity_cost``. With the defaults it is scikit-learn's algorithm; random numbers come
from deepgrad's generator, so runs equal scikit-learn's in distribution, not bit for bit
(the initial weights, drawn from ``RandomState(random_state)``, are the same).

Data: scikit-learn accepts any real values and treats them as probabilities of the
visible units being on, so features scaled to [0, 1] (greyscale intensities) work as
well as binary ones. deepgrad accepts [0, 1] too, and raises a ValueError naming the
range found for data outside it in ``fit``, ``partial_fit``, ``score_samples`` and
``gibbs`` (scale with ``MinMaxScaler`` first); ``check_range=False`` restores
scikit-learn's behaviour (scikit-learn's ``check_estimator`` feeds unscaled data, so it is
run with ``check_range=False``). ``transform`` is a feature map defined for any real input
and accepts it.
"""
import inspect
import time
from numbers import Integral

import numpy as np

from ..autograd import no_grad
from ..optim import SGD
from ..random import Generator
from ..tensor import Tensor
from .rbm import RBM


def check_random_state(seed):
    """A ``numpy.random.RandomState`` from None (NumPy's global one), an int or an instance."""
    if seed is None:
        return np.random.mtrand._rand
    if isinstance(seed, Integral):
        return np.random.RandomState(int(seed))
    if isinstance(seed, np.random.RandomState):
        return seed
    raise ValueError(f"random_state must be None, an int or a numpy RandomState, got {seed!r}")


def _validate_X(est, X, reset, dtypes=(np.float64, np.float32)):
    """X as a 2-d finite float array, with scikit-learn's error messages."""
    if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(f"{type(est).__name__} does not accept sparse input; pass a dense "
                        f"array (X.toarray())")
    names = getattr(X, "columns", None)
    arr = np.asarray(X)
    if np.iscomplexobj(arr):
        raise ValueError("Complex data not supported")
    dtype = arr.dtype if arr.dtype in dtypes else dtypes[0]
    arr = np.asarray(arr, dtype=dtype)     # object arrays of non-numbers fail here
    if arr.ndim != 2:
        raise ValueError(f"Expected 2D array, got {arr.ndim}D array instead: array={arr!r}. "
                         f"Reshape your data using array.reshape(-1, 1) for a single feature "
                         f"or array.reshape(1, -1) for a single sample.")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"Found array with {arr.shape[0]} sample(s) and {arr.shape[1]} "
                         f"feature(s) (shape={arr.shape}) while a minimum of 1 is required.")
    if np.isnan(arr).any():
        raise ValueError("Input X contains NaN.")
    if not np.isfinite(arr).all():
        raise ValueError(f"Input X contains infinity or a value too large for {arr.dtype!r}.")
    if reset:
        est.n_features_in_ = arr.shape[1]
        if names is not None and all(isinstance(n, str) for n in names):
            est.feature_names_in_ = np.asarray(names, dtype=object)
    elif arr.shape[1] != est.n_features_in_:
        raise ValueError(f"X has {arr.shape[1]} features, but {type(est).__name__} is "
                         f"expecting {est.n_features_in_} features as input.")
    return np.ascontiguousarray(arr)


def _check_unit_interval(est, X, where):
    if not est.check_range:
        return
    low, high = float(X.min()), float(X.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(f"BernoulliRBM.{where} needs values in [0, 1] (binary data or "
                         f"probabilities), got values in [{low:g}, {high:g}]; scale the data "
                         f"first (e.g. MinMaxScaler)")


class BernoulliRBM:
    """Bernoulli restricted Boltzmann machine with scikit-learn's API (see the module doc).

    Args (scikit-learn's): n_components (256), learning_rate (0.1), batch_size (10),
        n_iter (10), verbose (0), random_state (None).
    Args (deepgrad's): k (1, Gibbs steps), persistent (True: PCD, False: CD-k),
        momentum (0.0), weight_decay (0.0, L2 on the weights), sparsity_target (None or rho
        in (0, 1)), sparsity_cost (0.0), check_range (True: a ValueError for data outside
        [0, 1]; False: any real values are taken as probabilities, as scikit-learn does).

    Attributes after ``fit``: components_ (H, D), intercept_hidden_ (H,),
    intercept_visible_ (D,), h_samples_ (batch_size, H) (the persistent chain),
    n_features_in_, random_state_ (after ``partial_fit`` or ``gibbs``).
    """

    def __init__(self, n_components=256, *, learning_rate=0.1, batch_size=10, n_iter=10,
                 verbose=0, random_state=None, k=1, persistent=True, momentum=0.0,
                 weight_decay=0.0, sparsity_target=None, sparsity_cost=0.0, check_range=True):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.verbose = verbose
        self.random_state = random_state
        self.k = k
        self.persistent = persistent
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.sparsity_target = sparsity_target
        self.sparsity_cost = sparsity_cost
        self.check_range = check_range

    # --- scikit-learn's estimator protocol ----------------------------------------------
    @classmethod
    def _get_param_names(cls):
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        valid = self._get_param_names()
        for name in params:
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for estimator {type(self).__name__}"
                                 f". Valid parameters are: {valid!r}.")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = inspect.signature(type(self).__init__).parameters
        changed = [f"{n}={v!r}" for n, v in self.get_params().items()
                   if not (isinstance(v, type(defaults[n].default)) and v == defaults[n].default)
                   or (v is None) != (defaults[n].default is None)]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self):
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags  # noqa: PLC0415
        return Tags(estimator_type=None, target_tags=TargetTags(required=False),
                    transformer_tags=TransformerTags(preserves_dtype=["float64", "float32"]),
                    input_tags=InputTags())

    def _check_params(self):
        for name, low in (("n_components", 1), ("batch_size", 1), ("n_iter", 0), ("k", 1)):
            value = getattr(self, name)
            if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
                raise ValueError(f"The 'n_components', 'batch_size', 'k' parameters must be "
                                 f"integers >= 1 and 'n_iter' >= 0; got {name}={value!r}")
        if not (isinstance(self.learning_rate, (int, float)) and self.learning_rate > 0):
            raise ValueError(f"The 'learning_rate' parameter must be a float > 0, got "
                             f"{self.learning_rate!r}")
        if not 0.0 <= self.momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum!r}")
        if not self.weight_decay >= 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay!r}")

    def _check_is_fitted(self):
        if not hasattr(self, "components_"):
            from ..preprocessing.base import NotFittedError  # noqa: PLC0415
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet. Call "
                                 f"'fit' with appropriate arguments before using this estimator.")

    # --- the RBM behind the arrays ------------------------------------------------------
    def _rbm(self, generator=None):
        """An RBM module whose parameters *are* this estimator's arrays (shared memory)."""
        # a private generator for the constructor's (discarded) initial draw, so that
        # transform/score_samples never move deepgrad's default random stream
        rbm = RBM(self.components_.shape[1], self.components_.shape[0], k=self.k,
                  persistent=self.persistent, sparsity_target=self.sparsity_target,
                  sparsity_cost=self.sparsity_cost, generator=Generator().manual_seed(0))
        rbm.generator = generator
        from ..nn import Parameter   # noqa: PLC0415
        rbm.weight = Parameter(Tensor._make(self.components_))
        rbm.hidden_bias = Parameter(Tensor._make(self.intercept_hidden_))
        rbm.visible_bias = Parameter(Tensor._make(self.intercept_visible_))
        rbm.chain = Tensor._make(self.h_samples_.copy())
        return rbm

    def _initialise(self, n_features, dtype, rng):
        self.components_ = np.ascontiguousarray(
            rng.normal(0, 0.01, (self.n_components, n_features)), dtype=dtype)
        self.intercept_hidden_ = np.zeros(self.n_components, dtype=dtype)
        self.intercept_visible_ = np.zeros(n_features, dtype=dtype)
        self.h_samples_ = np.zeros((self.batch_size, self.n_components), dtype=dtype)
        self._optimizer_state = None

    def _train(self, X, rng, epochs):
        generator = Generator().manual_seed(int(rng.randint(np.iinfo(np.int32).max)))
        rbm = self._rbm(generator)
        groups = [{"params": [rbm.weight], "weight_decay": float(self.weight_decay)},
                  {"params": [rbm.hidden_bias, rbm.visible_bias], "weight_decay": 0.0}]
        optimizer = SGD(groups, lr=float(self.learning_rate), momentum=float(self.momentum))
        if self._optimizer_state is not None:
            optimizer.load_state_dict(self._optimizer_state)
        n = X.shape[0]
        starts = range(0, n, self.batch_size)
        begin = time.time()
        for iteration in range(1, epochs + 1):
            for start in starts:
                optimizer.zero_grad()
                rbm.loss(Tensor._make(X[start:start + self.batch_size]))["loss"].backward()
                optimizer.step()
            if self.verbose:
                end = time.time()
                self.h_samples_ = rbm.chain.numpy().copy()
                print(f"[{type(self).__name__}] Iteration {iteration}, pseudo-likelihood = "
                      f"{self.score_samples(X).mean():.2f}, time = {end - begin:.2f}s")
                begin = end
        self.h_samples_ = np.ascontiguousarray(rbm.chain.numpy(), dtype=X.dtype)
        if self.momentum:
            self._optimizer_state = optimizer.state_dict()

    # --- scikit-learn's methods ---------------------------------------------------------
    def fit(self, X, y=None):
        """Fit by ``n_iter`` sweeps of mini-batch updates over X (in order, no shuffling)."""
        self._check_params()
        X = _validate_X(self, X, reset=True)
        _check_unit_interval(self, X, "fit")
        rng = check_random_state(self.random_state)
        self._initialise(X.shape[1], X.dtype, rng)
        self._train(X, rng, self.n_iter)
        return self

    def partial_fit(self, X, y=None):
        """One pass of updates over X, initialising on the first call."""
        self._check_params()
        first = not hasattr(self, "components_")
        X = _validate_X(self, X, reset=first, dtypes=(np.float64,))
        _check_unit_interval(self, X, "partial_fit")
        if not hasattr(self, "random_state_"):
            self.random_state_ = check_random_state(self.random_state)
        if first:
            self._initialise(X.shape[1], np.float64, self.random_state_)
        self._train(X, self.random_state_, 1)
        return self

    def transform(self, X):
        """Hidden probabilities p(h = 1 | X), shape (n_samples, n_components)."""
        self._check_is_fitted()
        X = _validate_X(self, X, reset=False)
        with no_grad():
            return self._rbm().mean_hiddens(Tensor._make(X.astype(self.components_.dtype,
                                                                  copy=False))).numpy()

    def fit_transform(self, X, y=None):
        return self.fit(X, y).transform(X)

    def _free_energy(self, v):
        with no_grad():
            return self._rbm().free_energy(Tensor._make(v)).numpy()

    def score_samples(self, X):
        """Pseudo-log-likelihood per sample (random: one feature of each sample is flipped).

        D * log sigmoid(F(v~) - F(v)), where v~ is v with one random feature i flipped: an
        estimate of sum_i log p(v_i | v_-i). The flipped features come from
        ``RandomState(random_state)`` afresh on every call, as in scikit-learn.
        """
        self._check_is_fitted()
        v = _validate_X(self, X, reset=False).astype(self.components_.dtype, copy=False)
        _check_unit_interval(self, v, "score_samples")
        rng = check_random_state(self.random_state)
        rows, cols = np.arange(v.shape[0]), rng.randint(0, v.shape[1], v.shape[0])
        flipped = v.copy()
        flipped[rows, cols] = 1 - flipped[rows, cols]
        gap = self._free_energy(flipped) - self._free_energy(v)
        return -v.shape[1] * np.logaddexp(0, -gap)

    def score(self, X, y=None):
        """Mean pseudo-log-likelihood (higher is better), for grid searches."""
        return float(np.mean(self.score_samples(X)))

    def gibbs(self, v):
        """One Gibbs step v -> h -> v; returns the new (binary) visible sample."""
        self._check_is_fitted()
        v = _validate_X(self, v, reset=False).astype(self.components_.dtype, copy=False)
        _check_unit_interval(self, v, "gibbs")
        if not hasattr(self, "random_state_"):
            self.random_state_ = check_random_state(self.random_state)
        seed = int(self.random_state_.randint(np.iinfo(np.int32).max))
        rbm = self._rbm(Generator().manual_seed(seed))
        return rbm.gibbs(Tensor._make(v)).numpy().astype(bool)

    def get_feature_names_out(self, input_features=None):
        self._check_is_fitted()
        name = type(self).__name__.lower()
        return np.asarray([f"{name}{i}" for i in range(self.components_.shape[0])],
                          dtype=object)
