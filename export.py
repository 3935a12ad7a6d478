"""Export a checkpoint or zoo network to TorchScript / ONNX with BN folded and a parity check (see ``--help``)."""

import sys

from zennas.cli.export import main

if __name__ == "__main__":
    sys.exit(main())
