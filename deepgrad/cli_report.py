"""Reports for the command line: one run folder, or the demo's folder of four runs.

A run folder (``metrics.csv``, ``config.json``) gets the Trainer's report
(``deepgrad.train.report.build_report``). The demo's folder holds ``demo.json`` (the results
table) and one run folder per model; its ``report.html`` is a small page of its own: the table
of test accuracies beside the paper's, the wall times, and a link to each model's report.
"""
import html
import json
import os

from ._atomic import atomic_write
from .train.report import build_report

_STYLE = ("body{font-family:system-ui,sans-serif;margin:2em auto;max-width:50em;color:#222}"
          "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em}"
          "td.num{text-align:right}th{background:#f3f3f3}")


def is_run_folder(path):
    return os.path.isfile(os.path.join(path, "metrics.csv"))


def is_demo_folder(path):
    return os.path.isfile(os.path.join(path, "demo.json"))


def build_demo_report(out_dir):
    """Rebuild each model's report, then write ``out_dir/report.html``; returns its path."""
    with open(os.path.join(out_dir, "demo.json")) as f:
        demo = json.load(f)
    esc = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>deepgrad demo</title><style>{_STYLE}</style></head><body>",
             "<h1>deepgrad demo: the MNIST-1D baselines</h1>",
             "<p>Greydanus (2020), <i>Scaling down deep learning</i>: four models trained with "
             "Adam (lr 0.01), batches of 100, cross-entropy.</p>",
             "<table><tr><th>model</th><th>epochs</th><th>test accuracy</th>"
             "<th>paper</th><th>time (s)</th><th>run</th></tr>"]
    for row in demo["rows"]:
        name = row["model"]
        link = ""
        if is_run_folder(os.path.join(out_dir, name)):
            build_report(os.path.join(out_dir, name))
            link = f'<a href="{esc(name)}/report.html">report</a>'
        parts.append(f"<tr><td>{esc(name)}</td><td class='num'>{row['epochs']}</td>"
                     f"<td class='num'>{row['test_accuracy']:.1f} %</td>"
                     f"<td class='num'>{row['published']:.0f} %</td>"
                     f"<td class='num'>{row['seconds']:.1f}</td><td>{link}</td></tr>")
    quick = " (--quick: tiny data and one epoch)" if demo.get("quick") else ""
    parts.append(f"</table><p>Total wall time {demo['total_seconds']:.1f} s{quick}.</p>")
    parts.append("</body></html>")
    path = os.path.join(out_dir, "report.html")
    atomic_write(path, lambda f: f.write("\n".join(parts)), text=True)
    return path


def rebuild(run_dir):
    """``deepgrad report``: the demo's page or a run's report, whichever the folder holds."""
    if is_demo_folder(run_dir):
        return build_demo_report(run_dir)
    if is_run_folder(run_dir):
        return build_report(run_dir)
    raise FileNotFoundError(f"{run_dir!r} is not a run folder (no metrics.csv) nor a demo "
                            f"folder (no demo.json)")
