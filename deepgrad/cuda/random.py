"""Seeding the GPU's random numbers (``torch.cuda.manual_seed``).

deepgrad draws its random numbers on the CPU from ``deepgrad``'s default generator and
moves them to the tensor's device, so ``deepgrad.manual_seed`` alone makes GPU runs
reproducible. These functions additionally seed CuPy's own generator (which code that
calls ``cupy.random`` directly uses) when CuPy has been loaded; without it they do
nothing, as ``torch.cuda.manual_seed`` does on a machine without a GPU.
"""
from .. import backend

_cuda_seed = [None]


def manual_seed(seed):
    """Seed CuPy's generator with ``seed`` (a no-op until CuPy is in use)."""
    seed = int(seed)
    _cuda_seed[0] = seed
    if backend._cupy is not None and backend.cuda_is_available():
        backend._cupy.random.seed(seed % (2 ** 32))


def manual_seed_all(seed):
    """Seed every GPU: CuPy's generator is per device, seeded on each in turn."""
    seed = int(seed)
    _cuda_seed[0] = seed
    if backend._cupy is None or not backend.cuda_is_available():
        return
    cp = backend._cupy
    current = cp.cuda.runtime.getDevice()
    try:
        for index in range(cp.cuda.runtime.getDeviceCount()):
            cp.cuda.Device(index).use()
            cp.random.seed(seed % (2 ** 32))
    finally:
        cp.cuda.Device(current).use()


def seed():
    """Seed the GPU generator from fresh entropy (a no-op until CuPy is in use)."""
    import numpy as np  # noqa: PLC0415 - only for the entropy

    manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63)))


def seed_all():
    import numpy as np  # noqa: PLC0415

    manual_seed_all(int(np.random.SeedSequence().entropy % (2 ** 63)))


def initial_seed():
    """The last seed given to the GPU generator (deepgrad's default seed if none was)."""
    if _cuda_seed[0] is not None:
        return _cuda_seed[0]
    from ..random import initial_seed as cpu_seed  # noqa: PLC0415

    return cpu_seed()
