"""Running trials on a ``concurrent.futures.Executor`` and collecting them as a table.

An *objective* is any picklable callable ``objective(config, epochs) -> score`` (a float, or a
dict with a ``"score"`` key and any other numbers to record). ``epochs`` is the trial's
budget: Hyperband gives small budgets to many configurations and large ones to few.

A trial that raises, or returns a non-finite score, is recorded with ``status="failed"`` and
the exception's text; the search goes on. The executor can be anything with ``submit``: a
``ProcessPoolExecutor`` (the default, two workers), a ``ThreadPoolExecutor``, mpi4py's
``MPIPoolExecutor`` under ``mpiexec``, or ``SerialExecutor`` (runs in the caller, for
debugging and for tests).
"""
import concurrent.futures as cf
import math
import traceback

RESERVED = ("trial", "epochs", "score", "status", "error", "bracket", "rung")


class SerialExecutor(cf.Executor):
    """An Executor that runs each task at ``submit`` in the calling thread (no parallelism)."""

    def submit(self, fn, /, *args, **kwargs):
        future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - the Future carries it to the caller
            future.set_exception(error)
        return future


def run_one_trial(objective, config, epochs):
    """Run ``objective(config, epochs)`` and return a result dict; never raises an Exception.

    Module-level (not a closure) so that process and MPI pools can pickle it.
    """
    try:
        value = objective(dict(config), epochs)
        extra = {}
        if isinstance(value, dict):
            extra = {k: v for k, v in value.items() if k != "score"}
            value = value["score"]
        score = float(value)
        if not math.isfinite(score):
            return {"status": "failed", "score": None, "error": f"non-finite score {score}",
                    **extra}
        return {"status": "ok", "score": score, "error": "", **extra}
    except Exception as error:  # noqa: BLE001 - a failed trial is data, not a crash
        text = "".join(traceback.format_exception_only(type(error), error)).strip()
        return {"status": "failed", "score": None, "error": text}


class TrialRunner:
    """Submits batches of trials to an executor, numbering them and keeping every row."""

    def __init__(self, objective, executor=None, max_workers=2):
        if not callable(objective):
            raise TypeError(f"objective must be callable as objective(config, epochs), "
                            f"got {objective!r}")
        if executor is not None and not hasattr(executor, "submit"):
            raise TypeError(f"executor must be a concurrent.futures.Executor (something with "
                            f".submit), got {executor!r}")
        self.objective = objective
        self.owns_executor = executor is None
        self.executor = executor or cf.ProcessPoolExecutor(max_workers=max_workers)
        self.rows = []

    def run(self, configs, epochs, **labels):
        """Evaluate every config with the same budget; returns their rows in order."""
        futures = [self.executor.submit(run_one_trial, self.objective, c, epochs)
                   for c in configs]
        batch = []
        for config, future in zip(configs, futures):
            try:
                outcome = future.result()
            except Exception as error:  # noqa: BLE001 - e.g. a worker process that died
                outcome = {"status": "failed", "score": None,
                           "error": f"{type(error).__name__}: {error}"}
            row = {"trial": len(self.rows), **config, "epochs": epochs, **labels, **outcome}
            self.rows.append(row)
            batch.append(row)
        return batch

    def close(self):
        if self.owns_executor:
            self.executor.shutdown(wait=True)


def check_reserved(space):
    clash = [name for name in space if name in RESERVED]
    if clash:
        raise ValueError(f"search-space names {clash} clash with result columns {RESERVED}; "
                         f"rename them")


def check_mode(mode):
    if mode not in ("max", "min"):
        raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")


def rank(rows, mode):
    """Successful rows best first (failed ones dropped)."""
    ok = [r for r in rows if r["status"] == "ok"]
    return sorted(ok, key=lambda r: r["score"], reverse=(mode == "max"))
