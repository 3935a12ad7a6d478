"""What a run shows and leaves behind: a tqdm bar per epoch (images/s, loss, lr), the log file
``train_image_classification.log``, TensorBoard scalars in ``<save_dir>/tensorboard`` (lazy import;
skipped with a log line if TensorBoard is missing) and ``metrics.jsonl``.  Only the main process
(rank 0, or every rank under --independent_training) writes; other ranks log warnings only.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from zennas.train.state import LOG, append_metrics, rank_name

logger = logging.getLogger("zennas.train")


class Bar:
    def __init__(self, total: int, desc: str, enabled: bool) -> None:
        self.bar, self.n = None, 0
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, unit="it", leave=False, dynamic_ncols=True, file=sys.stderr)

    def goto(self, n: int, **postfix: Any) -> None:
        """Advance to iteration ``n`` and show ``postfix``."""
        if self.bar is not None:
            if postfix:
                self.bar.set_postfix(postfix, refresh=False)
            self.bar.update(n - self.n)
        self.n = n

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class RunLog:
    def __init__(self, save_dir: Path, *, main: bool, tensorboard: bool, progress: bool | None,
                 suffix: str = "") -> None:
        self.save_dir, self.main, self.suffix = Path(save_dir), main, suffix
        self.progress = main and (sys.stderr.isatty() if progress is None else progress)
        self.handler = None
        self.writer = None
        root = logging.getLogger("zennas")
        if not main:
            root.setLevel(logging.WARNING)
            return
        if root.level == logging.NOTSET or root.level > logging.INFO:
            root.setLevel(logging.INFO)
        self.handler = logging.FileHandler(self.save_dir / rank_name(LOG, suffix))
        self.handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(self.handler)
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self.writer = SummaryWriter(str(self.save_dir / f"tensorboard{suffix}"))
            except ImportError:
                logger.info("TensorBoard not installed: no scalars (pip install tensorboard)")

    def bar(self, total: int, desc: str) -> Bar:
        return Bar(total, desc, self.progress)

    def scalars(self, step: int, values: dict[str, float]) -> None:
        if self.writer is not None:
            for k, v in values.items():
                if v is not None:
                    self.writer.add_scalar(k, v, step)

    def epoch(self, record: dict[str, Any]) -> None:
        if not self.main:
            return
        append_metrics(self.save_dir, record, self.suffix)
        tb = {f"{'train' if k.startswith('train_') else 'val' if k.startswith('val_') else 'misc'}/{k}": v
              for k, v in record.items() if isinstance(v, (int, float)) and k != "epoch"}
        self.scalars(record["epoch"], tb)
        if self.writer is not None:
            self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.handler is not None:
            logging.getLogger("zennas").removeHandler(self.handler)
            self.handler.close()
            self.handler = None
