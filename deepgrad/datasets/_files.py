"""Files on disk: the cache folder, atomic writes, downloads with an MD5 check.

Every dataset file lives under ``root`` (default :func:`cache_dir`). Writes go to a temporary
file in the same folder, then ``os.replace`` moves it into place: the rename is atomic, so an
interrupted download or a second process never leaves a half-written file under the real name.
"""
import hashlib
import os
import urllib.error
import urllib.request

from .._atomic import atomic_write


def cache_dir():
    """deepgrad's data cache: ``$DEEPGRAD_CACHE``, else ``$XDG_CACHE_HOME/deepgrad``,
    else ``~/.cache/deepgrad``."""
    explicit = os.environ.get("DEEPGRAD_CACHE")
    if explicit:
        return os.path.abspath(os.path.expanduser(explicit))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "deepgrad")


def dataset_folder(root, name):
    """``root/name`` (``root`` defaults to :func:`cache_dir`)."""
    base = cache_dir() if root is None else os.path.expanduser(os.fspath(root))
    return os.path.join(base, name)


def md5sum(path, chunk=1 << 20):
    h = hashlib.md5()  # noqa: S324 - a checksum for corruption, not security
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def check_md5(path, md5):
    """Whether ``path`` exists and has the given MD5 (no check when ``md5`` is None)."""
    return os.path.isfile(path) and (md5 is None or md5sum(path) == md5)


def download(urls, path, md5=None, timeout=60):
    """Fetch ``path`` from the first of ``urls`` that works and verify its MD5.

    The file appears under its final name only once complete and verified. Raises
    ``RuntimeError`` listing every URL tried and why each failed.
    """
    errors = []
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
                atomic_write(path, lambda f, r=response: _copy(r, f))
        except (urllib.error.URLError, OSError, TimeoutError) as err:
            errors.append(f"{url}: {err}")
            continue
        if check_md5(path, md5):
            return path
        got = md5sum(path)
        os.remove(path)
        errors.append(f"{url}: MD5 mismatch (expected {md5}, got {got})")
    raise RuntimeError(f"could not download {os.path.basename(path)}:\n  " + "\n  ".join(errors))


def _copy(src, dst, chunk=1 << 20):
    for block in iter(lambda: src.read(chunk), b""):
        dst.write(block)


def missing_files_error(name, folder, files, urls_by_file):
    """The error for files that are absent or corrupt: which files to put where, from where."""
    lines = [f"{name}: these files are missing or fail their MD5 check in {folder}:"]
    for fname, md5 in files:
        lines.append(f"  {os.path.join(folder, fname)}  (md5 {md5})")
        for url in urls_by_file.get(fname, []):
            lines.append(f"      from {url}")
    lines.append("Pass download=True to fetch them, or download them by hand and put them "
                 "there (root= selects another folder).")
    return RuntimeError("\n".join(lines))
