"""``deepgrad lab <verb>``: each lab tool on MNIST-1D or synthetic data, writing its figure.

Verbs: gradcheck, bias-variance, curves, lr-find, optimizers, diagnose, hessian (and tune,
which hands over to ``deepgrad.lab.tune.cli_main``). Every verb takes ``--out`` (default
``runs/lab/<verb>/``), ``--seed``, ``--quick`` (tiny sizes: a smoke test) and ``--threads``
(BLAS threads, default 1), and finishes in under two minutes on two cores with its
defaults. Register with::

    from .lab.cli import add_lab_parser
    add_lab_parser(verbs)
"""
import argparse
import os
import sys

VERBS = ("gradcheck", "bias-variance", "curves", "lr-find", "optimizers", "diagnose",
         "hessian", "tune")


def add_lab_parser(subparsers):
    """Add the ``lab`` verb and its sub-verbs to an argparse subparsers object."""
    lab = subparsers.add_parser("lab", help="run a deepgrad.lab experiment and draw its figure",
                                description="The course's experiments as one command each; "
                                "every one writes a PNG (and prints its numbers).")
    verbs = lab.add_subparsers(dest="lab_verb", metavar="{" + ",".join(VERBS) + "}")
    verbs.required = True
    helps = {
        "gradcheck": "gradient check of an MLP with batch norm on MNIST-1D",
        "bias-variance": "bias-variance U-curve of polynomial regression (bootstrap) and "
                         "double descent of random ReLU features on MNIST-1D",
        "curves": "learning curve and validation curve (L2) of an MLP on MNIST-1D",
        "lr-find": "learning-rate range test of an MLP on MNIST-1D",
        "optimizers": "optimiser paths on six test functions (PNG, GIF) and BGD/SGD/mini-batch",
        "diagnose": "activation statistics, init explorer and gradient norms",
        "hessian": "top Hessian eigenvalues of a small MLP on MNIST-1D",
    }
    for verb, text in helps.items():
        sub = verbs.add_parser(verb, help=text, description=text)
        sub.add_argument("--out", default=None, help=f"output folder (default runs/lab/{verb})")
        sub.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        sub.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
        sub.add_argument("--threads", type=int, default=1,
                         help="BLAS threads (default 1: these matrices are small, and on a "
                              "busy 2-core machine two threads ran up to 3x slower)")
    tune = verbs.add_parser("tune", help="hyperparameter search (deepgrad.lab.tune)",
                            add_help=False)
    # Every word after `tune` goes to deepgrad.lab.tune's own parser untouched. (A
    # nargs=REMAINDER positional does not do it: argparse matches a leading --option such as
    # `tune --quick` or `tune --help` before the positional and rejects it as unknown.)
    tune.parse_known_args = lambda args=None, namespace=None: (
        argparse.Namespace(tune_args=list(args or [])), [])
    lab.set_defaults(run=run_lab)
    return lab


def run_lab(args):
    """Run the lab verb in ``args.lab_verb``; returns the exit status."""
    if args.lab_verb == "tune":
        try:
            from .tune import cli_main  # noqa: PLC0415 - written separately
        except ImportError as error:
            print(f"deepgrad lab tune: not available ({error})", file=sys.stderr)
            return 2
        return cli_main(args.tune_args)
    from . import cli_verbs  # noqa: PLC0415 - keeps `deepgrad --help` fast
    from ..threads import get_num_threads, set_num_threads  # noqa: PLC0415
    threads = getattr(args, "threads", 1)
    if threads < 1:
        print(f"deepgrad lab {args.lab_verb}: --threads must be >= 1, got {threads}",
              file=sys.stderr)
        return 2
    out = args.out or os.path.join("runs", "lab", args.lab_verb)
    os.makedirs(out, exist_ok=True)
    run = getattr(cli_verbs, args.lab_verb.replace("-", "_"))
    previous = get_num_threads()
    set_num_threads(threads)
    try:
        for path in run(out, quick=args.quick, seed=args.seed):
            print(f"wrote {path}")
    finally:
        set_num_threads(previous)
    return 0


def main(argv=None):
    """``python -m deepgrad.lab.cli <verb> ...`` (the same as ``deepgrad lab <verb>``)."""
    parser = argparse.ArgumentParser(prog="deepgrad")
    add_lab_parser(parser.add_subparsers(dest="verb"))
    return run_lab(parser.parse_args(["lab"] + list(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    sys.exit(main())
