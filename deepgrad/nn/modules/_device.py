"""Moving and casting a Module's parameters and buffers: ``to``, ``float``, ``double``, ``cuda``.

The values are replaced *in place* inside the existing Parameter objects, so an
optimiser created before ``model.to(...)`` still holds the right tensors.
"""
from ... import dtypes
from ...autograd import grad_mode
from ...tensor import parse_to_args


class DeviceMixin:
    """The device/dtype methods of Module (kept apart to keep module.py short)."""

    # --- devices and dtypes ----------------------------------------------------------
    def _apply(self, fn):
        """Replace the values of every parameter/buffer (and grad) by ``fn(tensor)``, in place,
        so that Parameter objects (held by optimisers) keep their identity."""
        for m in self.modules():
            for table in (m._parameters, m._buffers):
                for t in table.values():
                    if t is None:
                        continue
                    with grad_mode.no_grad():
                        new = fn(t)
                        if t.grad is not None:
                            g = fn(t.grad)
                            t.grad._data, t.grad._device = g._data, g._device
                    if new._data is not t._data:
                        t._data, t._device = new._data, new._device
                        t._vc[0] += 1
        return self

    def to(self, *args, **kwargs):
        """Move and/or cast parameters and buffers: ``to(device)``, ``to(dtype)``,
        ``to(device, dtype)`` or ``to(tensor)``. Only floating values change dtype."""
        dt, dev = parse_to_args(args, kwargs.get("dtype"), kwargs.get("device"))
        if dt is not None:
            dt = dtypes.from_numpy_dtype(dtypes.to_numpy_dtype(dt))
            if not dt.is_floating_point:
                raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got "
                                f"desired dtype={dt}")

        fmt = kwargs.get("memory_format")  # torch: only 4-D (5-D) values change format

        def convert(t):
            keep = fmt is None or t.dim() not in (4, 5)
            return t.to(device=dev, dtype=dt if t.is_floating_point() else None,
                        memory_format=None if keep else fmt)
        return self._apply(convert)

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def type(self, dst_type):
        return self.to(dst_type)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{device}")

    def share_memory(self):
        return self
