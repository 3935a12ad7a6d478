"""Evaluate a training checkpoint, zoo network or structure on an ImageFolder validation set (see ``--help``)."""

import sys

from zennas.cli.val import main

if __name__ == "__main__":
    sys.exit(main())
