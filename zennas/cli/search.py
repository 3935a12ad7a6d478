"""``evolution_search.py`` / ``zennas-search``: the evolutionary search CLI.

Every original ZEN/ADLIK option is accepted.  Precedence: defaults < ``--config FILE.yaml`` < flags.
With no ``--config`` and no structure/space/proxy on the command line, the packaged quickstart preset
(``zennas/presets/quickstart.yaml``) is used, so ``python evolution_search.py --save_dir runs/qs`` works.
Exit codes: 0 done, 1 search error, 2 config error, 130 interrupted (a checkpoint was written).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from zennas.cli.common import setup_logging
from zennas.cli.search_args import config_from_args, make_parser  # noqa: F401 - re-exported
from zennas.search.config import ConfigError, SearchError


def main(argv: list[str] | None = None) -> int:
    try:
        cfg, verbose = config_from_args(argv)
        setup_logging(verbose)
        from zennas.search.evolution import EvolutionSearch

        engine = EvolutionSearch(cfg)
        if not cfg.dry_run:
            if not cfg.save_dir:
                raise ConfigError("--save_dir is required")
            Path(cfg.save_dir).mkdir(parents=True, exist_ok=True)
            fh = logging.FileHandler(Path(cfg.save_dir) / "evolution_search.log")
            fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            logging.getLogger().addHandler(fh)
        result = engine.run()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if cfg.dry_run:
        from zennas.search.config import recorded

        report = {"config": recorded(cfg), "resolved": result.resolved, "dry_run": {
            "iterations": result.iterations, "counters": result.counters, "population": result.population}}
        print(json.dumps(report, indent=2, default=str))
        return 0
    logging.getLogger("zennas.search").info(
        "%s after %d iterations: best score %s -> %s/best_structure.txt", result.stopped_by, result.iterations,
        result.best_score, result.save_dir)
    return 130 if result.stopped_by == "interrupted" else 0


if __name__ == "__main__":
    sys.exit(main())
