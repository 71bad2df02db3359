"""Atomic file writes: the one way deepgrad creates a file that must never be half-written.

The content goes to a temporary sibling in the target's folder, is flushed to disk, and
``os.replace`` renames it over the target. The rename is atomic (POSIX and Windows), so an
interrupted write, a full disk or a crash leaves either the old file or the new one, never
a truncated mix; on failure the temporary file is removed.
"""
import contextlib
import os
import tempfile


def _umask():
    mask = os.umask(0)  # the only way to read it is to set it
    os.umask(mask)
    return mask


def atomic_write(path, write, text=False, make_folder=True):
    """Create ``path`` by calling ``write(file_object)`` on a temporary sibling, then renaming.

    ``text=True`` opens the temporary file for UTF-8 text. The target's folder is created
    unless ``make_folder=False`` (then a missing folder raises, as ``open`` would: what
    ``deepgrad.save`` and ``onnx.export`` do, like torch's).
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if make_folder:
        os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
        with (os.fdopen(fd, "w", encoding="utf-8") if text else os.fdopen(fd, "wb")) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
