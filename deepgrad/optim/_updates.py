"""How the optimisers run their update rules fast: one compiled pass, or NumPy in cached blocks.

Each optimiser writes its rule twice, side by side in its file:

* as a *kernel*: a function of raw arrays (the parameter, its gradient, its state
  buffers, then scratch buffers lent to it) that updates them in place with NumPy
  ufuncs (``out=``), e.g. Adam's ``m *= beta1`` ... It runs everywhere (CuPy too);
* as a *loop* over the elements doing the same float operations in the same order,
  which ``_fused.py`` compiles with numba when it is installed.

``UpdateRunner.run`` picks the way:

* **The compiled loop** when it can take the arrays (contiguous NumPy float arrays):
  one pass over memory instead of the kernel's ~12, with the same bits.
* **Small arrays** (at most ``SMALL`` elements): the kernel in one call with fresh
  scratch; there per-call overhead, not memory traffic, decides the time.
* **Large contiguous arrays in blocks** of ``CHUNK`` elements: block by block, the
  arrays a kernel touches stay in the core's cache between its passes instead of
  streaming through memory twelve times. An elementwise kernel gives the same bits
  whatever the block boundaries.

Threads of our own were tried and left out: with NumPy's BLAS (OpenBLAS) busy-waiting on
the other cores after the backward pass's matrix products, a second thread made a training
step slower, not faster (``bench/RESULTS.md``). OpenBLAS's own threads do not fight it:
SGD hands its large parameters to NumPy's BLAS ``axpy`` (``_blas.py``) instead.
"""
import numpy as np

# elements per block (256 KiB of float32). 2^15..2^17 ran equally fast (Adam, SGD with and
# without momentum, one thread, MLP 784-512-256-10's parameters); the smaller block keeps
# fewer scratch pages resident (each scratch array is one block)
CHUNK = 1 << 16
SMALL = 4096     # elements; below this a fresh scratch array beats any bookkeeping


class UpdateRunner:
    """Runs in-place update rules for one optimiser; owns its reusable scratch arrays."""

    def __init__(self):
        self._scratch = {}  # (dtype, array type) -> list of flat arrays

    def run(self, kernel, arrays, nbuf, scalars, loop=None):
        """Update ``arrays`` in place with ``loop`` if it can, else with ``kernel``.

        ``arrays``: parameter first, then gradient and state arrays of the same shape
        (entries may be None). ``kernel(*arrays, *nbuf scratch arrays, **scalars)``;
        ``loop``: the same rule as a ``FusedLoop``, or None.
        """
        fused = None if loop is None else loop.kernel(arrays, scalars)
        if fused is not None:  # one compiled pass over flat views, no scratch
            fused(*[a if a is None or a.ndim == 1 else a.reshape(-1) for a in arrays])
            return
        p = arrays[0]
        n = p.size
        if n <= SMALL:
            kernel(*arrays, *[np.empty_like(p) for _ in range(nbuf)], **scalars)
            return
        if (n <= CHUNK or type(p) is not np.ndarray
                or not all(a is None or a.flags.c_contiguous for a in arrays)):
            # one call on the whole arrays (scratch arrays are contiguous whatever p's layout)
            kernel(*arrays, *[b.reshape(p.shape) for b in self._buffers(p, nbuf, n)], **scalars)
            return
        flat = [None if a is None else a.reshape(-1) for a in arrays]
        scratch = self._buffers(p, nbuf, CHUNK)
        for i in range(0, n, CHUNK):
            j = min(n, i + CHUNK)
            kernel(*[None if a is None else a[i:j] for a in flat],
                   *[b[:j - i] for b in scratch], **scalars)

    def _buffers(self, like, count, n):
        """``count`` scratch arrays of ``n`` elements of ``like``'s dtype, reused between steps."""
        if count == 0:
            return []
        key = (like.dtype.str, type(like))
        bufs = self._scratch.get(key)
        if bufs is None or len(bufs) < count or bufs[0].size < n:
            size = max(n, bufs[0].size if bufs else 0)
            bufs = [np.empty_like(like, shape=(size,)) for _ in range(max(count, len(bufs or ())))]
            self._scratch[key] = bufs
        return [b[:n] for b in bufs[:count]]
