"""Datasets: MNIST-1D, synthetic sets, MNIST / Fashion-MNIST / CIFAR-10, and transforms.

Everything is offline first: MNIST-1D is generated locally (and cached), the synthetic sets
are functions, and the image sets read their original files from ``root`` (default
``~/.cache/deepgrad``), downloading them only when asked (``download=True``).
"""
from . import transforms
from ._files import cache_dir
from .images import CIFAR10, MNIST, FashionMNIST, read_cifar_batch, read_idx
from .mnist1d import MNIST1D, load_mnist1d, make_mnist1d
from .synthetic import (make_blobs, make_circles, make_moons, make_polynomial, make_sine,
                        make_spirals, make_xor)

__all__ = ["CIFAR10", "MNIST", "MNIST1D", "FashionMNIST", "cache_dir", "load_mnist1d",
           "make_blobs", "make_circles", "make_mnist1d", "make_moons", "make_polynomial",
           "make_sine", "make_spirals", "make_xor", "read_cifar_batch", "read_idx", "transforms"]
