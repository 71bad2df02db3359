"""The example programs of the suite: where they live, their arguments, what they print.

Each ``Program`` names a folder of pytorch/examples, the scripts to run in order
(a data generator, the training program, a follow-up such as ``generate.py``),
the arguments of the fast test and of the benchmark, an optional ``prepare`` that
writes input data into the unpacked folder, and ``metrics``, which reads the
numbers the program prints (its own output; the programs are not changed).
"""
import dataclasses
import math
import re
from pathlib import Path
from typing import Callable, Optional

from . import harness

FLOAT = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)"


def _last(pattern, text, what):
    found = re.findall(pattern, text)
    if not found:
        raise ValueError(f"the program printed no {what} (pattern {pattern!r})")
    return found[-1]


def mnist_test_metrics(stdout):
    """``Test set: Average loss: L, Accuracy: c/n (p%)`` (the last one printed)."""
    loss, correct, total = _last(r"Test set: Average loss: " + FLOAT + r", Accuracy: (\d+)/(\d+)",
                                 stdout, "test-set line")
    return {"test_loss": float(loss), "accuracy": int(correct) / int(total)}


def vae_metrics(stdout):
    return {"test_loss": float(_last(r"====> Test set loss: " + FLOAT, stdout, "test loss")),
            "train_loss": float(_last(r"====> Epoch: \d+ Average loss: " + FLOAT, stdout,
                                      "epoch loss"))}


def _polynomial(line):
    return [float(c) for c in re.findall(r"([-+]\d+\.\d+)", line)]


def regression_metrics(stdout):
    loss, batches = _last(r"Loss: " + FLOAT + r" after (\d+) batches", stdout, "final loss")
    learned = _polynomial(_last(r"==> Learned function:\s*(.*)", stdout, "learned function"))
    actual = _polynomial(_last(r"==> Actual function:\s*(.*)", stdout, "actual function"))
    error = max(abs(a - b) for a, b in zip(learned, actual))
    return {"loss": float(loss), "batches": int(batches), "max_coefficient_error": error}


def dcgan_metrics(stdout):
    values = _last(r"Loss_D: " + FLOAT + r" Loss_G: " + FLOAT + r" D\(x\): " + FLOAT +
                   r" D\(G\(z\)\): " + FLOAT + r" / " + FLOAT, stdout, "training line")
    return dict(zip(("loss_D", "loss_G", "D_x", "D_G_z1", "D_G_z2"), map(float, values)))


def word_lm_metrics(stdout):
    loss, ppl = _last(r"End of training \| test loss\s+" + FLOAT + r" \| test ppl\s+" + FLOAT,
                      stdout, "end-of-training line")
    return {"test_loss": float(loss), "test_ppl": float(ppl)}


def time_sequence_metrics(stdout):
    return {"test_loss": float(_last(r"test loss: " + FLOAT, stdout, "test loss")),
            "train_loss": float(_last(r"(?m)^loss: " + FLOAT, stdout, "training loss"))}


def forward_forward_metrics(stdout):
    return {"train_error": float(_last(r"train error: " + FLOAT, stdout, "train error")),
            "test_error": float(_last(r"test error: " + FLOAT, stdout, "test error"))}


def small_corpus(train_lines, eval_lines):
    """A ``prepare`` step: a wikitext-2 corpus cut down to a few hundred lines.

    The snapshot may lack ``train.txt`` (a large file), so every split comes from
    the bundled ``valid.txt`` and ``test.txt``: training text is the first
    ``train_lines`` lines of valid.txt, validation and test text two consecutive
    blocks of ``eval_lines`` lines of test.txt. Written to ``<folder>/small_corpus``.
    """
    def prepare(snapshot, folder):
        source = "word_language_model/data/wikitext-2/"
        valid = harness.read_text(snapshot, source + "valid.txt").splitlines(keepends=True)
        test = harness.read_text(snapshot, source + "test.txt").splitlines(keepends=True)
        target = Path(folder) / "small_corpus"
        target.mkdir(exist_ok=True)
        (target / "train.txt").write_text("".join(valid[:train_lines]), encoding="utf8")
        (target / "valid.txt").write_text("".join(test[:eval_lines]), encoding="utf8")
        (target / "test.txt").write_text("".join(test[eval_lines:2 * eval_lines]),
                                         encoding="utf8")
    return prepare


@dataclasses.dataclass
class Program:
    name: str
    folder: str
    script: str
    fast_args: list
    bench_args: list
    metrics: Callable[[str], dict]
    headline: str                       # the metric shown in the results table
    before: list = dataclasses.field(default_factory=list)   # [(script, args)] run first
    after: list = dataclasses.field(default_factory=list)    # [(script, args)] run last
    prepare_fast: Optional[Callable] = None
    prepare_bench: Optional[Callable] = None
    slow: bool = False                  # the fast run itself takes minutes
    env: dict = dataclasses.field(default_factory=dict)      # extra environment variables


_WLM_FAST = ["--data", "small_corpus", "--epochs", "1", "--emsize", "32", "--nhid", "32",
             "--bptt", "20", "--batch_size", "10", "--log-interval", "10"]
_WLM_BENCH = ["--data", "small_corpus", "--epochs", "2", "--log-interval", "50"]
_GENERATE = ("generate.py", ["--data", "small_corpus", "--words", "40", "--log-interval", "20"])

PROGRAMS = {p.name: p for p in [
    Program("mnist", "mnist", "main.py", ["--epochs", "1", "--no-accel"],
            ["--epochs", "5", "--no-accel"], mnist_test_metrics, "accuracy"),
    Program("mnist_rnn", "mnist_rnn", "main.py",
            ["--epochs", "1", "--lr", "1.0", "--batch-size", "16"],
            ["--epochs", "5", "--lr", "1.0", "--batch-size", "16"],
            mnist_test_metrics, "accuracy"),
    Program("regression", "regression", "main.py", [], [], regression_metrics,
            "max_coefficient_error"),
    Program("vae", "vae", "main.py", ["--epochs", "1", "--no-accel"],
            ["--epochs", "10", "--no-accel"], vae_metrics, "test_loss"),
    Program("dcgan", "dcgan", "main.py",
            ["--dataset", "fake", "--dry-run", "--ngf", "16", "--ndf", "16", "--manualSeed", "1"],
            ["--dataset", "fake", "--niter", "1", "--manualSeed", "1"], dcgan_metrics, "loss_D"),
    Program("word_language_model_lstm", "word_language_model", "main.py", _WLM_FAST,
            _WLM_BENCH, word_lm_metrics, "test_ppl", after=[_GENERATE],
            prepare_fast=small_corpus(200, 60), prepare_bench=small_corpus(1000, 200)),
    Program("word_language_model_transformer", "word_language_model", "main.py",
            [*_WLM_FAST, "--model", "Transformer", "--lr", "5"],
            [*_WLM_BENCH, "--model", "Transformer", "--lr", "5"], word_lm_metrics, "test_ppl",
            after=[_GENERATE], prepare_fast=small_corpus(200, 60),
            prepare_bench=small_corpus(1000, 200)),
    Program("time_sequence_prediction", "time_sequence_prediction", "train.py", ["--steps", "1"],
            ["--steps", "1"], time_sequence_metrics, "test_loss",
            before=[("generate_sine_wave.py", [])], slow=True,
            # generate_sine_wave.py saves a NumPy array with torch.save; torch 2.13's
            # torch.load (weights_only by default) refuses it, so torch's run needs its
            # documented switch back to full unpickling (deepgrad's load accepts arrays)
            env={"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"}),
    Program("mnist_forward_forward", "mnist_forward_forward", "main.py",
            ["--epochs", "5", "--no_accel", "--log-interval", "5"],
            ["--epochs", "300", "--no_accel", "--log-interval", "100"],
            forward_forward_metrics, "test_error"),
    Program("siamese_network", "siamese_network", "main.py",
            ["--epochs", "1", "--dry-run", "--no-accel"], ["--epochs", "1", "--no-accel"],
            mnist_test_metrics, "accuracy"),
]}


def run_program(program, library, snapshot, workroot, bench=False, timeout=600, threads=1):
    """Unpack ``program`` under ``workroot/library`` and run its scripts; returns
    (RunResult of the main script, list of every RunResult). Stops at the first failure."""
    folder = harness.extract(snapshot, program.folder, Path(workroot) / library)
    prepare = program.prepare_bench if bench else program.prepare_fast
    if prepare is not None:
        prepare(snapshot, folder)
    args = program.bench_args if bench else program.fast_args
    steps = [*program.before, (program.script, args), *program.after]
    results, main = [], None
    for script, script_args in steps:
        result = harness.run_script(library, folder, script, script_args, timeout, threads,
                                    program.env)
        results.append(result)
        if script == program.script and script_args is args:
            main = result
        if result.returncode != 0:
            break
    return main, results


def headline_text(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.4g}"
