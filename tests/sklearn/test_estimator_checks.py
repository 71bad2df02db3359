"""scikit-learn's own estimator checks on the estimators as users construct them.

Oracle: sklearn.utils.estimator_checks (the conformance suite every scikit-learn estimator
passes). Every check passes with default parameters; none is marked as an expected failure.
The MLPs run their default 200 epochs here, so this file takes a minute or two.
"""
from sklearn.utils.estimator_checks import parametrize_with_checks

from deepgrad.sklearn import (MLPClassifier, MLPModule, MLPRegressor, NeuralNetClassifier,
                              NeuralNetRegressor)

ESTIMATORS = [MLPClassifier(), MLPRegressor(), NeuralNetClassifier(MLPModule),
              NeuralNetRegressor(MLPModule)]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda est: {})
def test_sklearn_compatible(estimator, check):
    check(estimator)
