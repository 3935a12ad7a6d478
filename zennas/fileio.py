"""Small file helpers shared by every layer.

:func:`read_yaml_mapping`: a YAML file that must hold a mapping (one error type, one wording).
:func:`atomic_write_text`: temporary file in the same directory, ``fsync``, ``os.replace``, ``fsync`` of
the directory; a crash leaves either the old or the new file, never a torn one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write_text(path: str | Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (mode 0644)."""
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


__all__ = ["atomic_write_text"]


def read_yaml_mapping(path: Path, shown: str | Path, error: type[Exception]) -> dict[str, Any]:
    """The mapping in YAML file ``path`` ({} for an empty file); ``error`` naming ``shown`` for bad YAML or a
    document that is not a mapping."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text())
    except yaml.YAMLError as exc:
        raise error(f"config file {str(shown)!r} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"config file {str(shown)!r} must hold a mapping of keys to values, not a {type(data).__name__}")
    return data
