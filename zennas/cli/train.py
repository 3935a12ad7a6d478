"""``train_image_classification.py`` / ``zennas-train``: train a searched (or zoo / torchvision) network.

Options are the original script's (ZENNAS_SPEC §6.1), grouped; ``--config FILE.yaml`` presets with
flags overriding them.  Runs as one process (``--device cpu|cuda``), under ``torchrun`` (DDP) or under
``horovodrun`` with ``--dist_mode horovod``.  Exit codes: 0 done (or skipped: the .done marker exists),
1 training failed, 2 bad options / data / checkpoint, 130 interrupted.
"""

from __future__ import annotations

import logging
import sys

from zennas.cli.common import setup_logging

PROG = "train_image_classification.py"


def run(argv: list[str] | None, *, prog: str, description: str, distill: bool = False) -> int:
    """Parse, train, and turn every expected failure into one line on stderr (traceback with --debug)."""
    from zennas.checkpoint import CheckpointError
    from zennas.models import ModelSpecError
    from zennas.train.cli_args import config_from_args
    from zennas.train.config import ConfigError
    from zennas.train.data import DataError

    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        cfg, debug = config_from_args(argv, prog=prog, description=description, distill=distill)
        setup_logging(debug)
        if distill:
            from zennas.train.distill import DistillTrainer as Trainer
        else:
            from zennas.train.engine import Trainer
        result = Trainer(cfg).fit()
    except (ConfigError, DataError, CheckpointError, ModelSpecError) as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the last latest-params checkpoint holds (resume with --auto_resume)", file=sys.stderr)
        return 130
    except Exception as exc:  # a failure inside training: one line, logged with its reason
        logging.getLogger("zennas.train").error("training failed: %s: %s", type(exc).__name__, exc,
                                                exc_info=debug)
        if debug:
            raise
        print(f"error: training failed: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
              file=sys.stderr)
        return 1
    if result.skipped:
        print(f"skip: {result.save_dir} holds a finished run (train_image_classification.done)")
    elif result.evaluation is not None:
        ev = result.evaluation
        print(f"top-1 {ev['top1']:.3f}%  top-5 {ev['top5']:.3f}%  loss {ev['loss']:.4f}  on {ev['images']} images")
    elif result.rank == 0:
        s = result.status
        print(f"best top-1 {s['best_acc1']:.3f}% (epoch {s['best_acc1_at_epoch']}), top-5 {s['best_acc5']:.3f}% "
              f"(epoch {s['best_acc5_at_epoch']}), training {s['training_elasped_time']:.0f} s -> "
              f"{result.save_dir}/best-params_rank0.pth")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(argv, prog=PROG, description=__doc__)


if __name__ == "__main__":
    sys.exit(main())
