"""The official PyTorch example programs, unmodified, on deepgrad and on real torch.

Each test unpacks one program of pytorch/examples (see ``harness``), runs it in
its own process under real torch 2.13 and, at the same time, under deepgrad
(``import torch`` aliased to deepgrad, torchvision replaced by the offline
stand-in), and checks that the deepgrad run exits with 0 and reaches the same
quality as torch on the same data.

The two runs never draw the same random numbers (weight initialisation, data
shuffling, dropout and the program's own ``torch.randn`` come from each
library's generator), so the numbers they print are not equal; each check has a
tolerance, stated and reasoned next to it, that covers the spread between two
seeds of the same program under torch alone (measured, see README.md).

Where a check compares with torch's number, it runs twice: against torch's figures
recorded over five seeds (``TORCH_RECORDED``: the fast default, deepgrad's run only, half
the CPU time) and, marked slow, against a torch run started beside deepgrad's.
"""
import concurrent.futures
import math

import pytest

from . import harness, programs

SNAPSHOT, MISSING_REASON = harness.snapshot_location()
pytestmark = pytest.mark.skipif(SNAPSHOT is None, reason=str(MISSING_REASON))

FAST_TIMEOUT = 300

# torch 2.13 on this suite's data with the fast arguments of programs.py, the lowest and
# highest figure over seeds 1-5 (word_language_model: seeds 1111-1114), measured when the
# tests were written; the slow "live" variant of each test checks against a fresh torch run.
TORCH_RECORDED = {
    "mnist": {"accuracy": (0.71, 0.85)},
    "mnist_rnn": {"accuracy": (0.52, 0.66)},
    "vae": {"test_loss": (276.7, 281.8)},
    "word_language_model_lstm": {"test_ppl": (856.0, 908.0)},
    "word_language_model_transformer": {"test_ppl": (724.0, 804.0)},
}


@pytest.fixture(params=["recorded", pytest.param("live", marks=pytest.mark.slow)])
def torch_reference(request):
    return request.param


def run_against_torch(program, tmp_path, reference):
    """deepgrad's results and metrics, and torch's metric ranges {name: (low, high)}: this
    run's torch figure (low == high) for "live", the recorded seed range for "recorded"."""
    if reference == "live":
        results = run_both(program, tmp_path)
        found = metrics_of(program, results)
        torch_range = {name: (value, value) for name, value in found["torch"].items()}
    else:
        results = run_deepgrad(program, tmp_path)
        found = metrics_of(program, results)
        torch_range = TORCH_RECORDED[program.name]
    return results, found["deepgrad"], torch_range


def run_both(program, tmp_path, timeout=FAST_TIMEOUT):
    """Run ``program`` under torch and deepgrad at once; returns {library: main RunResult}.
    Fails the test (with the program's output) when either run does not exit with 0."""
    def one(library):
        return programs.run_program(program, library, SNAPSHOT, tmp_path, timeout=timeout)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        outcome = dict(zip(harness.LIBRARIES, pool.map(one, harness.LIBRARIES)))
    for library, (main, steps) in outcome.items():
        for step in steps:
            assert step.returncode == 0, f"{program.name}: {step.failure_text()}"
    return {library: main for library, (main, _) in outcome.items()}


def run_deepgrad(program, tmp_path, timeout=FAST_TIMEOUT):
    """Run ``program`` under deepgrad only (for checks that do not compare with torch's
    numbers); fails the test with the program's output when it does not exit with 0."""
    main, steps = programs.run_program(program, "deepgrad", SNAPSHOT, tmp_path, timeout=timeout)
    for step in steps:
        assert step.returncode == 0, f"{program.name}: {step.failure_text()}"
    return {"deepgrad": main}


def metrics_of(program, results):
    return {library: program.metrics(result.stdout) for library, result in results.items()}


def test_mnist_cnn_one_epoch(tmp_path, torch_reference):
    # 23 Adadelta steps of the 2-conv network over the 1437 training digits, then the
    # 360 test digits. Under torch, seeds 1-5 gave test accuracies 0.71-0.85 (a 14-point
    # range), so deepgrad must be within 20 points of torch and well above chance (10 %).
    program = programs.PROGRAMS["mnist"]
    _, ours, torch_range = run_against_torch(program, tmp_path, torch_reference)
    assert ours["accuracy"] >= 0.5, (ours, torch_range)
    assert ours["accuracy"] >= torch_range["accuracy"][0] - 0.2, (ours, torch_range)
    assert math.isfinite(ours["test_loss"]), ours


def test_mnist_rnn(tmp_path, torch_reference):
    # LSTM over the 28 image rows, BatchNorm1d, Dropout2d on 2-D input (a deprecated use
    # that torch warns about: deepgrad must warn the same way and still run). 90 Adadelta
    # steps; under torch, seeds 1-5 gave test accuracies 0.52-0.66: deepgrad must be
    # within 20 points of torch and at least 0.35 (chance is 0.10).
    program = programs.PROGRAMS["mnist_rnn"]
    results, ours, torch_range = run_against_torch(program, tmp_path, torch_reference)
    assert ours["accuracy"] >= 0.35, (ours, torch_range)
    assert ours["accuracy"] >= torch_range["accuracy"][0] - 0.2, (ours, torch_range)
    assert "dropout2d: Received a 2-D input" in results["deepgrad"].stderr


def test_regression_stops_at_the_programs_criterion(tmp_path):
    # The program trains until the smooth-L1 loss of a batch falls below 1e-3 and prints
    # the learned polynomial next to the true one (its coefficients drawn from each
    # library's own generator). The stop rule bounds the residual, not the coefficients:
    # the largest coefficient error was 0.02-0.09 over 9 torch runs (0.02-0.13 over 7
    # deepgrad runs), so 0.3 is the bound. (torch's run adds nothing: its own criterion.)
    program = programs.PROGRAMS["regression"]
    found = metrics_of(program, run_deepgrad(program, tmp_path))
    assert found["deepgrad"]["loss"] < 1e-3, found
    assert found["deepgrad"]["max_coefficient_error"] <= 0.3, found


def test_vae_one_epoch(tmp_path, torch_reference):
    # One Adam epoch of the MLP VAE: the summed BCE + KL test loss per image was
    # 276.7-281.8 under torch with seeds 1-5 (a 1.8 % range): 5 % allowed.
    program = programs.PROGRAMS["vae"]
    results, ours, torch_range = run_against_torch(program, tmp_path, torch_reference)
    low, high = torch_range["test_loss"]
    assert 0.95 * low <= ours["test_loss"] <= 1.05 * high, (ours, torch_range)
    for name in ("reconstruction_1.png", "sample_1.png"):
        assert (results["deepgrad"].workdir / "results" / name).stat().st_size > 0


def _printed_networks(stdout):
    """The lines from ``Generator(`` up to the first training line: print(netG), print(netD)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Generator("))
    end = next(i for i, line in enumerate(lines) if line.startswith("[0/"))
    return lines[start:end]


def test_dcgan_fake_data_dry_run(tmp_path):
    # One discriminator and one generator step on 64 random 64x64 pictures (the same
    # pictures in both runs), then checkpoints and sample grids. After one step from
    # the DCGAN initialisation the discriminator's BCE sits near 2 ln 2 and D's outputs
    # near 1/2: torch gives 1.47 and 0.65 / 0.41, so bands of +-0.7 and +-0.35.
    program = programs.PROGRAMS["dcgan"]
    results = run_both(program, tmp_path)
    found = metrics_of(program, results)
    ours = found["deepgrad"]
    assert abs(ours["loss_D"] - 2 * math.log(2)) <= 0.7, found
    for key in ("D_x", "D_G_z1", "D_G_z2"):
        assert abs(ours[key] - 0.5) <= 0.35, found
    # the program prints both networks: the module trees must read exactly as torch's
    assert _printed_networks(results["deepgrad"].stdout) == \
        _printed_networks(results["torch"].stdout)
    workdir = results["deepgrad"].workdir
    for name in ("netG_epoch_0.pth", "netD_epoch_0.pth", "fake_samples_epoch_000.png",
                 "real_samples.png"):
        assert (workdir / name).stat().st_size > 0, name
    # --manualSeed fixes every draw: a second deepgrad run prints the same numbers
    again, _ = programs.run_program(program, "deepgrad", SNAPSHOT, tmp_path / "again",
                                    timeout=FAST_TIMEOUT)
    assert again.returncode == 0, again.failure_text()
    assert program.metrics(again.stdout) == ours


def _word_language_model(name, tmp_path, reference):
    program = programs.PROGRAMS[name]
    results, ours, torch_range = run_against_torch(program, tmp_path, reference)
    # one epoch over ~11,600 training words: the test perplexity falls from the vocabulary
    # size (~3,500) to several hundred. Under torch, seeds 1111-1114 gave 856-908 (LSTM)
    # and 724-804 (Transformer), an 11 % spread: deepgrad's may be at most 1.2x torch's.
    assert ours["test_ppl"] <= 1.2 * torch_range["test_ppl"][1], (ours, torch_range)
    generated = (results["deepgrad"].workdir / "generated.txt").read_text().split()
    assert len(generated) == 40


def test_word_language_model_lstm(tmp_path, torch_reference):
    _word_language_model("word_language_model_lstm", tmp_path, torch_reference)


def test_word_language_model_transformer(tmp_path, torch_reference):
    _word_language_model("word_language_model_transformer", tmp_path, torch_reference)


def test_mnist_forward_forward(tmp_path):
    # Hinton's forward-forward training: each layer trained alone with Adam on the
    # whole training set. With 5 steps per layer it is far from trained (torch's
    # error is ~0.9 as well), so this checks that it runs under deepgrad and that both
    # errors are fractions; the benchmark compares the trained errors with torch's.
    program = programs.PROGRAMS["mnist_forward_forward"]
    found = metrics_of(program, run_deepgrad(program, tmp_path))
    for key in ("train_error", "test_error"):
        assert 0.0 <= found["deepgrad"][key] <= 1.0, found


@pytest.mark.slow
def test_time_sequence_prediction(tmp_path):
    # LSTMCell pair in float64 over 999 steps, trained by LBFGS. One LBFGS step (20
    # closure calls) takes the test MSE from ~0.5 to 0.0013 under torch (deepgrad: 0.0046
    # in the benchmark run); at most 2x torch's + 0.01 is asked, well below the start.
    program = programs.PROGRAMS["time_sequence_prediction"]
    found = metrics_of(program, run_both(program, tmp_path, timeout=3600))
    assert found["deepgrad"]["test_loss"] <= 2 * found["torch"]["test_loss"] + 0.01, found


def test_siamese_network_dry_run(tmp_path):
    # ResNet-18 (the stand-in's, torchvision's architecture) on pairs of digits with
    # BCELoss: one training step, then the 360 test pairs. The pairs come from Python's
    # unseeded `random`, so no number can be compared with torch's here (the benchmark
    # compares trained runs): the program must run, and after one step the accuracy is
    # a fraction and the loss finite.
    program = programs.PROGRAMS["siamese_network"]
    found = metrics_of(program, run_deepgrad(program, tmp_path))
    assert 0.0 <= found["deepgrad"]["accuracy"] <= 1.0, found
    assert math.isfinite(found["deepgrad"]["test_loss"]), found


@pytest.mark.slow
def test_siamese_network_one_epoch(tmp_path):
    # 23 Adadelta steps of the ResNet-18 siamese pair classifier. torch reached 0.66 and
    # 0.74 test accuracy (two bench runs), deepgrad 0.69 once binary_cross_entropy's
    # gradient stopped being NaN at saturated outputs (tests/compat/test_conformance_gaps.py):
    # deepgrad must learn too: finite loss, above chance.
    program = programs.PROGRAMS["siamese_network"]
    results = {library: programs.run_program(program, library, SNAPSHOT, tmp_path, bench=True,
                                             timeout=3600)[0]
               for library in harness.LIBRARIES}
    found = metrics_of(program, results)
    assert math.isfinite(found["deepgrad"]["test_loss"]), found
    assert found["deepgrad"]["accuracy"] >= min(0.55, found["torch"]["accuracy"] - 0.2), found
