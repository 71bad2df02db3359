"""``set_num_threads`` / ``get_num_threads``: how many threads deepgrad's maths may use.

deepgrad's multi-threaded work is NumPy's BLAS (matrix products, convolutions as
GEMMs) and, with deepgrad[fast], the compiled convolution, pooling and ReLU loops, which
read the recorded count (``nn/functional/_fast_kernels.num_threads``). When
``threadpoolctl`` is installed (scikit-learn brings it) ``set_num_threads``
limits the BLAS pools for real and ``get_num_threads`` reads them back; without it the
value is only recorded, and ``get_num_threads`` returns it (or the CPU count before
any call), so scripts that set and print it run unchanged.
"""
import os

_requested = {"intra": None, "interop": None}
_limiter = []


def _threadpoolctl():
    try:
        import threadpoolctl  # noqa: PLC0415 - optional
    except ImportError:
        return None
    return threadpoolctl


def set_num_threads(num):
    """Use at most ``num`` threads for BLAS work (``num`` a positive int)."""
    if isinstance(num, bool) or not isinstance(num, int) or num <= 0:
        raise RuntimeError(f"set_num_threads expects a positive integer, but got {num!r}")
    _requested["intra"] = num
    tpc = _threadpoolctl()
    if tpc is not None:
        _limiter[:] = [tpc.threadpool_limits(limits=num, user_api="blas")]


def get_num_threads():
    """The BLAS thread count (threadpoolctl's reading, else the recorded or CPU count)."""
    tpc = _threadpoolctl()
    if tpc is not None:
        counts = [pool["num_threads"] for pool in tpc.threadpool_info()
                  if pool.get("user_api") == "blas"]
        if counts:
            return max(counts)
    return _requested["intra"] or os.cpu_count() or 1


def set_num_interop_threads(num):
    """Recorded only: deepgrad runs independent ops one after another, on one thread."""
    if isinstance(num, bool) or not isinstance(num, int) or num <= 0:
        raise RuntimeError(f"set_num_interop_threads expects a positive integer, but got {num!r}")
    _requested["interop"] = num


def get_num_interop_threads():
    return _requested["interop"] or 1
