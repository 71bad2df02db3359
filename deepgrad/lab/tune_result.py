"""``TuneResult``: the trials of one search as a plain table, with its best row and a plot."""
import math

from .tune_runner import RESERVED, rank
from .tune_space import LogUniform


class TuneResult:
    """Every trial of a search, in the order they were run.

    Attributes: ``rows`` (list of dicts: ``trial``, the config's keys, ``epochs``, ``score``,
    ``status`` ("ok" or "failed"), ``error`` and, for Hyperband, ``bracket`` and ``rung``),
    ``mode`` ("max" or "min"), ``method``, ``space``.
    ``best`` is the best successful row; ``total_epochs`` the budget spent (sum of ``epochs``).
    """

    def __init__(self, rows, mode, method, space, final_rows=None):
        self.rows, self.mode, self.method, self.space = list(rows), mode, method, space
        # Hyperband: the best is chosen among the configurations trained with the full budget
        self._candidates = list(final_rows) if final_rows is not None else self.rows

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    @property
    def failed(self):
        return [r for r in self.rows if r["status"] == "failed"]

    @property
    def best(self):
        ranked = rank(self._candidates, self.mode) or rank(self.rows, self.mode)
        if not ranked:
            raise RuntimeError(f"no trial succeeded ({len(self.failed)} failed); first error: "
                               f"{self.failed[0]['error'] if self.failed else 'none'}")
        return ranked[0]

    @property
    def best_config(self):
        return {k: self.best[k] for k in self.space}

    @property
    def total_epochs(self):
        return sum(r["epochs"] for r in self.rows)

    def to_text(self, limit=None):
        """The table as aligned text, best first."""
        ordered = rank(self.rows, self.mode) + self.failed
        ordered = ordered[:limit] if limit else ordered
        columns = ["trial", *self.space, "epochs", "score", "status"]
        cells = [[_fmt(r.get(c)) for c in columns] for r in ordered]
        widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c)
                  for i, c in enumerate(columns)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths))]
        lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
        return "\n".join(lines)

    def __repr__(self):
        return (f"TuneResult(method={self.method!r}, trials={len(self.rows)}, "
                f"failed={len(self.failed)}, total_epochs={self.total_epochs})")

    def plot(self, x=None, ax=None):
        """Score against one hyperparameter (the first numeric one by default).

        Point size grows with the trial's epoch budget; failed trials are red crosses at the
        bottom; a log axis for ``loguniform`` dimensions. Needs matplotlib (``deepgrad[plot]``).
        """
        try:
            import matplotlib.pyplot as plt  # noqa: PLC0415 - optional extra
        except ImportError as error:
            raise ImportError("TuneResult.plot needs matplotlib: "
                              "pip install deepgrad[plot]") from error
        names = [k for k in self.space if k not in RESERVED and all(
            isinstance(r.get(k), (int, float)) for r in self.rows)]
        if x is None:
            if not names:
                raise ValueError("no numeric hyperparameter to plot against; pass x=")
            x = names[0]
        if x not in self.space:
            raise ValueError(f"x={x!r} is not a hyperparameter of this search: {list(self.space)}")
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.5))
        ok = [r for r in self.rows if r["status"] == "ok"]
        budgets = [r["epochs"] for r in ok] or [1]
        top = max(budgets)
        ax.scatter([r[x] for r in ok], [r["score"] for r in ok],
                   s=[12 + 48 * r["epochs"] / top for r in ok], alpha=0.7, label="trials")
        if self.failed and ok:
            low = min(r["score"] for r in ok)
            ax.scatter([r[x] for r in self.failed], [low] * len(self.failed), marker="x",
                       color="red", label="failed")
        if ok:
            best = self.best
            ax.scatter([best[x]], [best["score"]], marker="*", s=160, color="gold",
                       edgecolor="black", label="best")
        if isinstance(self.space.get(x), LogUniform):
            ax.set_xscale("log")
        ax.set_xlabel(x)
        ax.set_ylabel(f"score ({self.mode})")
        ax.set_title(f"{self.method}: {len(self.rows)} trials, {self.total_epochs} epochs")
        ax.legend(fontsize="small")
        return ax


def _fmt(value):
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return "" if value is None else str(value)
