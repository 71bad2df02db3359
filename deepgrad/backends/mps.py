"""``deepgrad.backends.mps``: Apple's Metal back end, which deepgrad does not have."""


def is_available():
    """Always False: deepgrad runs on NumPy (CPU) or CuPy (CUDA) only."""
    return False


def is_built():
    """Always False: deepgrad has no Metal back end."""
    return False
