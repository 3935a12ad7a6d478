"""Search presets: one YAML file per preset, packaged with zennas (keys = ``evolution_search.py`` options).

``evolution_search.py --config NAME`` (or ``zennas-search --config NAME``) loads ``NAME.yaml`` from this
folder; a path to any YAML file works too.  :func:`names` lists the presets, :func:`path` gives one's file.
"""

from __future__ import annotations

from pathlib import Path

PRESET_DIR = Path(__file__).resolve().parent


def names() -> list[str]:
    """Every packaged preset name, sorted."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def path(name: str) -> Path | None:
    """The file of preset ``name`` (None if there is no such preset)."""
    p = PRESET_DIR / f"{name}.yaml"
    return p if p.is_file() else None


__all__ = ["PRESET_DIR", "names", "path"]
