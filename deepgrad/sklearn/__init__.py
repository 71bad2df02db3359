"""scikit-learn estimators backed by deepgrad networks (the optional ``sklearn`` extra).

* :class:`MLPClassifier`, :class:`MLPRegressor`: scikit-learn's multi-layer perceptrons
  (same signature, attributes and training steps), trained with deepgrad, plus ``dropout``,
  ``batch_norm``, ``optimizer`` and ``device``.
* :class:`NeuralNetClassifier`, :class:`NeuralNetRegressor`: any ``nn.Module`` as an
  estimator (skorch's idea): ``module``, ``criterion`` and ``optimizer`` with their own
  arguments routed as ``module__*``, ``criterion__*``, ``optimizer__*`` parameters.
* :class:`MLPModule`: a small MLP module whose sizes the NeuralNet estimators fill from the data.

All of them work with Pipeline, GridSearchCV, clone and pickle.
"""
try:
    import sklearn  # noqa: F401
except ImportError as error:   # pragma: no cover - exercised by the test with sklearn hidden
    raise ImportError("deepgrad.sklearn needs scikit-learn: pip install deepgrad[sklearn]") \
        from error

from .mlp import MLPClassifier, MLPRegressor
from .modules import MLPModule
from .neural_net import NeuralNet, NeuralNetClassifier, NeuralNetRegressor

__all__ = ["MLPClassifier", "MLPModule", "MLPRegressor", "NeuralNet", "NeuralNetClassifier",
           "NeuralNetRegressor"]
