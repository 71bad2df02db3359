"""The demo's summary: one row per trained model, a headline number beside a baseline that
shows what "worked" means, written as a printed table, ``summary.json`` and ``index.html``
(each file written atomically, so an interrupted run never leaves half a summary)."""
import html
import json
import os

from ..._atomic import atomic_write


def row(model, metric, value, baseline, baseline_name, higher_is_better):
    """One result: ``value`` of ``metric`` for ``model`` against ``baseline``; ``beats`` says
    whether it is on the good side of the baseline (higher or lower, as the metric says)."""
    value, baseline = float(value), float(baseline)
    beats = value > baseline if higher_is_better else value < baseline
    return {"model": model, "metric": metric, "value": value, "baseline": baseline,
            "baseline_name": baseline_name, "higher_is_better": bool(higher_is_better),
            "beats_baseline": bool(beats)}


def format_table(families, total_seconds):
    lines = [f"{'family':<14} {'model':<26} {'metric':<30} {'value':>9} {'baseline':>9}  "
             f"{'beats':<5} {'time':>6}"]
    for fam in families:
        for i, r in enumerate(fam["rows"]):
            seconds = f"{fam['seconds']:5.1f}s" if i == 0 else ""
            lines.append(f"{fam['family'] if i == 0 else '':<14} {r['model']:<26} "
                         f"{r['metric']:<30} {r['value']:>9.4g} {r['baseline']:>9.4g}  "
                         f"{'yes' if r['beats_baseline'] else 'NO':<5} {seconds:>6}")
    lines.append("baselines: " + "; ".join(sorted({f"{r['metric']}: {r['baseline_name']}"
                                                   for fam in families for r in fam["rows"]})))
    lines.append(f"total wall time {total_seconds:.1f} s")
    return "\n".join(lines)


def write_summary(out_dir, summary):
    """Write ``summary.json`` and ``index.html`` into ``out_dir``; returns the page's path."""
    atomic_write(os.path.join(out_dir, "summary.json"),
                 lambda f: json.dump(summary, f, indent=1), text=True)
    page = os.path.join(out_dir, "index.html")
    atomic_write(page, lambda f: f.write(render_html(summary)), text=True)
    return page


def render_html(summary):
    esc = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>deepgrad demo models"
             "</title><style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}"
             "td.n{text-align:right}img{max-width:100%}</style></head><body>",
             "<h1>deepgrad demo models</h1>",
             f"<p>data: {esc(summary['data'])}; quick: {summary['quick']}; seed "
             f"{summary['seed']}; total wall time {summary['total_seconds']:.1f} s</p>",
             "<table><tr><th>family</th><th>model</th><th>metric</th><th>value</th>"
             "<th>baseline</th><th>beats it</th></tr>"]
    for fam in summary["families"]:
        for r in fam["rows"]:
            parts.append(f"<tr><td><a href='#{esc(fam['family'])}'>{esc(fam['family'])}</a>"
                         f"</td><td>{esc(r['model'])}</td><td>{esc(r['metric'])}</td>"
                         f"<td class='n'>{r['value']:.4g}</td><td class='n'>{r['baseline']:.4g}"
                         f" ({esc(r['baseline_name'])})</td>"
                         f"<td>{'yes' if r['beats_baseline'] else 'no'}</td></tr>")
    parts.append("</table>")
    for fam in summary["families"]:
        parts.append(f"<h2 id='{esc(fam['family'])}'>{esc(fam['family'])}: "
                     f"{esc(fam['title'])}</h2><p>{fam['seconds']:.1f} s</p>")
        for note in fam["notes"]:
            parts.append(f"<p>{esc(note)}</p>")
        if fam["figure"]:
            parts.append(f"<p><a href='{esc(fam['figure'])}'><img src='{esc(fam['figure'])}' "
                         f"alt='{esc(fam['family'])}'></a></p>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
