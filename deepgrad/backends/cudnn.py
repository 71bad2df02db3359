"""``deepgrad.backends.cudnn``: torch's cuDNN switches, kept as plain module flags.

deepgrad's GPU kernels are CuPy array code (convolution is im2col + GEMM), not cuDNN
calls, so the flags change nothing: ``benchmark`` has no algorithms to choose among and
the kernels give the same result on every run whatever ``deterministic`` says. They
exist, with torch's defaults, so that scripts which set them run unchanged.
``is_available()`` tells the truth: whether CuPy can load cuDNN on a visible GPU.
"""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    """True when CuPy sees a GPU and its cuDNN binding loads."""
    from ..backend import cuda_is_available  # noqa: PLC0415

    if not cuda_is_available():
        return False
    try:
        import cupy.cuda.cudnn  # noqa: F401,PLC0415 - optional, probes the library
    except Exception:  # noqa: BLE001 - any failure means no usable cuDNN
        return False
    return True


def version():
    """cuDNN's version number (e.g. 90100), or None when it is not available."""
    if not is_available():
        return None
    import cupy.cuda.cudnn as cudnn  # noqa: PLC0415

    return int(cudnn.getVersion())
