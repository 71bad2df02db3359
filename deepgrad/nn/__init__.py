"""``deepgrad.nn``: layers, losses, initialisation and regularisation with torch.nn's API.

Use it as ``import deepgrad.nn as nn`` (or ``from deepgrad import nn``); the
stateless functions are in ``deepgrad.nn.functional`` (``import deepgrad.nn.functional as F``).
"""
from .._lazy import lazy_attributes as _lazy_attributes
from .._lazy import star_names as _star_names
from . import functional  # noqa: F401
from .modules import (Flatten, Identity, Module, ModuleDict, ModuleList,  # noqa: F401
                      ParameterDict, ParameterList, Sequential, Unflatten)
from .parameter import Buffer, Parameter  # noqa: F401
from . import init  # noqa: F401
from .modules.activation import (CELU, ELU, GELU, GLU, SELU, Hardsigmoid, Hardswish,  # noqa: F401
                                 Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish, PReLU, ReLU,
                                 ReLU6, RReLU, Sigmoid, SiLU, Softmax, Softmin, Softplus, Softsign,
                                 Tanh, Tanhshrink, Threshold)
from .modules.linear import Bilinear, Linear  # noqa: F401
from .modules.loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss,  # noqa: F401
                           CrossEntropyLoss, FocalLoss, GaussianNLLLoss, HingeEmbeddingLoss,
                           HuberLoss, KLDivLoss, L1Loss, LogCoshLoss, MarginRankingLoss, MSELoss,
                           MultiLabelMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss,
                           NLLLoss, PoissonNLLLoss, QuantileLoss, SmoothL1Loss, SoftMarginLoss,
                           SquaredHingeLoss, TripletMarginLoss)

# --- conv, pooling, upsampling, embedding, dropout, normalization (other helpers)
from .modules.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d  # noqa: F401
from .modules.pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d,  # noqa: F401
                              AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d)
from .modules.upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d  # noqa: F401
from .modules.batchnorm import (BatchNorm1d, BatchNorm2d, BatchNorm3d,  # noqa: F401
                                InstanceNorm1d, InstanceNorm2d, InstanceNorm3d)
from .modules.normalization import GroupNorm, LayerNorm  # noqa: F401
from .modules.dropout import (AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d,  # noqa: F401
                              FeatureAlphaDropout)
from .modules.sparse import Embedding  # noqa: F401

# --- recurrent, maxout (other helper)
from .modules.rnn import (GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase,  # noqa: F401
                          RNNCell, RNNCellBase)
from .modules.maxout import Maxout  # noqa: F401
from .modules.attention import MultiheadAttention  # noqa: F401
from .modules.transformer import (Transformer, TransformerDecoder,  # noqa: F401
                                  TransformerDecoderLayer, TransformerEncoder,
                                  TransformerEncoderLayer)

# --- issue 9: padding layers and small wrappers of one functional each
from .modules.padding import (CircularPad1d, CircularPad2d, CircularPad3d,  # noqa: F401
                              ConstantPad1d, ConstantPad2d, ConstantPad3d, ReflectionPad1d,
                              ReflectionPad2d, ReflectionPad3d, ReplicationPad1d,
                              ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d)
from .modules.layers_more import (ChannelShuffle, CosineSimilarity, Hardshrink,  # noqa: F401
                                  LocalResponseNorm, PairwiseDistance, PixelShuffle,
                                  PixelUnshuffle, RMSNorm, Softmax2d, Softshrink,
                                  TripletMarginWithDistanceLoss)
from .modules.layers_more import NLLLoss2d  # noqa: F401
from .modules.embedding_bag import EmbeddingBag  # noqa: F401
from .modules.unpool import LPPool1d, LPPool2d, MaxUnpool1d, MaxUnpool2d  # noqa: F401


# Loaded on first use (``nn.utils.clip_grad_norm_``, ``from deepgrad.nn import DataParallel``
# work as usual): every module imported at start-up stays resident, and most programs never
# touch these (``bench/bench_memory.py``).
_LAZY_MODULES = ("utils", "parallel", "regularization")
_LAZY_NAMES = {"DataParallel": "parallel"}


__getattr__, __dir__ = _lazy_attributes(__name__, globals(), _LAZY_MODULES, _LAZY_NAMES)
# ``from deepgrad.nn import *`` binds utils, parallel and DataParallel too, as torch.nn's does
__all__ = _star_names(globals(), _LAZY_MODULES, _LAZY_NAMES)
