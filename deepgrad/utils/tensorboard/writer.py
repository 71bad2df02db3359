"""SummaryWriter: torch.utils.tensorboard's logging API, writing real TensorBoard files.

An event file is a sequence of records, each an ``Event`` protocol buffer with a wall
time, a step and a ``Summary`` (tagged values). ``tensorboard --logdir runs`` reads every
event file below ``runs``; each folder holding event files is one "run" in its charts.
"""
import os
import socket
import time
from datetime import datetime

import numpy as np

from . import charts as _charts
from . import summary as _summary
from ._convert import figure_to_chw, to_numpy
from ._protos import tensorboard_modules


class _FileWriter:
    """One event file in one folder (TensorBoard's ``EventFileWriter`` writes it from a
    background thread: records are queued and written when ``max_queue`` are pending,
    every ``flush_secs``, on ``flush()`` and on ``close()``)."""

    def __init__(self, log_dir, max_queue, flush_secs, filename_suffix):
        pb = tensorboard_modules()
        self._pb = pb
        self.event_writer = pb.EventFileWriter(str(log_dir), max_queue, flush_secs,
                                               filename_suffix)

    def get_logdir(self):
        return self.event_writer.get_logdir()

    def add_event(self, event, step=None, walltime=None):
        event.wall_time = time.time() if walltime is None else float(walltime)
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_summary(self, summary, global_step=None, walltime=None):
        self.add_event(self._pb.Event(summary=summary), global_step, walltime)

    def flush(self):
        self.event_writer.flush()

    def close(self):
        self.event_writer.close()


def default_log_dir(comment=""):
    """``runs/<Mon>DD_HH-MM-SS_<hostname><comment>``, torch's default run folder."""
    stamp = datetime.now().strftime("%b%d_%H-%M-%S")
    return os.path.join("runs", stamp + "_" + socket.gethostname() + comment)


class SummaryWriter:
    """Write scalars, histograms, images, text and hyperparameters for TensorBoard.

    Same API as ``torch.utils.tensorboard.SummaryWriter``; values may be deepgrad
    tensors, NumPy arrays or Python numbers. Needs the ``tensorboard`` package
    (``pip install deepgrad[tensorboard]``) for its file format.

    Args:
        log_dir (str or path, default None): folder of the event files; None gives
            ``runs/<date_time>_<hostname><comment>``, a new folder per run.
        comment (str, default ""): suffix of the default ``log_dir`` (ignored when
            ``log_dir`` is given).
        purge_step (int, default None): after a crash at step T + X and a restart from a
            checkpoint at step T, TensorBoard hides the events of the earlier run whose
            step is >= ``purge_step`` (= T); use the same ``log_dir``.
        max_queue (int, default 10): pending events that force a write to disk.
        flush_secs (float, default 120): seconds between automatic writes to disk.
        filename_suffix (str, default ""): appended to the event file names.

    Example::

        >>> with SummaryWriter("runs/exp1") as writer:            # doctest: +SKIP
        ...     for step in range(100):
        ...         writer.add_scalar("loss/train", 1.0 / (step + 1), step)
        ...     writer.add_histogram("fc.weight", model.fc.weight, step)
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10,
                 flush_secs=120, filename_suffix=""):
        tensorboard_modules()  # the ImportError naming the extra comes before anything
        if not log_dir:
            log_dir = default_log_dir(comment)
        self.log_dir = log_dir
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = self.all_writers = None
        self._get_file_writer()

    def _get_file_writer(self):
        """The writer of ``log_dir`` (a new event file after ``close()``), plus, on first
        use with ``purge_step``, the two events that tell TensorBoard to hide later steps
        of an earlier run."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = _FileWriter(self.log_dir, self.max_queue, self.flush_secs,
                                           self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                pb = tensorboard_modules()
                step = int(self.purge_step)
                self.file_writer.add_event(pb.Event(step=step, file_version="brain.Event:2"))
                self.file_writer.add_event(pb.Event(step=step, session_log=pb.SessionLog(
                    status=pb.SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self):
        """The folder where the event files are written."""
        return self.log_dir

    def _add(self, summary, global_step, walltime):
        self._get_file_writer().add_summary(summary, global_step, walltime)

    # --- scalars -------------------------------------------------------------------
    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """Log one number under ``tag`` at ``global_step`` (``walltime``: seconds since
        the epoch, default now). ``new_style`` stores it as a tensor of the scalars
        plugin (float32, or float64 with ``double_precision``)."""
        self._add(_summary.scalar(tag, scalar_value, new_style, double_precision),
                  global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Log several numbers in one chart: each ``{tag: value}`` goes to its own run
        folder ``<log_dir>/<main_tag with / replaced by _>_<tag>`` under the tag
        ``main_tag``, so TensorBoard draws them as lines of one chart."""
        summaries = {tag: _summary.scalar(main_tag, value)  # validate all before writing
                     for tag, value in tag_scalar_dict.items()}
        walltime = time.time() if walltime is None else walltime
        base = self._get_file_writer().get_logdir()
        for tag, summary in summaries.items():
            folder = base + "/" + main_tag.replace("/", "_") + "_" + tag
            writer = self.all_writers.get(folder)
            if writer is None:
                writer = _FileWriter(folder, self.max_queue, self.flush_secs,
                                     self.filename_suffix)
                self.all_writers[folder] = writer
            writer.add_summary(summary, global_step, walltime)

    def add_tensor(self, tag, tensor, global_step=None, walltime=None):
        """Log a whole tensor (float16/32/64, int8-64, uint8 or bool) with its shape."""
        self._add(_summary.tensor(tag, tensor), global_step, walltime)

    # --- distributions, images, sound -------------------------------------------------
    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None,
                      max_bins=None):
        """Log the distribution of all elements of ``values`` (weights, gradients,
        activations). ``bins``: "tensorflow" (TensorBoard's exponential buckets), or
        anything ``numpy.histogram`` accepts ("auto", "fd", an int, edges)."""
        self._add(_summary.histogram(tag, values, bins, max_bins), global_step, walltime)

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares,  # noqa: A002
                          bucket_limits, bucket_counts, global_step=None, walltime=None):
        """Log a histogram computed elsewhere (``bucket_limits``: upper edge per bucket)."""
        self._add(_summary.histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits,
                                         bucket_counts), global_step, walltime)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """Log an image; ``dataformats`` names its axes ("CHW", "HWC", "HW", ...). Float
        pixels are in [0, 1], uint8 pixels in [0, 255]; 1 channel is shown as grey, 3 as
        RGB, 4 as RGBA (HWC/CHW only)."""
        self._add(_summary.image(tag, img_tensor, dataformats), global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None,
                   dataformats="NCHW"):
        """Log a batch of images as one grid, 8 images per row (N x 1 or 3 channels)."""
        self._add(_summary.image(tag, img_tensor, dataformats), global_step, walltime)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """Log a matplotlib figure (or a list of figures, as a grid) as an image;
        ``close`` closes the figures afterwards. Needs ``pip install deepgrad[plot]``."""
        if isinstance(figure, list):
            batch = [figure_to_chw(f, close) for f in figure]
            self.add_image(tag, np.stack(batch), global_step, walltime, dataformats="NCHW")
        else:
            self.add_image(tag, figure_to_chw(figure, close), global_step, walltime,
                           dataformats="CHW")

    def add_audio(self, tag, snd_tensor, global_step=None, sample_rate=44100, walltime=None):
        """Log a mono sound: samples in [-1, 1] (any shape that squeezes to 1-D), played
        at ``sample_rate`` Hz in the Audio tab (a 16-bit WAV)."""
        self._add(_summary.audio(tag, snd_tensor, sample_rate), global_step, walltime)

    # --- curves and chart layouts ------------------------------------------------------
    def add_pr_curve(self, tag, labels, predictions, global_step=None, num_thresholds=127,
                     weights=None, walltime=None):
        """Log a precision-recall curve: binary ``labels``, ``predictions`` (probabilities
        of the positive class) in [0, 1], at ``num_thresholds`` (at most 127) thresholds
        i / (num_thresholds - 1); ``weights`` weigh the examples (see ``charts.pr_counts``)."""
        self._add(_charts.pr_curve(tag, labels, predictions, num_thresholds, weights),
                  global_step, walltime)

    def add_pr_curve_raw(self, tag, true_positive_counts, false_positive_counts,
                         true_negative_counts, false_negative_counts, precision, recall,
                         global_step=None, num_thresholds=127, weights=None, walltime=None):
        """Log a precision-recall curve from counts computed elsewhere (one value per
        threshold in each argument). ``weights`` is accepted for torch's signature."""
        counts = (true_positive_counts, false_positive_counts, true_negative_counts,
                  false_negative_counts, precision, recall)
        self._add(_charts.pr_curve_raw(tag, counts, num_thresholds), global_step, walltime)

    def add_custom_scalars(self, layout):
        """Group scalar tags into charts of the Custom Scalars tab: ``layout`` is
        ``{category: {title: ["Multiline", [tags]] or ["Margin", [value, lower, upper]]}}``."""
        self._add(_charts.custom_scalars(layout), None, None)

    def add_custom_scalars_multilinechart(self, tags, category="default", title="untitled"):
        """One chart drawing several scalar ``tags`` together."""
        self.add_custom_scalars({category: {title: ["Multiline", tags]}})

    def add_custom_scalars_marginchart(self, tags, category="default", title="untitled"):
        """One chart of a value with a shaded band: ``tags = [value, lower, upper]``."""
        self.add_custom_scalars({category: {title: ["Margin", tags]}})

    # --- text and hyperparameters -----------------------------------------------------
    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """Log a (markdown) string, shown in TensorBoard's Text tab under
        ``<tag>/text_summary``."""
        self._add(_summary.text(tag, text_string), global_step, walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None,
                    run_name=None, global_step=None):
        """Log one run's hyperparameters and final metrics for the HParams tab.

        They go to a new run folder ``<log_dir>/<run_name>`` (default: the current
        time), holding the hparams plugin's three summaries and each metric as a scalar.
        Values: int, float, str, bool, or a one-element tensor (None is skipped).
        """
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError(f"hparam_dict and metric_dict should be dictionaries, got "
                            f"{type(hparam_dict).__name__} and {type(metric_dict).__name__}")
        experiment, start, end = _summary.hparams(hparam_dict, metric_dict,
                                                  hparam_domain_discrete)
        metrics = {k: _summary.scalar(k, v) for k, v in metric_dict.items()}
        run_name = run_name or str(time.time())
        folder = os.path.join(self._get_file_writer().get_logdir(), run_name)
        with SummaryWriter(log_dir=folder) as run:
            for summary in (experiment, start, end):
                run.file_writer.add_summary(summary, global_step)
            for summary in metrics.values():
                run.file_writer.add_summary(summary, global_step)

    # --- model graph and embeddings -------------------------------------------------------
    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """Log the graph of one forward pass of ``model`` on ``input_to_model`` (a tensor
        or a tuple of tensors) for the Graphs tab: one node per recorded op, grouped in
        boxes by module as ``Net/Linear[fc1]``, with parameters and inputs as leaves.
        The pass runs in eval mode (the model's modes are restored afterwards).
        ``use_strict_trace`` is accepted for torch's signature (there is no JIT here)."""
        from .graph import model_graph  # noqa: PLC0415 - rarely used
        if input_to_model is None:
            raise ValueError("add_graph needs input_to_model: the graph is recorded by running "
                             "the model once on it")
        graph = model_graph(model, input_to_model)
        if verbose:
            print(graph)
        pb = tensorboard_modules()
        self._get_file_writer().add_event(pb.Event(graph_def=graph.SerializeToString()))

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None,
                      tag="default", metadata_header=None):
        """Log points (rows of ``mat``) for TensorBoard's Projector (see embedding.py)."""
        from .embedding import write_embedding  # noqa: PLC0415 - rarely used
        write_embedding(self, to_numpy(mat, "mat"), metadata, label_img, global_step, tag,
                        metadata_header)

    # --- files ----------------------------------------------------------------------
    def flush(self):
        """Write all pending events of every run folder to disk."""
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            writer.flush()

    def close(self):
        """Flush and close the event files; a later ``add_*`` opens new ones."""
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.close()
