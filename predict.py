"""Print the top-5 labels of image files for a checkpoint or zoo network (see ``--help``)."""

import sys

from zennas.cli.predict import main

if __name__ == "__main__":
    sys.exit(main())
