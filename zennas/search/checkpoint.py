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
import os
import tempfile
from pathlib import Path
from typing import Any

CHECKPOINT_NAME = "checkpoint.json"
FORMAT_VERSION = 1


def atomic_write_text(path: str | Path, text: str) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp creates 0600; results are meant to be shared
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:  # pragma: no cover - some filesystems refuse directory fsync
        pass


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
