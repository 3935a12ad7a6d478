"""Train an image classifier (a searched structure, a zoo network or a torchvision model); see ``--help``."""

import sys

from zennas.cli.train import main

if __name__ == "__main__":
    sys.exit(main())
