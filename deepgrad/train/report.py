"""``build_report(run_dir)``: one self-contained HTML page for a run folder.

It reads ``metrics.csv`` and ``config.json`` and writes ``report.html``: the learning
curves as base64 PNG images inside the page (drawn again from metrics.csv with matplotlib,
or taken from the folder's ``curves_*.png`` when matplotlib is missing), a summary table
(last value, best value and its epoch for every logged quantity) and the hyperparameters.
The page has no scripts and no links to anything outside itself, so it opens offline and
can be mailed as one file. A command line can rebuild it: ``build_report("runs/exp1")``.
"""
import base64
import csv
import glob
import html
import json
import math
import os

from .._atomic import atomic_write

_LOWER_IS_BETTER = ("loss", "mae", "mse", "rmse")

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.5em; }
table { border-collapse: collapse; margin: 0.5em 0; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; margin: 0.3em; border: 1px solid #eee; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
"""


def read_metrics(path):
    """(epochs, {key: [floats]}) from a CSVLogger file."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return [], {}
    header, body = rows[0], rows[1:]
    columns = {key: [] for key in header[1:]}
    epochs = []
    for row in body:
        epochs.append(int(row[0]))
        for key, value in zip(header[1:], row[1:]):
            columns[key].append(float("nan") if value == "NA" else float(value))
    return epochs, columns


def _lower_is_better(key):
    base = key[4:] if key.startswith("val_") else key
    return base in _LOWER_IS_BETTER or base.endswith("loss")


def summary_rows(epochs, columns):
    """[(key, last, best, best epoch)]; best is the lowest for losses and errors."""
    rows = []
    for key, values in columns.items():
        finite = [(v, e) for v, e in zip(values, epochs) if math.isfinite(v)]
        if not finite:
            rows.append((key, values[-1] if values else float("nan"), float("nan"), None))
            continue
        if key == "lr":
            best = finite[-1]
        else:
            best = (min if _lower_is_better(key) else max)(finite, key=lambda ve: ve[0])
        rows.append((key, values[-1], best[0], best[1]))
    return rows


def _images(run_dir, epochs, columns):
    """{title: PNG bytes}: drawn again when matplotlib is there, else read from the folder."""
    try:
        from .plots import curve_pngs
        return curve_pngs(epochs, columns) if epochs else {}
    except ImportError:
        images = {}
        for path in sorted(glob.glob(os.path.join(run_dir, "curves_*.png"))):
            with open(path, "rb") as f:
                images[os.path.basename(path)[7:-4]] = f.read()
        return images


def _config_rows(config, prefix=""):
    for key, value in config.items():
        if key == "model":
            continue
        if isinstance(value, dict):
            yield from _config_rows(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", json.dumps(value) if not isinstance(value, str) else value


def build_report(run_dir, images=None):
    """Write ``run_dir/report.html`` from the folder's files; returns its path.

    ``images`` ({title: PNG bytes}) skips drawing the curves again (the run folder passes
    the ones it has just written).
    """
    run_dir = str(run_dir)
    csv_path = os.path.join(run_dir, "metrics.csv")
    if not os.path.isfile(csv_path):
        raise FileNotFoundError(f"build_report: {csv_path} does not exist (is {run_dir!r} a "
                                f"run folder written by Trainer(run_dir=...)?)")
    epochs, columns = read_metrics(csv_path)
    config = {}
    config_path = os.path.join(run_dir, "config.json")
    if os.path.isfile(config_path):
        with open(config_path) as f:
            config = json.load(f)
    esc = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>deepgrad run: {esc(os.path.basename(os.path.abspath(run_dir)))}</title>",
             f"<style>{_STYLE}</style></head><body>",
             f"<h1>Training run {esc(os.path.abspath(run_dir))}</h1>",
             f"<p>{len(epochs)} epoch(s); model {esc(str(config.get('model_class', '?')))}, "
             f"optimizer {esc(str(config.get('optimizer', {}).get('class', '?')))}.</p>"]
    parts.append("<h2>Learning curves</h2>")
    if images is None:
        images = _images(run_dir, epochs, columns)
    if not images:
        parts.append("<p>No curves (matplotlib is not installed: pip install "
                     "deepgrad[plot]).</p>")
    for title, png in images.items():
        data = base64.b64encode(png).decode("ascii")
        parts.append(f'<img alt="{esc(title)} per epoch" src="data:image/png;base64,{data}">')
    parts.append("<h2>Summary</h2><table><tr><th>quantity</th><th>last</th><th>best</th>"
                 "<th>best epoch</th></tr>")
    for key, last, best, epoch in summary_rows(epochs, columns):
        parts.append(f'<tr><td>{esc(key)}</td><td class="num">{last:.6g}</td>'
                     f'<td class="num">{best:.6g}</td>'
                     f'<td class="num">{"" if epoch is None else epoch + 1}</td></tr>')
    parts.append("</table><h2>Hyperparameters</h2><table>")
    for key, value in _config_rows(config):
        parts.append(f"<tr><td>{esc(key)}</td><td>{esc(value)}</td></tr>")
    parts.append("</table>")
    if "model" in config:
        parts.append(f"<h2>Model</h2><pre>{esc(config['model'])}</pre>")
    parts.append("</body></html>")
    out = os.path.join(run_dir, "report.html")
    atomic_write(out, lambda f: f.write("\n".join(parts)), text=True)
    return out
