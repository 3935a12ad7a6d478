"""Synchronised, median latency of a structure or zoo network (see ``--help``)."""

import sys

from zennas.cli.latency import main

if __name__ == "__main__":
    sys.exit(main())
