"""Atomic checkpoints of the search state.

A checkpoint (``checkpoint.json`` in the save dir) is written at the *top* of an iteration, before
anything of that iteration happened, and holds: the iteration to continue from, the population (in
list order, so uniform parent choice continues identically), the numpy ``Generator`` bit-generator
state, every counter, the resolved config, and the byte length of ``candidates.jsonl`` at that
moment.  The score cache is the candidates log itself: on resume the log is truncated to that
length (dropping lines of iterations after the checkpoint) and read back into the cache.

Writes are atomic: temporary file in the same directory, ``fsync``, ``os.replace``, ``fsync`` of the
directory; a crash leaves either the old or the new checkpoint, never a torn one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from zennas.fileio import atomic_write_text

CHECKPOINT_NAME = "checkpoint.json"
FORMAT_VERSION = 1


def save_checkpoint(save_dir: str | Path, state: dict[str, Any]) -> Path:
    path = Path(save_dir) / CHECKPOINT_NAME
    atomic_write_text(path, json.dumps({"format": FORMAT_VERSION, **state}))
    return path


def load_checkpoint(save_dir: str | Path) -> dict[str, Any] | None:
    path = Path(save_dir) / CHECKPOINT_NAME
    if not path.is_file():
        return None
    state = json.loads(path.read_text())
    if state.get("format") != FORMAT_VERSION:
        raise ValueError(f"{path}: unsupported checkpoint format {state.get('format')!r}")
    return state


def rng_state(rng) -> dict[str, Any]:
    return rng.bit_generator.state


def restore_rng(state: dict[str, Any]):
    import numpy as np

    bg = getattr(np.random, state["bit_generator"])()
    bg.state = state
    return np.random.Generator(bg)
