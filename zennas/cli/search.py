"""``evolution_search.py`` / ``zennas-search``: the evolutionary search CLI.

Every original ZEN/ADLIK option is accepted.  Precedence: defaults < the saved run (``--resume``) <
``--config FILE.yaml`` < flags < ``--set``.  Without ``--config``, the quickstart preset is the base unless
the command line names a structure or a search space (see ``zennas.cli.search_args``).  Everything is
checked before a run's files are touched.  Exit codes: 0 done, 1 search error, 2 bad usage or config,
130 interrupted (a checkpoint was written).
"""

from __future__ import annotations

import json
import sys

from zennas.cli.common import setup_logging
from zennas.cli.errors import cli_errors
from zennas.cli.search_args import config_from_args, make_parser  # noqa: F401 - re-exported


@cli_errors
def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    setup_logging(any(a in ("-v", "--verbose", "--debug") for a in args))
    cfg, _ = config_from_args(argv)
    from zennas.search.evolution import EvolutionSearch

    result = EvolutionSearch(cfg).run()  # validates, then writes save_dir (and its evolution_search.log)
    if cfg.dry_run:
        from zennas.search.config import recorded

        report = {"config": recorded(cfg), "resolved": result.resolved, "dry_run": {
            "iterations": result.iterations, "counters": result.counters, "population": result.population}}
        print(json.dumps(report, indent=2, default=str))
        return 0
    return 130 if result.stopped_by == "interrupted" else 0


if __name__ == "__main__":
    sys.exit(main())
