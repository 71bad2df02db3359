"""``deepgrad.nn.functional``: the stateless functions behind the layers (``F.relu``,
``F.cross_entropy``, ``F.linear``, ...), with PyTorch's names and arguments."""
from .padding import pad  # noqa: F401 - all four modes; constant is ops.shape.pad
from .activation import (celu, elu, gelu, glu, hardshrink, hardsigmoid, hardswish,  # noqa: F401
                         hardtanh, leaky_relu, log_softmax, logsigmoid, mish, prelu, relu,
                         relu6, rrelu, selu, sigmoid, silu, softmax, softmin, softplus,
                         softshrink, softsign, tanh, tanhshrink, threshold)
from .linear import bilinear, linear  # noqa: F401
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits,  # noqa: F401
                   cross_entropy, huber_loss, kl_div, l1_loss, mse_loss, nll_loss,
                   smooth_l1_loss)
from ._loss_margin import (cosine_embedding_loss, focal_loss, gaussian_nll_loss,  # noqa: F401
                           hinge_embedding_loss, log_cosh_loss, margin_ranking_loss,
                           multi_margin_loss, multilabel_margin_loss,
                           multilabel_soft_margin_loss, poisson_nll_loss,
                           quantile_loss, soft_margin_loss, squared_hinge_loss,
                           triplet_margin_loss)
from .distance import cosine_similarity, normalize, one_hot, pairwise_distance  # noqa: F401

# --- conv, pooling, upsampling, embedding, dropout, normalization (other helpers)
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from .pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,  # noqa: F401
                      adaptive_max_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d)
from .upsampling import interpolate, upsample, upsample_bilinear, upsample_nearest  # noqa: F401
from .normalization import batch_norm, group_norm, instance_norm, layer_norm  # noqa: F401
from .dropout import (alpha_dropout, dropout, dropout1d, dropout2d, dropout3d,  # noqa: F401
                      feature_alpha_dropout)
from .embedding import embedding  # noqa: F401
from .attention import scaled_dot_product_attention  # noqa: F401
from .multi_head_attention import multi_head_attention_forward  # noqa: F401

# --- recurrent, maxout (other helper)

# --- issue 9: in-place activations, shuffles, RMS/LRN norms, gumbel softmax, pdist
from .activation_inplace import (celu_, elu_, hardtanh_, leaky_relu_, relu_, rrelu_,  # noqa: F401
                                 selu_, threshold_)
from .pixel_shuffle import (channel_shuffle, native_channel_shuffle, pixel_shuffle,  # noqa: F401
                            pixel_unshuffle)
from .norms_more import local_response_norm, rms_norm  # noqa: F401
from .sampling_more import gumbel_softmax, pdist, triplet_margin_with_distance_loss  # noqa: F401
from .embedding_bag import embedding_bag  # noqa: F401
from .unpool import lp_pool1d, lp_pool2d, max_unpool1d, max_unpool2d  # noqa: F401
