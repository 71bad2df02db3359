"""``nn.DataParallel`` on one device.

PyTorch's DataParallel splits each batch along ``dim`` over several GPUs, runs a replica of
the module on each and gathers the outputs. deepgrad runs the whole batch on one device:

* without a GPU it wraps the module and calls it, exactly as torch does on a CPU-only
  machine (``device_ids == []``);
* with GPUs it moves the module to ``device_ids[0]``, moves the inputs there, runs the
  module once and moves the output to ``output_device``. Several ``device_ids`` give a
  warning that only the first is used (the result is the same, the speed-up is not).

Either way the wrapped model is ``self.module``, so state_dict keys carry torch's
``module.`` prefix and checkpoints load into torch's DataParallel and back.
Multi-process training (DistributedDataParallel) is a separate, later piece.
"""
import warnings

from ...backend import device as Device
from ...tensor import Tensor
from ..modules.module import Module


def _available_device_ids():
    from ... import cuda  # noqa: PLC0415 - cuda needs only the backend

    return list(range(cuda.device_count())) if cuda.is_available() else []


def _index(dev):
    if isinstance(dev, int):
        return dev
    return Device(dev).index or 0


def _move(obj, dev):
    """Move the tensors in (nested lists, tuples, dicts of) ``obj`` to ``dev``."""
    if isinstance(obj, Tensor):
        return obj.to(dev)
    if isinstance(obj, (list, tuple)):
        moved = [_move(o, dev) for o in obj]
        return type(obj)(*moved) if hasattr(obj, "_fields") else type(obj)(moved)
    if isinstance(obj, dict):
        return type(obj)((k, _move(v, dev)) for k, v in obj.items())
    return obj


class DataParallel(Module):
    """Wrap ``module`` so that a multi-GPU script runs (on one device in deepgrad).

    Args:
        module: the model to run.
        device_ids (list of int or device): GPUs to use (default: all visible ones;
            only the first is used).
        output_device (int or device): where outputs go (default ``device_ids[0]``).
        dim (int): the batch dimension torch would split. Default 0.

    Example::

        model = nn.DataParallel(Net())
        model(x)                       # same as model.module(x)
        model.state_dict().keys()      # 'module.fc.weight', ...
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        available = _available_device_ids()
        if not available:
            self.module = module
            self.device_ids = []
            return
        if device_ids is None:
            device_ids = available
        self.dim = dim
        self.module = module
        self.device_ids = [_index(d) for d in device_ids]
        self.output_device = _index(device_ids[0] if output_device is None else output_device)
        self.src_device_obj = Device(f"cuda:{self.device_ids[0]}")
        if len(self.device_ids) > 1:
            warnings.warn(f"deepgrad's DataParallel runs on one device: using cuda:"
                          f"{self.device_ids[0]} of device_ids={self.device_ids}", UserWarning,
                          stacklevel=2)
        self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError(f"module must have its parameters and buffers on device "
                                   f"{self.src_device_obj} (device_ids[0]) but found one of "
                                   f"them on device: {t.device}")
        out = self.module(*_move(inputs, self.src_device_obj), **_move(kwargs, self.src_device_obj))
        return _move(out, Device(f"cuda:{self.output_device}"))


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """The functional form: run ``module(*inputs, **module_kwargs)`` on ``device_ids[0]``.

    Unlike the DataParallel class, torch's function needs an accelerator: without one it
    raises RuntimeError("device type could not be determined"), and so does deepgrad's.
    """
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    module_kwargs = module_kwargs or {}
    available = _available_device_ids()
    if not available:
        raise RuntimeError("device type could not be determined")
    device_ids = [_index(d) for d in (available if device_ids is None else device_ids)]
    out_dev = Device(f"cuda:{_index(device_ids[0] if output_device is None else output_device)}")
    src = Device(f"cuda:{device_ids[0]}")
    for t in list(module.parameters()) + list(module.buffers()):
        if t.device != src:
            raise RuntimeError(f"module must have its parameters and buffers on device {src} "
                               f"(device_ids[0]) but found one of them on device: {t.device}")
    return _move(module(*_move(inputs, src), **_move(module_kwargs, src)), out_dev)
