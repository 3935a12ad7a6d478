"""Run by the torchrun / horovodrun tests: ``driver.py OUT_DIR <training options>`` trains with the engine,
then writes this rank's final parameters, buffers and per-epoch history to OUT_DIR/rank<r>.pt."""

import sys
from pathlib import Path

import torch

from zennas.train.cli_args import config_from_args
from zennas.train.engine import Trainer

if __name__ == "__main__":
    out = Path(sys.argv[1])
    cfg, _ = config_from_args(sys.argv[2:], prog="dist_train_driver", description="")
    res = Trainer(cfg).fit()
    torch.save({"state_dict": res.model.state_dict(), "history": res.history, "rank": res.rank,
                "world_size": res.world_size}, out / f"rank{res.rank}.pt")
