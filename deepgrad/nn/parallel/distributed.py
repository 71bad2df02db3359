"""``DistributedDataParallel``: the same model on every rank, each rank on its own batch.

Data parallelism over N ranks (``mpiexec -n N``): every rank holds a full copy of the
model, computes the loss on its own part of the batch and its gradients g_r; before the
optimiser step every rank replaces its gradients by their mean over the ranks,

    g = (g_0 + g_1 + ... + g_{N-1}) / N,

so all copies take the same step and stay identical. With a loss that is a mean over the
batch, N ranks with batch b give the gradient of one process with batch N*b.

How (the design of torch's DDP, built on MPI):
* At construction the parameters and buffers of rank 0 are broadcast, so all copies start
  equal.
* Parameters are grouped into *buckets* of about ``bucket_cap_mb`` megabytes, in reverse
  order of registration (roughly the order in which backward produces their gradients).
  A hook runs when a parameter's gradient is complete; when a whole bucket is complete its
  gradients are copied into one flat buffer and a non-blocking in-place Allreduce is
  started, while backward goes on with the layers below (communication overlaps
  computation). Buckets are started in index order, so every rank issues the same
  collectives in the same order.
* When backward ends, a queued callback starts any bucket not yet started, waits for all of
  them, divides by N and writes the means back into each ``.grad``. Each bucket also carries
  one "used" flag per parameter: a parameter that no rank used keeps ``grad = None``
  (this needs ``find_unused_parameters=True``; without it an unused parameter is an error).
* ``no_sync()`` skips the communication: gradients accumulate locally (gradient
  accumulation), and the next backward outside ``no_sync`` averages the accumulated sums.
* ``broadcast_buffers=True`` copies rank 0's buffers (BatchNorm's running statistics) to
  every rank at the start of each forward.

Communication per step: every parameter's gradient once through Allreduce (about 2 x the
model size in bytes sent and received per rank with a ring algorithm), in
``ceil(size / bucket_cap_mb)`` messages.
"""
import contextlib

import numpy as np

from ...tensor import Tensor
from ..modules.module import Module

_MB = 1024 * 1024


class _Bucket:
    """Parameters whose gradients travel together in one flat buffer (plus used flags)."""

    def __init__(self, index, params):
        self.index, self.params = index, params
        dtype = params[0]._data.dtype
        self.offsets = np.cumsum([0] + [p.numel() for p in params])
        self.flat = np.zeros(int(self.offsets[-1]) + len(params), dtype)
        self.ready = 0
        self.request = None

    def fill(self):
        """Copy the gradients (zeros where a parameter got none) and the used flags."""
        n = len(self.params)
        for i, p in enumerate(self.params):
            part = self.flat[self.offsets[i]:self.offsets[i + 1]]
            if p.grad is None:
                part[...] = 0
                self.flat[-n + i] = 0
            else:
                part[...] = _host(p.grad._data).reshape(-1)
                self.flat[-n + i] = 1

    def write_back(self, world):
        """Store the means in ``.grad`` (in place where possible); unused-everywhere stays None."""
        n = len(self.params)
        self.flat /= world  # the sum over ranks becomes the mean
        for i, p in enumerate(self.params):
            if self.flat[-n + i] == 0:
                continue  # no rank produced a gradient for this parameter
            mean = self.flat[self.offsets[i]:self.offsets[i + 1]].reshape(p._data.shape)
            if p.grad is None:
                p.grad = Tensor._make(_device_array(mean.copy(), p._data), p._device)
            else:
                p.grad._data[...] = _device_array(mean, p.grad._data)
                p.grad._vc[0] += 1
        self.ready, self.request = 0, None


def _host(arr):
    return arr if isinstance(arr, np.ndarray) else arr.get()


def _device_array(host, like):
    if isinstance(like, np.ndarray):
        return host
    from ...backend import device_of_array, move_array  # noqa: PLC0415

    return move_array(host, device_of_array(like))


class DistributedDataParallel(Module):
    """Wrap ``module`` so that backward averages its gradients over all ranks.

    Arguments follow torch.nn.parallel.DistributedDataParallel; ``device_ids`` and
    ``output_device`` are accepted for compatibility (one device per rank), and
    ``gradient_as_bucket_view``/``static_graph``/``check_reduction`` change nothing here.
    ``state_dict()`` keys carry the ``module.`` prefix, as torch's.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 init_sync=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        from ... import distributed as dist  # noqa: PLC0415 - needs mpi4py (deepgrad[mpi])

        self._dist = dist
        self.process_group = dist.process_group.default_group(process_group)
        self.module = module
        self.dim, self.device_ids, self.output_device = dim, device_ids, output_device
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.find_unused_parameters = find_unused_parameters
        self.bucket_cap_mb = 25.0 if bucket_cap_mb is None else float(bucket_cap_mb)
        if self.bucket_cap_mb <= 0:
            raise ValueError(f"bucket_cap_mb must be positive, got {bucket_cap_mb}")
        self.require_backward_grad_sync = True
        self._names = {id(p): name for name, p in module.named_parameters()}
        if init_sync:
            self._broadcast_state()
        self._buckets, self._bucket_of = self._build_buckets()
        self._next_bucket = 0
        self._callback_queued = False
        self._hooks = [p.register_post_accumulate_grad_hook(self._grad_ready)
                       for b in self._buckets for p in b.params]

    # -- set-up ---------------------------------------------------------------------------
    def _broadcast_state(self):
        """Rank 0's parameters and buffers become everyone's."""
        for t in [*self.module.parameters(), *self.module.buffers()]:
            self._dist.broadcast(t, src=0, group=self.process_group)

    def _build_buckets(self):
        """Buckets of trainable parameters, in reverse registration order, one dtype each."""
        cap = self.bucket_cap_mb * _MB
        buckets, current, size = [], [], 0
        for p in reversed([p for p in self.module.parameters() if p.requires_grad]):
            nbytes = p.numel() * p._data.dtype.itemsize
            if current and (size + nbytes > cap or p._data.dtype != current[0]._data.dtype):
                buckets.append(_Bucket(len(buckets), current))
                current, size = [], 0
            current.append(p)
            size += nbytes
        if current:
            buckets.append(_Bucket(len(buckets), current))
        bucket_of = {id(p): b for b in buckets for p in b.params}
        return buckets, bucket_of

    # -- forward ------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self.broadcast_buffers and self.training and self.process_group.size() > 1:
            for b in self.module.buffers():
                self._dist.broadcast(b, src=0, group=self.process_group)
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes inside accumulate gradients locally, without communication."""
        previous, self.require_backward_grad_sync = self.require_backward_grad_sync, False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # -- backward -----------------------------------------------------------------------
    def _grad_ready(self, param):
        """A parameter's gradient is complete: start every bucket that is now full."""
        if not self.require_backward_grad_sync:
            return
        if not self._callback_queued:
            from ...autograd.engine import queue_callback  # noqa: PLC0415

            queue_callback(self._finish_reduction)
            self._callback_queued = True
        bucket = self._bucket_of[id(param)]
        bucket.ready += 1
        while (self._next_bucket < len(self._buckets)
               and self._buckets[self._next_bucket].ready == len(
                   self._buckets[self._next_bucket].params)):
            self._launch(self._buckets[self._next_bucket])

    def _launch(self, bucket):
        bucket.fill()
        MPI = self._dist._mpi.mpi()
        bucket.request = self.process_group.comm.Iallreduce(MPI.IN_PLACE, bucket.flat, op=MPI.SUM)
        self._next_bucket += 1

    def _finish_reduction(self):
        """End of backward: start what is left, wait, and write the means into ``.grad``."""
        try:
            missing = [self._names.get(id(p), "?") for b in self._buckets[self._next_bucket:]
                       for p in b.params if p.grad is None]
            if missing and not self.find_unused_parameters:
                raise RuntimeError(
                    f"DistributedDataParallel: parameters {missing} received no gradient in "
                    f"this backward pass (not used to compute the loss). Pass "
                    f"find_unused_parameters=True, or make every parameter take part.")
            while self._next_bucket < len(self._buckets):
                self._launch(self._buckets[self._next_bucket])
            world = self.process_group.size()
            for bucket in self._buckets:
                bucket.request.Wait()
                bucket.write_back(world)
        finally:
            self._next_bucket, self._callback_queued = 0, False
            for bucket in self._buckets:
                bucket.ready = 0

    def extra_repr(self):
        return f"world_size={self.process_group.size()}, bucket_cap_mb={self.bucket_cap_mb}"
