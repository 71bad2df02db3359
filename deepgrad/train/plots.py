"""Learning curves as PNG images (matplotlib, ``pip install deepgrad[plot]``).

One figure per quantity: the training value and, when logged, the validation value
(``loss`` with ``val_loss``, ``accuracy`` with ``val_accuracy``, ``lr`` alone), against
the epoch. Figures are drawn with matplotlib's Agg canvas directly, without pyplot, so
nothing changes the user's matplotlib backend or open figures.
"""
import io


def _require_matplotlib():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("learning-curve plots need matplotlib: pip install deepgrad[plot]") \
            from None
    return Figure, FigureCanvasAgg


def curve_groups(columns):
    """[(title, [keys])]: each training key with its ``val_`` twin."""
    groups = []
    for key in columns:
        if key == "epoch" or key.startswith("val_"):
            continue
        keys = [key] + ([f"val_{key}"] if f"val_{key}" in columns else [])
        groups.append((key, keys))
    for key in columns:   # a validation value without a training twin
        if key.startswith("val_") and key[4:] not in columns:
            groups.append((key, [key]))
    return groups


def curve_pngs(epochs, columns):
    """{title: PNG bytes} for ``columns`` (a dict key -> list of floats, one per epoch)."""
    Figure, FigureCanvasAgg = _require_matplotlib()
    images = {}
    xs = [e + 1 for e in epochs]
    for title, keys in curve_groups(columns):
        fig = Figure(figsize=(5, 3.2), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        for key in keys:
            ax.plot(xs, columns[key], marker="o", markersize=3,
                    label="validation" if key.startswith("val_") else "training")
        ax.set_xlabel("epoch")
        ax.set_ylabel(title)
        if title == "lr":
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        images[title] = buf.getvalue()
    return images
