"""``python -m ZeroShotProxy``: the scoring CLI (zennas.cli.score)."""

import sys

from zennas.cli.score import main

if __name__ == "__main__":
    sys.exit(main())
