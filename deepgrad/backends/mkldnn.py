"""``deepgrad.backends.mkldnn``: deepgrad does not call oneDNN (its CPU kernels are NumPy's)."""
enabled = True


def is_available():
    """False: no oneDNN kernels in deepgrad (NumPy's BLAS does the matrix work)."""
    return False
