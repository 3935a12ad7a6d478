"""Evaluate a checkpoint, zoo network or structure on the CIFAR-10/100 test split (see ``--help``)."""

import sys

from zennas.cli.val_cifar import main

if __name__ == "__main__":
    sys.exit(main())
