"""``CSVLogger``: one row per epoch (``epoch`` then the logged keys, sorted), as Keras's.

The file is opened at the start of training and flushed after every row, so a crashed run
keeps its rows. ``append=True`` continues an existing file (a resumed run) without a second
header. Values are written with ``repr`` (full precision).
"""
import csv
import os

from .base import Callback


class CSVLogger(Callback):
    """Args: ``path`` (str), ``separator`` (default ","), ``append`` (default False)."""

    rank_zero_only = True     # files: written by rank 0 alone

    def __init__(self, path, separator=",", append=False):
        super().__init__()
        self.path, self.separator, self.append = str(path), separator, append
        self.keys, self._file, self._writer = None, None, None

    def on_train_begin(self, logs=None):
        existing = self.append and os.path.isfile(self.path) and os.path.getsize(self.path) > 0
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        self._file = open(self.path, "a" if self.append else "w", newline="")
        self.keys = None
        if existing:
            with open(self.path, newline="") as f:
                header = next(csv.reader(f, delimiter=self.separator), None)
            self.keys = header[1:] if header else None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            self._writer = csv.writer(self._file, delimiter=self.separator)
            self._writer.writerow(["epoch"] + self.keys)
        elif self._writer is None:
            self._writer = csv.writer(self._file, delimiter=self.separator)
        self._writer.writerow([epoch] + [repr(float(logs[k])) if k in logs else "NA"
                                         for k in self.keys])
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file, self._writer = None, None
