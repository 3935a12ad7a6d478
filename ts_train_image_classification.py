"""Teacher-student training of a searched network (feature + logit distillation); see ``--help``."""

import sys

from zennas.cli.ts_train import main

if __name__ == "__main__":
    sys.exit(main())
