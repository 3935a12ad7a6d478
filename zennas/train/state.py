"""Trainer state that goes into checkpoints: file names, RNG states (as tensors / plain lists, so
checkpoints stay ``torch.load(weights_only=True)``-loadable), the job marker and the metrics log.

Files in ``--save_dir`` (ZENNAS_SPEC §6.5; ``r`` = the writing rank, 0 unless --independent_training):
``latest-params_rank<r>.pth`` (resume), ``best-params_rank<r>.pth`` (no optimizer),
``train_image_classification.done`` (a JSON dict of training_status_info; a rerun skips),
``train_image_classification.log``, ``train_config.yaml``, ``metrics.jsonl`` (one line per epoch).
Under --independent_training ranks r > 0 write ``*_rank<r>.log`` / ``metrics_rank<r>.jsonl``; the job
marker and the config are rank 0's.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

from zennas.search.checkpoint import atomic_write_text  # the project's one atomic text writer

DONE = "train_image_classification.done"
LOG = "train_image_classification.log"
CONFIG = "train_config.yaml"
METRICS = "metrics.jsonl"


def latest_path(save_dir: Path, rank: int = 0) -> Path:
    return Path(save_dir) / f"latest-params_rank{rank}.pth"


def best_path(save_dir: Path, rank: int = 0, prefix: str = "") -> Path:
    return Path(save_dir) / f"{prefix}best-params_rank{rank}.pth"


def new_status() -> dict[str, float]:
    """training_status_info, spelled as the original (``elasped`` included)."""
    return {"best_acc1": -1.0, "best_acc5": -1.0, "best_acc1_at_epoch": -1, "best_acc5_at_epoch": -1,
            "training_elasped_time": 0.0, "validation_elasped_time": 0.0}


def capture_rng(loader_generator: torch.Generator | None = None) -> dict[str, Any]:
    """torch (CPU and CUDA), NumPy, Python ``random`` and the DataLoader generator states."""
    keys, pos, has_gauss, cached = np.random.get_state()[1:]
    version, pystate, gauss = random.getstate()
    out: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": {"keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "python": {"version": int(version), "state": torch.tensor(pystate, dtype=torch.int64), "gauss": gauss},
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        out["cuda"] = torch.cuda.get_rng_state_all()
    if loader_generator is not None:
        out["loader"] = loader_generator.get_state()
    return out


def restore_rng(state: dict[str, Any], loader_generator: torch.Generator | None = None) -> None:
    torch.set_rng_state(state["torch"].cpu())
    n = state["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"],
                         n["cached_gaussian"]))
    p = state["python"]
    random.setstate((p["version"], tuple(int(v) for v in p["state"].tolist()), p["gauss"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])
    if loader_generator is not None and "loader" in state:
        loader_generator.set_state(state["loader"].cpu())


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def write_config(flat: dict[str, Any], save_dir: Path) -> None:
    """The resolved configuration as ``train_config.yaml`` (a valid ``--config`` preset)."""
    atomic_write_text(Path(save_dir) / CONFIG, yaml.safe_dump(flat, sort_keys=False))


def write_done(save_dir: Path, status: dict[str, Any]) -> Path:
    p = Path(save_dir) / DONE
    atomic_write_text(p, json.dumps(status, indent=2) + "\n")
    return p


def rank_name(name: str, suffix: str) -> str:
    """``metrics.jsonl`` -> ``metrics_rank1.jsonl`` for suffix ``_rank1``."""
    stem, dot, ext = name.rpartition(".")
    return f"{stem}{suffix}{dot}{ext}" if suffix else name


def read_metrics(save_dir: Path, upto_epoch: int | None = None, suffix: str = "") -> list[dict[str, Any]]:
    """metrics.jsonl records (those with epoch <= upto_epoch)."""
    p = Path(save_dir) / rank_name(METRICS, suffix)
    if not p.is_file():
        return []
    recs = [json.loads(ln) for ln in p.read_text().splitlines() if ln.strip()]
    return [r for r in recs if upto_epoch is None or r["epoch"] <= upto_epoch]


def rewrite_metrics(save_dir: Path, records: list[dict[str, Any]], suffix: str = "") -> None:
    """Drop lines of epochs after a resumed checkpoint (they are re-trained)."""
    atomic_write_text(Path(save_dir) / rank_name(METRICS, suffix), "".join(json.dumps(r) + "\n" for r in records))


def append_metrics(save_dir: Path, record: dict[str, Any], suffix: str = "") -> None:
    with open(Path(save_dir) / rank_name(METRICS, suffix), "a") as f:
        f.write(json.dumps(record) + "\n")
