"""Random number generation: ``manual_seed`` and ``Generator``.

deepgrad draws every random number from a NumPy ``Generator`` (PCG64). A
``deepgrad.Generator`` wraps one so that it can be passed to creation
functions, initialisers, dropout and DataLoader, as in PyTorch. Numbers are
drawn on the CPU and moved to the tensor's device, so a seed gives the same
values on every device.
"""
import numpy as np


class Generator:
    """A seedable source of random numbers (PyTorch's ``torch.Generator``).

    Example::

        g = deepgrad.Generator().manual_seed(0)
        x = deepgrad.randn(3, generator=g)
    """

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.np = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            raise ValueError(f"seed must be non-negative, got {seed}")
        self._seed = seed
        self.np = np.random.default_rng(seed)
        return self

    def seed(self):
        """Reseed from fresh entropy and return the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63)))
        return self._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return self.np.bit_generator.state

    def set_state(self, state):
        self.np.bit_generator.state = state
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed deepgrad's default generator (and NumPy's legacy global one, used by some helpers).

    CuPy's generators are seeded too when CuPy is in use (``deepgrad.cuda.manual_seed_all``).
    """
    np.random.seed(int(seed) % (2 ** 32))
    gen = default_generator.manual_seed(seed)
    from .cuda.random import manual_seed_all  # noqa: PLC0415 - cuda imports random lazily too

    manual_seed_all(seed)
    return gen


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def numpy_generator(generator=None):
    """The NumPy Generator behind ``generator`` (or the default one)."""
    return (generator or default_generator).np
