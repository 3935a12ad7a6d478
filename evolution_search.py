#!/usr/bin/env python
"""Evolutionary zero-shot NAS (Zen-NAS ``evolution_search.py``): see ``--help`` and the README (Evolutionary search).

``python evolution_search.py --save_dir runs/quickstart`` runs the quickstart preset
(zennas/presets/quickstart.yaml); ``--config NAME`` any packaged preset, ``--config FILE.yaml`` any
YAML file; every original flag works.
"""

import sys

from zennas.cli.search import main

if __name__ == "__main__":
    sys.exit(main())
