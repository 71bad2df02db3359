"""Data preprocessing with scikit-learn's API (fit / transform / inverse_transform,
get_params / set_params, fitted attributes ending in ``_``), on NumPy arrays and deepgrad
tensors alike, plus the classic normalisations of the deep-learning literature."""
from .base import BaseTransformer, NotFittedError, check_is_fitted, clone
from .classic import ArctanScaler, DecimalScaler, LogScaler, MeanNormalizer
from .encoders import LabelEncoder, OneHotEncoder, OrdinalEncoder
from .function import FunctionTransformer
from .imputer import SimpleImputer
from .pca import PCA
from .pipeline import Pipeline
from .polynomial import PolynomialFeatures
from .scalers import Binarizer, MaxAbsScaler, MinMaxScaler, Normalizer, RobustScaler, StandardScaler

__all__ = ["ArctanScaler", "BaseTransformer", "Binarizer", "DecimalScaler", "FunctionTransformer",
           "LabelEncoder", "LogScaler", "MaxAbsScaler", "MeanNormalizer", "MinMaxScaler",
           "Normalizer", "NotFittedError", "OneHotEncoder", "OrdinalEncoder", "PCA", "Pipeline",
           "PolynomialFeatures", "RobustScaler", "SimpleImputer", "StandardScaler",
           "check_is_fitted", "clone"]
