"""Run one example program as ``__main__``, on real torch or on deepgrad.

    python run_program.py --lib deepgrad --stand-ins DIR PROGRAM.py [ARGS...]

The program runs as ``python PROGRAM.py ARGS`` would run it: its folder first on
``sys.path`` (so its own ``import data`` / ``from model import ...`` work), its
argv, ``__name__ == "__main__"``. ``--stand-ins`` puts the offline torchvision
stand-in ahead of everything else. With ``--lib deepgrad`` the torch alias is
installed first, so every ``import torch...`` in the program (and in the
stand-in) gets deepgrad's modules. The caller chooses the working directory.
"""
import argparse
import os
import runpy
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lib", choices=("torch", "deepgrad"), required=True)
    parser.add_argument("--stand-ins", default=None, help="folder holding the torchvision stand-in")
    parser.add_argument("program")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)

    program = os.path.abspath(options.program)
    sys.path.insert(0, os.path.dirname(program))
    if options.stand_ins:
        sys.path.insert(0, os.path.abspath(options.stand_ins))
    if options.lib == "deepgrad":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import torch_alias  # noqa: PLC0415 - only deepgrad runs need the alias

        torch_alias.install()
    sys.argv = [program, *options.args]
    runpy.run_path(program, run_name="__main__")


if __name__ == "__main__":
    main()
