"""Per-block params/FLOPs/MAC table of a structure (``--plainnet_struct``), a structure file
(``--plainnet_struct_txt``, one per line) or a zoo network (``--arch``).  See ``--help``."""

import sys

from zennas.cli.analyze import main

if __name__ == "__main__":
    sys.exit(main())
