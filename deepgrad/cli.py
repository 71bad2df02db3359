"""The ``deepgrad`` command line.

::

    deepgrad demo [--quick] [--out runs/demo]   train the MNIST-1D paper's four models
    deepgrad train CONFIG.toml                  train what a TOML config describes
    deepgrad report RUN_DIR                     rebuild a run folder's report.html
    deepgrad lab VERB                           the lab's experiments (deepgrad lab --help)

``python -m deepgrad ...`` is the same. Every verb has ``--help``. Exit codes: 0 success,
2 a usage or config error (nothing was trained), 1 a failure during training.
"""
import argparse
import sys
import time

PROG = "deepgrad"


def _demo(args):
    from .demo import run_demo  # noqa: PLC0415 - keeps `deepgrad --help` instant
    models = args.models.split(",") if args.models else None
    run_demo(args.out, quick=args.quick, progress=not args.no_progress, models=models,
             seed=args.seed, threads=args.threads)
    return 0


def _train(args):
    from .cli_config import ConfigError, load_plan  # noqa: PLC0415
    try:
        plan = load_plan(args.config)
    except ConfigError as error:
        print(f"{PROG} train: error in {args.config}: {error}", file=sys.stderr)
        return 2
    trainer = plan["trainer"]
    start = time.perf_counter()
    trainer.fit(plan["train"], epochs=plan["epochs"], val_split=plan["val_split"],
                batch_size=plan["batch_size"])
    print(f"trained {trainer.epoch} epoch(s) in {time.perf_counter() - start:.1f} s")
    if plan["test"] is not None:
        results = trainer.evaluate(plan["test"])
        print("test: " + ", ".join(f"{k} {v:.4f}" for k, v in results.items()))
    print(f"run folder: {plan['run_dir']} (report.html inside)")
    return 0


def _report(args):
    from .cli_report import rebuild  # noqa: PLC0415
    try:
        path = rebuild(args.run_dir)
    except FileNotFoundError as error:
        print(f"{PROG} report: {error}", file=sys.stderr)
        return 2
    print(path)
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog=PROG, description="deepgrad: deep learning from "
                                     "first principles on NumPy, with PyTorch's API.")
    verbs = parser.add_subparsers(dest="verb", metavar="{demo,train,report,lab}")
    verbs.required = True
    demo = verbs.add_parser("demo", help="train the MNIST-1D paper's four models",
                            description="Generate MNIST-1D, train logistic regression, an MLP, "
                            "a CNN and a GRU (Greydanus 2020) with the Trainer, print their test "
                            "accuracies beside the published ones and write OUT/report.html.")
    demo.add_argument("--quick", action="store_true",
                      help="one epoch on 400 examples per model (a smoke test)")
    demo.add_argument("--out", default="runs/demo", help="output folder (default runs/demo)")
    demo.add_argument("--models", default=None,
                      help="comma-separated subset of logistic,mlp,cnn,gru (default all)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument("--threads", type=int, default=1,
                      help="BLAS threads while training (default 1: faster for these small "
                      "models)")
    demo.add_argument("--no-progress", action="store_true", help="no progress bars")
    demo.set_defaults(run=_demo)
    train = verbs.add_parser("train", help="train a model described by a TOML config",
                             description="Train the model of a TOML config ([model], [data], "
                             "[optimizer], optional [scheduler] and [[callbacks]], epochs, "
                             "seed, run_dir). The whole config is checked before training; a "
                             "bad one exits with status 2. See deepgrad/cli_config.py and "
                             "examples/configs/.")
    train.add_argument("config", metavar="CONFIG.toml", help="path of the config file")
    train.set_defaults(run=_train)
    report = verbs.add_parser("report", help="rebuild the report.html of a run folder",
                              description="Rebuild RUN_DIR/report.html from its metrics.csv and "
                              "config.json (or, for a demo folder, the demo's summary page).")
    report.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by a training run")
    report.set_defaults(run=_report)
    from .lab.cli import add_lab_parser  # noqa: PLC0415 - the lab's verbs live with the lab

    add_lab_parser(verbs)
    return parser


def main(argv=None):
    """Entry point of the ``deepgrad`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verb == "demo" and args.threads < 1:
        parser.error(f"--threads must be >= 1, got {args.threads}")
    if args.verb == "demo" and args.models:
        from .demo import MODELS  # noqa: PLC0415
        bad = [m for m in args.models.split(",") if m not in MODELS]
        if bad:
            parser.error(f"--models: unknown model(s) {bad}; allowed: {sorted(MODELS)}")
    return args.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
