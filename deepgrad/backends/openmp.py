"""``deepgrad.backends.openmp``: deepgrad has no OpenMP parallel loops of its own."""


def is_available():
    """False: deepgrad's threads are the BLAS library's, not OpenMP regions of its own."""
    return False
