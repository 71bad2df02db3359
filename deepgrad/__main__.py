"""``python -m deepgrad``: the command line (see ``deepgrad.cli``)."""
import sys

from .cli import main

sys.exit(main())
