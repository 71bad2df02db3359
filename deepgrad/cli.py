"""The ``deepgrad`` command line.

::

    deepgrad demo [--quick] [--out runs/demo]   train the MNIST-1D paper's four models
    deepgrad demo models [--quick] [--families ae,vae,...]
                                                train every deepgrad.models family, one
                                                figure each (runs/models/index.html)
    deepgrad train CONFIG.toml                  train what a TOML config describes
    mpiexec -n N deepgrad train CONFIG.toml     the same, data-parallel over N ranks
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
    if args.what == "models":
        from .models.demo import run_models_demo  # noqa: PLC0415
        families = args.families.split(",") if args.families else None
        run_models_demo(args.out or "runs/models", quick=args.quick, families=families,
                        seed=args.seed, data=args.data, threads=args.threads)
        return 0
    from .demo import run_demo  # noqa: PLC0415 - keeps `deepgrad --help` instant
    models = args.models.split(",") if args.models else None
    run_demo(args.out or "runs/demo", quick=args.quick, progress=not args.no_progress,
             models=models, seed=args.seed, threads=args.threads)
    return 0


def _train(args):
    from .cli_config import ConfigError, load_plan  # noqa: PLC0415
    try:
        plan = load_plan(args.config)
    except ConfigError as error:
        print(f"{PROG} train: error in {args.config}: {error}", file=sys.stderr)
        return 2
    trainer = plan["trainer"]
    say = print if trainer.is_global_zero else (lambda *a, **k: None)  # rank 0 under mpiexec
    start = time.perf_counter()
    trainer.fit(plan["train"], epochs=plan["epochs"], val_split=plan["val_split"],
                batch_size=plan["batch_size"])
    ranks = f" on {trainer.world_size} ranks" if trainer.world_size > 1 else ""
    say(f"trained {trainer.epoch} epoch(s){ranks} in {time.perf_counter() - start:.1f} s")
    if plan["test"] is not None:
        results = trainer.evaluate(plan["test"])     # sharded over the ranks, combined
        say("test: " + ", ".join(f"{k} {v:.4f}" for k, v in results.items()))
    say(f"run folder: {plan['run_dir']} (report.html inside)")
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
    demo = verbs.add_parser("demo", help="train the MNIST-1D paper's four models "
                            "('demo models': every deepgrad.models family)",
                            description="deepgrad demo: generate MNIST-1D, train logistic "
                            "regression, an MLP, a CNN and a GRU (Greydanus 2020) with the "
                            "Trainer, print their test accuracies beside the published ones and "
                            "write OUT/report.html. deepgrad demo models: train each family of "
                            "deepgrad.models (autoencoders, stacked autoencoder, VAE, RBM/DBN, "
                            "GAN, WGAN-GP, sparse coding, classic classifiers, CharRNN) on small "
                            "offline data, print each one's headline number beside a baseline "
                            "and write one figure per family, summary.json and index.html "
                            "(about 40 seconds on two cores).")
    demo.add_argument("what", nargs="?", choices=["models"], default=None,
                      help="'models': the deepgrad.models families instead of MNIST-1D's four")
    demo.add_argument("--quick", action="store_true",
                      help="a smoke test: one epoch on 400 examples per model (demo models: "
                      "a few epochs on 400 / 200 samples)")
    demo.add_argument("--out", default=None,
                      help="output folder (default runs/demo; runs/models for demo models)")
    demo.add_argument("--models", default=None,
                      help="comma-separated subset of logistic,mlp,cnn,gru (default all)")
    demo.add_argument("--families", default=None,
                      help="demo models only: comma-separated subset of ae,stacked,vae,rbm,gan,"
                      "wgan_gp,sparse_coding,classic,char_rnn (default all)")
    demo.add_argument("--data", default="auto", choices=["auto", "digits", "mnist1d"],
                      help="demo models only: scikit-learn's 8x8 digits or MNIST-1D (default "
                      "auto: digits when scikit-learn is installed)")
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
                             "bad one exits with status 2. Under `mpiexec -n N` it trains "
                             "data-parallel over the N ranks (batch_size per rank, rank 0 "
                             "writes; config key distributed). See deepgrad/cli_config.py and "
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
    if args.verb == "demo":
        _check_demo_args(parser, args)
    return args.run(args)


def _check_demo_args(parser, args):
    """Usage errors of ``deepgrad demo`` (exit status 2 before anything is trained)."""
    if args.what == "models":
        if args.models:
            parser.error("--models picks MNIST-1D's models; with 'demo models' use --families")
        if args.families is not None:
            from .models.demo import FAMILIES  # noqa: PLC0415
            bad = [f for f in args.families.split(",") if f not in FAMILIES]
            if bad:
                parser.error(f"--families: unknown family(s) {bad}; allowed: "
                             f"{','.join(FAMILIES)}")
        return
    if args.families is not None or args.data != "auto":
        parser.error("--families and --data belong to 'deepgrad demo models'")
    if args.models:
        from .demo import MODELS  # noqa: PLC0415
        bad = [m for m in args.models.split(",") if m not in MODELS]
        if bad:
            parser.error(f"--models: unknown model(s) {bad}; allowed: {sorted(MODELS)}")
    return args.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
