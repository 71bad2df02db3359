"""Find, unpack and run the PyTorch example programs, under real torch or deepgrad.

No program's code lives in this repository: they are read at run time from a
snapshot of https://github.com/pytorch/examples (BSD-3-Clause), given by the
environment variable ``DEEPGRAD_PYTORCH_EXAMPLES`` (a checkout or a bare git
directory; default ``/work/.mirror/pytorch+examples/repo``). Each run unpacks the
program's folder into a fresh directory, so the two libraries never share files.
"""
import dataclasses
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
RUNNER = HERE / "shim" / "run_program.py"
STAND_INS = HERE / "stand_ins"
DEFAULT_SNAPSHOT = "/work/.mirror/pytorch+examples/repo"
LIBRARIES = ("torch", "deepgrad")


def snapshot_location():
    """(path, None) of the examples snapshot, or (None, reason it cannot be used)."""
    location = os.environ.get("DEEPGRAD_PYTORCH_EXAMPLES", DEFAULT_SNAPSHOT)
    path = Path(location)
    if not path.exists():
        return None, (f"no pytorch/examples snapshot at {location!r}: set "
                      "DEEPGRAD_PYTORCH_EXAMPLES to a checkout or a bare git directory")
    if not (_is_git_dir(path) or (path / "mnist" / "main.py").exists()):
        return None, f"{location!r} is neither a pytorch/examples checkout nor a git directory"
    return path, None


def _is_git_dir(path):
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def _git(snapshot, *args, **kwargs):
    return subprocess.run(["git", f"--git-dir={snapshot}", *args], check=True,
                          capture_output=True, **kwargs)


def extract(snapshot, folder, destination):
    """Copy ``folder`` of the snapshot into ``destination`` (created); returns its path.

    A snapshot may list files whose contents it does not hold (large data files):
    those are left out, and the program that needs them must be given other data.
    """
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    if not _is_git_dir(snapshot):
        shutil.copytree(Path(snapshot) / folder, destination / folder, dirs_exist_ok=True)
        return destination / folder
    listing = _git(snapshot, "ls-tree", "-r", "HEAD", "--", folder, text=True).stdout.split("\n")
    entries = [line.split("\t", 1) for line in listing if line]
    shas = "".join(meta.split()[2] + "\n" for meta, _ in entries)
    present = _git(snapshot, "cat-file", "--batch-check", input=shas, text=True).stdout
    paths = [path for (_, path), status in zip(entries, present.splitlines())
             if not status.endswith("missing")]
    archive = _git(snapshot, "archive", "--format=tar", "HEAD", "--", *paths).stdout
    subprocess.run(["tar", "-x", "-C", str(destination)], input=archive, check=True)
    return destination / folder


def read_text(snapshot, path):
    """One file of the snapshot as text."""
    if not _is_git_dir(snapshot):
        return (Path(snapshot) / path).read_text(encoding="utf8")
    return _git(snapshot, "show", f"HEAD:{path}").stdout.decode("utf8")


@dataclasses.dataclass
class RunResult:
    library: str
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    workdir: Path

    def failure_text(self, tail=3000):
        return (f"{self.library} run exited with {self.returncode}\n--- stdout (end) ---\n"
                f"{self.stdout[-tail:]}\n--- stderr (end) ---\n{self.stderr[-tail:]}")


def environment(threads=1):
    """The child's environment: deepgrad importable from this checkout, no GUI, no GPU."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("MPLBACKEND", "Agg")
    env["CUDA_VISIBLE_DEVICES"] = ""
    env["PYTHONHASHSEED"] = "0"
    # one thread each unless the caller asks for more: on a shared machine, spinning
    # BLAS/OpenMP threads slowed both libraries five- to tenfold (measured)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    return env


def run_script(library, workdir, script, args, timeout, threads=1, extra_env=None):
    """Run ``workdir/script args`` under ``library``; returns a RunResult (never raises)."""
    command = [sys.executable, str(RUNNER), "--lib", library, "--stand-ins", str(STAND_INS),
               str(Path(workdir) / script), *map(str, args)]
    env = {**environment(threads), **(extra_env or {})}
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True,
                              timeout=timeout)
        code, out, err = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        code, out, err = -9, _text(expired.stdout), _text(expired.stderr) + \
            f"\n[conformance harness] killed after {timeout} s"
    return RunResult(library, code, out, err, time.perf_counter() - start, Path(workdir))


def _text(data):
    if data is None:
        return ""
    return data.decode("utf8", "replace") if isinstance(data, bytes) else data
