"""deepgrad.models: the model families built from deepgrad's layers, each in its own file
with its maths and paper in the docstrings.

One API across families: ``model.loss(batch) -> dict`` of named 0-d terms with the total
under "loss"; ``encode``/``decode``/``reconstruct``/``sample`` where they mean something;
hyperparameters in ``__init__`` and ``extra_repr``. ``Objective(model)`` lets
``deepgrad.train.Trainer`` minimise ``model.loss``; ``get(name, **kw)`` builds by name.
"""
from .autoencoder import (Autoencoder, DenoisingAutoencoder, TiedLinear, conv_encoder_decoder,
                          corrupt, mlp_encoder_decoder)
from .base import Objective
from .classic import MLP, CharRNN, LeNet5, SimpleCNN
from .conditional_generator import ConditionalConvGenerator1d
from .dbn import DBN, fit_rbm
from .dcgan import DCGANDiscriminator, DCGANGenerator, dcgan_init_
from .gan import ACGAN, GAN, WGAN, WGANGP, ConditionalGAN, gradient_penalty
from .gan_trainer import GANOptimizers, GANTrainer
from .rbm import RBM, GaussianBernoulliRBM
from .rbm_estimator import BernoulliRBM
from .rbm_partition import ais_log_partition, exact_log_partition
from .registry import REGISTRY, get, names
from .sparse_autoencoder import (ContractiveAutoencoder, SparseAutoencoder,
                                 jacobian_penalty_double_backward, jacobian_penalty_sigmoid,
                                 kl_sparsity)
from .sparse_coding import (DictionaryLearning, SparseCoder, lasso_objective, sparse_encode,
                            update_dictionary)
from .stacked_autoencoder import StackedAutoencoder
from .vae import VAE, ConditionalVAE, gaussian_kl

__all__ = [
    "ACGAN", "Autoencoder", "BernoulliRBM", "CharRNN", "ConditionalConvGenerator1d",
    "ConditionalGAN", "ConditionalVAE",
    "ContractiveAutoencoder", "DBN", "DCGANDiscriminator", "DCGANGenerator",
    "DenoisingAutoencoder", "DictionaryLearning", "GAN", "GANOptimizers", "GANTrainer",
    "GaussianBernoulliRBM", "LeNet5", "MLP", "Objective", "RBM", "REGISTRY", "SimpleCNN",
    "SparseAutoencoder", "SparseCoder", "StackedAutoencoder", "TiedLinear", "VAE", "WGAN",
    "WGANGP", "ais_log_partition", "conv_encoder_decoder", "corrupt", "dcgan_init_",
    "exact_log_partition", "fit_rbm", "gaussian_kl", "get", "gradient_penalty",
    "jacobian_penalty_double_backward", "jacobian_penalty_sigmoid", "kl_sparsity",
    "lasso_objective", "mlp_encoder_decoder", "names", "sparse_encode", "update_dictionary",
]
