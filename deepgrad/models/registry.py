"""``models.get(name, **kwargs)``: build a model from its registered name (used by the CLI).

The table maps a lowercase name to the class or builder that takes the keyword arguments;
``names()`` lists them. Autoencoder names build MLP autoencoders (``Autoencoder.mlp``:
``sizes=[input, ..., code]`` plus the family's hyperparameters).

Example::

    from deepgrad import models
    models.names()                                   # ['autoencoder', 'char_rnn', ...]
    net = models.get("lenet5", activation="relu")
    sae = models.get("sparse_autoencoder", sizes=[40, 16], activation="sigmoid", rho=0.1)
"""
from .autoencoder import Autoencoder, DenoisingAutoencoder
from .classic import MLP, CharRNN, LeNet5, SimpleCNN
from .dbn import DBN
from .dcgan import DCGANDiscriminator, DCGANGenerator
from .gan import ACGAN, GAN, WGAN, WGANGP, ConditionalGAN
from .rbm import RBM, GaussianBernoulliRBM
from .rbm_estimator import BernoulliRBM
from .sparse_autoencoder import ContractiveAutoencoder, SparseAutoencoder
from .sparse_coding import DictionaryLearning, SparseCoder
from .stacked_autoencoder import StackedAutoencoder
from .vae import VAE, ConditionalVAE

REGISTRY = {
    "autoencoder": Autoencoder.mlp,
    "conv_autoencoder": Autoencoder.conv,
    "denoising_autoencoder": DenoisingAutoencoder.mlp,
    "sparse_autoencoder": SparseAutoencoder.mlp,
    "contractive_autoencoder": ContractiveAutoencoder.mlp,
    "stacked_autoencoder": StackedAutoencoder,
    "vae": VAE,
    "conditional_vae": ConditionalVAE,
    "dictionary_learning": DictionaryLearning,
    "sparse_coder": SparseCoder,
    "lenet5": LeNet5,
    "mlp": MLP,
    "simple_cnn": SimpleCNN,
    "char_rnn": CharRNN,
    "rbm": RBM,
    "gaussian_bernoulli_rbm": GaussianBernoulliRBM,
    "bernoulli_rbm": BernoulliRBM,
    "dbn": DBN,
    "gan": GAN,
    "conditional_gan": ConditionalGAN,
    "acgan": ACGAN,
    "wgan": WGAN,
    "wgan_gp": WGANGP,
    "dcgan_generator": DCGANGenerator,
    "dcgan_discriminator": DCGANDiscriminator,
}


def names():
    """The registered model names, sorted."""
    return sorted(REGISTRY)


def get(name, **kwargs):
    """A new model built by the factory registered under ``name`` (case-insensitive)."""
    key = str(name).lower().replace("-", "_")
    if key not in REGISTRY:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(names())}")
    return REGISTRY[key](**kwargs)
