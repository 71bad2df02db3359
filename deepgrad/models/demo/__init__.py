"""``deepgrad demo models``: train every family of ``deepgrad.models`` on small offline data,
draw one figure per family and summarise each with a number beside a baseline.

::

    deepgrad demo models [--out runs/models] [--quick] [--families ae,vae,...] [--seed 0]
                         [--data auto|digits|mnist1d]

=============  =================================================  =============================
family         models                                             headline vs baseline
=============  =================================================  =============================
ae             plain, denoising, sparse, contractive autoencoder  test MSE vs the training mean
stacked        StackedAutoencoder, pretrained then fine-tuned     accuracy with 10 % of the
                                                                  labels vs from scratch
vae            VAE (Bernoulli decoder)                            test ELBO vs independent pixels
rbm            BernoulliRBM; DBN fine-tuned                       pseudo-log-likelihood vs
                                                                  independent pixels; DBN as
                                                                  ``stacked``
gan            GAN (non-saturating), MLP players                  judge score vs untrained G
wgan_gp        WGAN-GP, MLP players                               judge score vs untrained G
sparse_coding  DictionaryLearning + SparseCoder                   lasso objective vs zero code
classic        MLP, SimpleCNN, LeNet-5 (images only)              test accuracy vs majority
char_rnn       CharRNN (LSTM)                                     bits/char vs char frequencies
=============  =================================================  =============================

The data (``data.py``): scikit-learn's 8x8 digits when scikit-learn is installed, else
MNIST-1D (NumPy only). The figures need matplotlib (``pip install deepgrad[plot]``); without
it the numbers are still computed and the run says that the figures were skipped.
Everything is written into ``out``: one PNG per family, ``summary.json`` and ``index.html``.
"""
import os
import time

from ...random import manual_seed
from ...threads import get_num_threads, set_num_threads
from . import generative, supervised, unsupervised
from .data import DATA_SETS, load_data, pyplot
from .report import format_table, write_summary

FAMILIES = {
    "ae": ("autoencoders: plain, denoising, sparse, contractive",
           unsupervised.run_autoencoders),
    "stacked": ("stacked autoencoder: greedy pretraining, then fine-tuning",
                unsupervised.run_stacked),
    "vae": ("variational autoencoder", unsupervised.run_vae),
    "rbm": ("restricted Boltzmann machine and deep belief net", unsupervised.run_rbm),
    "gan": ("generative adversarial network", generative.run_gan),
    "wgan_gp": ("Wasserstein GAN with gradient penalty", generative.run_wgan_gp),
    "sparse_coding": ("sparse coding: dictionary learning", unsupervised.run_sparse_coding),
    "classic": ("classic classifiers: MLP, SimpleCNN, LeNet-5", supervised.run_classic),
    "char_rnn": ("character-level RNN", supervised.run_char_rnn),
}


class Context:
    """What every family's ``run`` reads: the run's settings, pyplot (None: no figures) and a
    cache shared between families (the GANs' judge)."""

    def __init__(self, out_dir, quick, seed, plt):
        self.out_dir, self.quick, self.seed, self.plt = out_dir, quick, seed, plt
        self.cache = {}

    def pick(self, full, quick):
        """``quick`` under --quick, else ``full`` (epochs, iterations)."""
        return quick if self.quick else full


def check_families(families):
    """The list of family names, in the table's order; ValueError names unknown ones."""
    if families is None:
        return list(FAMILIES)
    unknown = [f for f in families if f not in FAMILIES]
    if unknown or not families:
        raise ValueError(f"unknown famil{'y' if len(unknown) == 1 else 'ies'} "
                         f"{', '.join(map(repr, unknown)) or '(none given)'}; "
                         f"allowed: {', '.join(FAMILIES)}")
    return [f for f in FAMILIES if f in families]


def run_models_demo(out_dir="runs/models", quick=False, families=None, seed=0, data="auto",
                    threads=1, figures=True):
    """Train the chosen families (default all), print the table, write the figures,
    ``summary.json`` and ``index.html`` into ``out_dir``; returns the summary dict.

    ``threads``: BLAS threads while training (1 is fastest for these small models).
    ``figures=False`` skips matplotlib; with ``figures=True`` and no matplotlib the figures
    are skipped with a note naming ``pip install deepgrad[plot]``.
    """
    names = check_families(families)
    if data not in DATA_SETS:
        raise ValueError(f"data must be one of {DATA_SETS}, got {data!r}")
    start = time.perf_counter()
    demo_data = load_data(data, quick=quick)
    plt, notes = None, []
    if figures:
        try:
            plt = pyplot()
        except ImportError as e:
            notes.append(f"figures skipped: {e}")
            print(notes[-1])
    os.makedirs(out_dir, exist_ok=True)
    ctx = Context(out_dir, quick, seed, plt)
    print(f"== data: {demo_data.describe()}")
    results = []
    previous = get_num_threads()
    set_num_threads(threads)
    try:
        for name in names:
            title, run = FAMILIES[name]
            print(f"== {name}: {title}", flush=True)
            manual_seed(seed)
            began = time.perf_counter()
            result = run(demo_data, ctx)
            result.update(family=name, title=title, seconds=time.perf_counter() - began)
            for note in result["notes"]:
                print("   " + note)
            results.append(result)
    finally:
        set_num_threads(previous)
    total = time.perf_counter() - start
    summary = {"data": demo_data.describe(), "quick": quick, "seed": seed,
               "total_seconds": total, "notes": notes, "families": results}
    print(format_table(results, total))
    page = write_summary(out_dir, summary)
    print(f"summary: {os.path.join(out_dir, 'summary.json')}; figures: {page}")
    return summary
