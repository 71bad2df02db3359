"""``Trainer``: the training loop written once, with Keras's ``fit`` semantics.

One optimizer step, for a group of ``accumulate = k`` micro-batches of sizes n_1..n_k
(N = n_1 + ... + n_k)::

    optimizer.zero_grad()
    for each micro-batch i:  loss_i = loss_fn(model(x_i), y_i)          # mean over n_i
                             (loss_i * n_i / N).backward()              # grads add up
    clip_grad_norm_(params, grad_clip)                                   # when grad_clip
    optimizer.step()

so, for a loss that averages over the batch, the gradient is exactly the gradient of the
mean loss over the N samples: k accumulated micro-batches equal one big batch. With k = 1
the loss is not rescaled at all, and the Trainer computes what the usual hand-written loop
computes, bit for bit.

The epoch's ``loss`` is the mean of the batch losses weighted by batch size (Keras 3), i.e.
the mean loss over the epoch's samples as the weights moved; metrics are streamed over the
same predictions. Validation runs in eval mode under ``no_grad``.

Under ``mpiexec -n N`` with a process group (``distributed=``), the same loop runs on every
rank over its share of the data, through DistributedDataParallel; logs are combined over
the ranks and only rank 0 prints and writes files (``deepgrad.train.distributed``).
"""
from itertools import islice

from ..nn.utils import clip_grad_norm_
from ..optim.lr_scheduler import ReduceLROnPlateau
from ..ops.shape import cat
from ..random import Generator, manual_seed
from ..utils.data import DataLoader, DistributedSampler, RandomSampler
from . import distributed as dist_mod
from . import resume
from .callbacks.base import Callback, CallbackList
from .checks import check_arguments, dry_run
from .data import (as_loader, batch_size_of, move, split_validation, steps_per_epoch,
                   unpack_batch)
from .history import History
from .metrics import get_metric, to_numpy
from .modes import evaluating
from .progress import Progress


class Trainer:
    """Train, evaluate and predict with a model, an optimizer and a loss.

    Args:
        model (nn.Module), optimizer (optim.Optimizer), loss_fn (e.g. nn.CrossEntropyLoss()):
            the loss must average over the batch (reduction="mean") for ``accumulate``.
        metrics: names ("accuracy", "top5", "mae", "mse", "rmse", "r2", "f1", "precision",
            "recall"), callables ``fn(y_true, y_pred)`` or ``metrics.Metric`` objects.
        callbacks: ``callbacks.Callback`` objects, called in order.
        device: move the model and every batch there (e.g. "cuda"); None leaves them.
        grad_clip (float): clip the total gradient norm to this (``clip_grad_norm_``).
        progress: True (tqdm bar on a terminal, else a line per epoch), False (a line per
            epoch) or None (silent).
        accumulate (int): micro-batches per optimizer step (gradient accumulation).
        seed (int): seeds deepgrad's default generator now, and the shuffling of the loaders
            the Trainer builds; the same seed gives the same History bit for bit.
        run_dir (str): write metrics.csv, config.json, the best checkpoint, curves and a
            report.html there (see ``deepgrad.train.run_folder``).
        scheduler: an ``optim.lr_scheduler`` stepped once per epoch (``ReduceLROnPlateau``
            gets ``val_loss``, or ``loss`` without validation); saved in checkpoints.
        batch_size (int): batch size for data given as arrays or a Dataset. Default 32.
            Per rank when distributed: N ranks x b samples make one step.
        distributed ("auto" | True | False): data-parallel training over the ranks of
            ``mpiexec -n N`` (see ``deepgrad.train.distributed``). "auto" (default): when
            ``deepgrad.distributed.init_process_group`` has been called and the group has
            more than one rank; True: also call ``init_process_group("mpi")`` if nobody
            has; False: never (every process trains alone). In one process nothing changes.

    Attributes: ``history`` (History), ``epoch`` (epochs completed), ``stop_training``,
    ``global_step`` (optimizer steps taken), ``rank`` and ``world_size`` (0 and 1 in one
    process), ``is_global_zero`` (True on the rank that prints and writes files).
    """

    def __init__(self, model, optimizer, loss_fn, metrics=(), callbacks=(), device=None,
                 grad_clip=None, progress=True, accumulate=1, seed=None, run_dir=None,
                 scheduler=None, batch_size=32, distributed="auto"):
        check_arguments(model, optimizer, loss_fn, accumulate, grad_clip, batch_size)
        from ..nn.modules.loss import BCEWithLogitsLoss, CrossEntropyLoss
        kind = {"logits": isinstance(loss_fn, BCEWithLogitsLoss),
                "categorical": isinstance(loss_fn, CrossEntropyLoss)}
        if isinstance(metrics, (str, bytes)) or callable(metrics):
            metrics = [metrics]
        built = [get_metric(m, **kind) for m in metrics]
        names = [m.name for m in built]
        clashes = sorted({n for n in names if names.count(n) > 1 or n in ("loss", "lr")})
        if clashes:
            raise ValueError(f"metric names must be unique and not 'loss' or 'lr': {clashes}")
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be deepgrad.train.callbacks.Callback objects, "
                                f"got {type(cb).__name__}")
        if scheduler is not None and not hasattr(scheduler, "step"):
            raise TypeError(f"scheduler must be an optim.lr_scheduler, got "
                            f"{type(scheduler).__name__}")
        self._progress = Progress(progress)
        group = dist_mod.resolve(distributed)   # may join the process group (True)
        self._ranks = dist_mod.Ranks(group) if group is not None else None
        if self._ranks is not None:
            dist_mod.check_metrics(built)
        self.rank = self._ranks.rank if self._ranks else 0
        self.world_size = self._ranks.size if self._ranks else 1
        self.is_global_zero = self.rank == 0
        if not self.is_global_zero:
            self._progress = Progress(None)     # only rank 0 prints
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.metrics, self.callbacks = built, list(callbacks)
        self.device, self.grad_clip, self.accumulate = device, grad_clip, accumulate
        self.seed, self.run_dir = seed, run_dir
        self.scheduler, self.batch_size = scheduler, batch_size
        if run_dir is not None:
            from .run_folder import RunFolder
            self.callbacks.append(RunFolder(run_dir))
        self.generator = Generator().manual_seed(seed) if seed is not None else None
        if seed is not None:
            manual_seed(seed)
        if device is not None:
            model.to(device)
        self._ddp = self._wrap(model) if self._ranks is not None else None
        self.history = History()
        self.epoch, self.global_step, self.stop_training = 0, 0, False
        self.train_loader, self.fit_params = None, {}
        self._pending_loader_rng = None
        self._fitting = False

    def _wrap(self, model):
        """The DDP module used for the training forward (rank 0's weights broadcast now).

        ``self.model`` stays the plain module (checkpoints as in one process). Gradient
        averaging is switched on only inside the training loop, so a backward outside
        ``fit`` stays local."""
        from ..nn.parallel.distributed import DistributedDataParallel  # noqa: PLC0415
        ddp = model if isinstance(model, DistributedDataParallel) else \
            DistributedDataParallel(model, process_group=self._ranks.group)
        ddp.require_backward_grad_sync = False
        return ddp

    # --- public API ---------------------------------------------------------------------
    def fit(self, train, epochs=1, val=None, val_split=None, initial_epoch=0, batch_size=None,
            shuffle=True):
        """Train for epochs ``initial_epoch .. epochs - 1`` (Keras: ``epochs`` is the index
        to reach, not a count). Returns ``self.history``: a new History when
        ``initial_epoch == 0``, the existing one extended otherwise (a resumed run's History
        holds every epoch).

        ``train``/``val``: a DataLoader, a Dataset or a tuple (X, y); ``val_split`` holds out
        the last fraction of ``train`` instead of ``val``. ``shuffle`` applies to loaders
        the Trainer builds.

        After each epoch: validation, the History row (with the epoch's ``lr``), the
        scheduler's step, then the ``on_epoch_end`` callbacks, so that a checkpoint written
        by a callback already holds the stepped scheduler.
        """
        if not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
        if not isinstance(initial_epoch, int) or not 0 <= initial_epoch <= epochs:
            raise ValueError(f"initial_epoch must be an integer in [0, epochs={epochs}], got "
                             f"{initial_epoch!r}")
        if val is not None and val_split is not None:
            raise ValueError("pass either val= or val_split=, not both")
        bs = self.batch_size if batch_size is None else batch_size
        if val_split is not None:
            train, val = split_validation(train, val_split)
        loader = as_loader(train, "train", bs, shuffle, self.generator)
        val_loader = as_loader(val, "val", bs) if val is not None else None
        dry_run(self, loader, move=self._move)
        if val_loader is not None:
            dry_run(self, val_loader, move=self._move)
        ranks = self._ranks
        if ranks is not None:       # each rank reads its share
            if isinstance(train, DataLoader):
                shuffle = isinstance(train.sampler, RandomSampler)
            loader = ranks.train_loader(loader, shuffle, self.seed)
            if val_loader is not None:
                val_loader = ranks.eval_loader(val_loader)
        resume.apply_pending_loader_rng(self, loader)
        self.train_loader = loader
        self.fit_params = {"epochs": epochs, "batch_size": bs, "initial_epoch": initial_epoch,
                           "validation": val_loader is not None}
        if initial_epoch == 0:
            self.history = History()
        self.history.params = dict(self.fit_params)
        cbs = self._callback_list()
        self.stop_training = False
        self._fitting = True
        cbs.call("on_train_begin", {})
        logs = {}
        try:
            for epoch in range(initial_epoch, epochs):
                if isinstance(getattr(loader, "sampler", None), DistributedSampler):
                    loader.sampler.set_epoch(epoch)     # the epoch's order, on every rank
                cbs.call("on_epoch_begin", epoch, {})
                lr = self.optimizer.param_groups[0]["lr"]
                logs = self._train_epoch(loader, epoch, epochs, cbs)
                if val_loader is not None:    # also after a stop mid-epoch, as Keras
                    cbs.call("on_validation_begin", {})
                    val_logs = {"val_" + k: v for k, v in self._run_eval(val_loader).items()}
                    cbs.call("on_validation_end", val_logs)
                    logs.update(val_logs)
                logs["lr"] = float(lr)
                self.history.append(epoch, logs)
                self.epoch = epoch + 1
                self._step_scheduler(logs)
                self._progress.epoch_end(logs)
                cbs.call("on_epoch_end", epoch, logs)
                if ranks is not None:   # also the barrier behind rank 0's files
                    self.stop_training = ranks.any(self.stop_training)
                if self.stop_training:
                    break
            cbs.call("on_train_end", dict(logs))
        finally:
            self._progress.close()
            self._fitting = False
        if ranks is not None:
            ranks.barrier()             # rank 0's report and checkpoints exist on return
        return self.history

    def evaluate(self, data, batch_size=None):
        """Loss and metrics on ``data`` (eval mode, no graph): ``{"loss": ..., name: ...}``.

        Distributed: each rank evaluates its shard and all get the whole set's values, so
        every rank must call it (as any collective)."""
        loader = as_loader(data, "evaluate", batch_size or self.batch_size)
        dry_run(self, loader, move=self._move)
        if self._ranks is not None:
            loader = self._ranks.eval_loader(loader)
        cbs = self._callback_list()
        cbs.call("on_test_begin", {})
        logs = self._run_eval(loader, cbs)
        cbs.call("on_test_end", logs)
        return logs

    def predict(self, data, batch_size=None):
        """The model's outputs for every sample of ``data``, concatenated along dim 0
        (not sharded when distributed: every rank computes every output)."""
        loader = as_loader(data, "predict", batch_size or self.batch_size, allow_bare=True)
        dry_run(self, loader, need_targets=False, move=self._move)
        cbs = self._callback_list()
        begin, end = cbs.batch_hooks("predict")
        cbs.call("on_predict_begin", {})
        outputs = []
        with evaluating(self.model):
            for step, batch in enumerate(loader):
                for fn in begin:
                    fn(step, {})
                x, _ = unpack_batch(batch)
                outputs.append(self.model(self._move(x)))
                for fn in end:
                    fn(step, {"outputs": outputs[-1]})
        cbs.call("on_predict_end", {})
        if not outputs:
            raise ValueError("predict: the data is empty")
        return cat(outputs, 0)

    def save_checkpoint(self, path):
        """Write model, optimizer, scheduler, epoch, History and RNG states (atomically).

        Distributed: rank 0 writes (the ranks hold the same state). Called outside ``fit``
        (by every rank, as any collective), the others wait until the file is there."""
        if self.is_global_zero:
            resume.save(self, path)
        if self._ranks is not None and not self._fitting:
            self._ranks.barrier()

    def load_checkpoint(self, path):
        """Restore a checkpoint; continue with ``fit(..., initial_epoch=trainer.epoch)``.

        The file is read and checked against this model and optimizer before anything is
        changed; a damaged file or another architecture raises ``CheckpointError``.
        """
        resume.load(self, path)

    # --- the loops ----------------------------------------------------------------------
    def _move(self, value):
        return move(value, self.device)

    def _callback_list(self):
        """The callbacks that run here: the ``rank_zero_only`` ones (files) on rank 0 only."""
        return CallbackList([cb for cb in self.callbacks
                             if self.is_global_zero or not cb.rank_zero_only], self)

    def _train_epoch(self, loader, epoch, epochs, cbs):
        model, optimizer, loss_fn, metrics = self.model, self.optimizer, self.loss_fn, self.metrics
        k, clip = self.accumulate, self.grad_clip
        begin, end = cbs.batch_hooks("train")
        progress = self._progress
        ranks, ddp = self._ranks, self._ddp
        forward = ddp if ddp is not None else model
        # a per-batch callback may stop one rank mid-epoch: then the ranks agree every batch
        agree_each_batch = ranks is not None and bool(begin or end)
        model.train()
        for m in metrics:
            m.reset()
        total, count, step = 0.0, 0, 0
        params = [p for g in optimizer.param_groups for p in g["params"]] if clip else None
        progress.epoch_begin(epoch, epochs, steps_per_epoch(loader))
        self.current_epoch = epoch
        batches = iter(loader)
        try:
            while not self.stop_training:
                group = [unpack_batch(b) for b in islice(batches, k)]
                if not group:
                    break
                sizes = [batch_size_of(x) for x, _ in group]
                group_size = sum(sizes)
                optimizer.zero_grad()
                for i, ((x, y), n) in enumerate(zip(group, sizes)):
                    if ddp is not None:     # average once, in the group's last backward
                        ddp.require_backward_grad_sync = i == len(group) - 1
                    for fn in begin:
                        fn(step, {})
                    if self.device is not None:
                        x, y = self._move(x), self._move(y)
                    out = forward(x)
                    loss = loss_fn(out, y)
                    (loss if k == 1 else loss * (n / group_size)).backward()
                    total += loss.item() * n
                    count += n
                    if metrics:
                        out_np, y_np = to_numpy(out), to_numpy(y)
                        for m in metrics:
                            m.update(out_np, y_np)
                    logs = {"loss": total / count}    # this rank's running loss
                    if end:
                        logs.update({m.name: m.result() for m in metrics})
                        for fn in end:
                            fn(step, logs)
                    progress.batch_end(logs)
                    step += 1
                    if agree_each_batch:
                        self.stop_training = ranks.any(self.stop_training)
                    if self.stop_training:
                        break
                if self.stop_training:  # a callback stopped mid-group: no step with its grads
                    break
                if clip:
                    clip_grad_norm_(params, clip)
                optimizer.step()
                self.global_step += 1
        finally:
            if ddp is not None:         # a backward outside fit stays local
                ddp.require_backward_grad_sync = False
        if ranks is not None:
            return ranks.combine(total, count, metrics)
        logs = {"loss": total / count if count else float("nan")}
        logs.update({m.name: m.result() for m in metrics})
        return logs

    def _run_eval(self, loader, cbs=None):
        begin, end = cbs.batch_hooks("test") if cbs is not None else ((), ())
        for m in self.metrics:
            m.reset()
        total, count = 0.0, 0
        with evaluating(self.model):
            for step, batch in enumerate(loader):
                for fn in begin:
                    fn(step, {})
                x, y = unpack_batch(batch)
                x, y = self._move(x), self._move(y)
                out = self.model(x)
                n = batch_size_of(x)
                total += self.loss_fn(out, y).item() * n
                count += n
                out_np, y_np = to_numpy(out), to_numpy(y)
                for m in self.metrics:
                    m.update(out_np, y_np)
                for fn in end:
                    fn(step, {"loss": total / count})
        if self._ranks is not None:     # every rank's shard: the whole set, once
            return self._ranks.combine(total, count, self.metrics)
        logs = {"loss": total / count if count else float("nan")}
        logs.update({m.name: m.result() for m in self.metrics})
        return logs

    def _step_scheduler(self, logs):
        if self.scheduler is None:
            return
        if isinstance(self.scheduler, ReduceLROnPlateau):
            self.scheduler.step(logs.get("val_loss", logs["loss"]))
        else:
            self.scheduler.step()
