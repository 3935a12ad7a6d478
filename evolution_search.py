#!/usr/bin/env python
"""Evolutionary zero-shot NAS (Zen-NAS ``evolution_search.py``): see ``--help`` and the README (Evolutionary search).

``python evolution_search.py --save_dir runs/quickstart`` runs the quickstart preset
(configs/quickstart.yaml); ``--config configs/X.yaml`` any preset; every original flag works.
"""

import sys

from zennas.cli.search import main

if __name__ == "__main__":
    sys.exit(main())
