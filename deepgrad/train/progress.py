"""What ``fit`` prints: a tqdm bar per epoch, or one plain line per epoch.

``progress=True``: a tqdm bar (batches, rate, ETA, running loss and metrics) when tqdm is
installed (``pip install deepgrad[progress]``) and standard output is a terminal; otherwise
one line per epoch. ``progress=False``: one line per epoch. ``progress=None``: silent.
A missing progress bar is never an error. A line reads::

    Epoch 3/10 - 1.2s - 41.7 batch/s - eta 8s - loss: 0.3121 - accuracy: 0.9000 - ... - lr: 0.001

(``eta``: the remaining epochs times the mean epoch time so far.)
"""
import sys
import time


def _format_logs(logs):
    parts = []
    for key, value in logs.items():
        parts.append(f"{key}: {value:.4g}" if key == "lr" else f"{key}: {value:.4f}")
    return " - ".join(parts)


class Progress:
    """Per-epoch reporting for ``Trainer.fit``."""

    def __init__(self, mode):
        if mode not in (True, False, None):
            raise ValueError(f"progress must be True, False or None, got {mode!r}")
        self.mode = mode
        self.bar = None
        self._tqdm = None
        self._epoch_seconds = []
        if mode is True and getattr(sys.stdout, "isatty", lambda: False)():
            try:
                from tqdm.auto import tqdm
                self._tqdm = tqdm
            except ImportError:   # no bar: plain lines instead
                self._tqdm = None

    def epoch_begin(self, epoch, epochs, steps):
        self.start = time.perf_counter()
        self.steps_done, self.epochs_left = 0, epochs - epoch - 1
        self.title = f"Epoch {epoch + 1}/{epochs}"
        if self._tqdm is not None:
            self.bar = self._tqdm(total=steps, desc=self.title, unit="batch", leave=True,
                                  dynamic_ncols=True)

    def batch_end(self, logs):
        self.steps_done += 1
        if self.bar is not None:
            self.bar.update(1)
            if self.steps_done % 10 == 1:   # formatting every batch would cost time
                self.bar.set_postfix_str(_format_logs(logs), refresh=False)

    def epoch_end(self, logs):
        seconds = time.perf_counter() - self.start
        self._epoch_seconds.append(seconds)
        if self.bar is not None:
            self.bar.set_postfix_str(_format_logs(logs), refresh=False)
            self.bar.close()
            self.bar = None
            return
        if self.mode is None:
            return
        rate = self.steps_done / seconds if seconds > 0 else float("inf")
        eta = self.epochs_left * sum(self._epoch_seconds) / len(self._epoch_seconds)
        print(f"{self.title} - {seconds:.1f}s - {rate:.1f} batch/s - eta {eta:.0f}s - "
              f"{_format_logs(logs)}", flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
