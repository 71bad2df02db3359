"""``TensorBoard``: write the epoch logs as TensorBoard scalars.

It uses ``deepgrad.utils.tensorboard.SummaryWriter`` (PyTorch's API: ``add_scalar(tag,
value, global_step)``), so the event files open in TensorBoard. Every epoch, each logged key
becomes the scalar ``epoch/<key>`` at step ``epoch``; with ``update_freq=n`` the running
training loss is also written as ``batch/loss`` every n optimizer batches.
"""
from .base import Callback


class TensorBoard(Callback):
    """Args: ``log_dir`` (str, default "runs"), ``update_freq`` ("epoch" or an int)."""

    rank_zero_only = True     # files: written by rank 0 alone

    def __init__(self, log_dir="runs", update_freq="epoch"):
        super().__init__()
        if update_freq != "epoch" and (not isinstance(update_freq, int) or update_freq < 1):
            raise ValueError(f"update_freq must be 'epoch' or a positive integer, got "
                             f"{update_freq!r}")
        self.log_dir, self.update_freq = str(log_dir), update_freq
        self.writer, self._batches = None, 0

    def on_train_begin(self, logs=None):
        try:
            from ...utils.tensorboard import SummaryWriter
        except ImportError as e:
            raise ImportError(f"the TensorBoard callback needs deepgrad.utils.tensorboard "
                              f"(pip install deepgrad[tensorboard]): {e}") from e
        self.writer = SummaryWriter(log_dir=self.log_dir)

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self.writer is None:
            return
        self._batches += 1
        if self._batches % self.update_freq == 0 and logs and "loss" in logs:
            self.writer.add_scalar("batch/loss", logs["loss"], self._batches)

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.writer.add_scalar(f"epoch/{key}", value, epoch)
        self.writer.flush()

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()
            self.writer = None
