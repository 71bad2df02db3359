"""deepgrad._atomic.atomic_write: the one atomic file writer (save, onnx.export, checkpoints,
reports, data files)."""
import os
import stat

import pytest

from deepgrad._atomic import atomic_write


def test_file_mode_is_what_open_gives(tmp_path):
    # mkstemp creates 0600 files; a report or a checkpoint must be as readable as open() makes it
    ours, plain = tmp_path / "ours.html", tmp_path / "plain.html"
    atomic_write(ours, lambda f: f.write("<p>x</p>"), text=True)
    with open(plain, "w") as f:
        f.write("<p>x</p>")
    assert stat.S_IMODE(os.stat(ours).st_mode) == stat.S_IMODE(os.stat(plain).st_mode)
    assert ours.read_text() == plain.read_text()


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")

    def fail(f):
        f.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, fail)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["f.bin"]


def test_missing_folder_raises_unless_it_may_be_made(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "no" / "f.bin", lambda f: f.write(b"x"), make_folder=False)
    atomic_write(tmp_path / "yes" / "f.bin", lambda f: f.write(b"x"))
    assert (tmp_path / "yes" / "f.bin").read_bytes() == b"x"
