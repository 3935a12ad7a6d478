"""Input/output of ``benchmarks/proxy_ranking.py``: the cells CSV, the resumable cache, the Markdown
table and the scatter plots."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def load_cells(path: Path, limit: int | None = None) -> tuple[list[dict], list[str]]:
    """Rows of a CSV with an ``arch`` column (NB201 cell strings) and accuracy columns ``acc_*``."""
    if not path.exists():
        raise FileNotFoundError(f"no such CSV: {path}")
    with path.open() as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        if "arch" not in cols:
            raise ValueError(f"{path}: needs an 'arch' column (NB201 cell strings), has {cols}")
        acc_cols = [c for c in cols if c.startswith("acc")]
        if not acc_cols:
            raise ValueError(f"{path}: no accuracy columns (names starting with 'acc'), has {cols}")
        cells = []
        for i, row in enumerate(reader):
            if limit is not None and i >= limit:
                break
            cell = {"arch": row["arch"].strip()}
            for c in acc_cols:
                try:
                    cell[c] = float(row[c])
                except (TypeError, ValueError):
                    cell[c] = float("nan")
            cells.append(cell)
    from zennas.spaces.nb201 import arch_to_ops

    for i, c in enumerate(cells):
        try:
            arch_to_ops(c["arch"])
        except ValueError as exc:
            raise ValueError(f"{path}: row {i + 2}: {exc}") from None
    return cells, acc_cols


def read_cache(path: Path) -> dict:
    """(arch, proxy, settings) -> result dict; a truncated last line (interrupted run) is ignored."""
    cache: dict = {}
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            cache[(rec["arch"], rec["proxy"], rec["settings"])] = rec["result"]
    return cache


def _fmt(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def write_markdown(path: Path, ranking: dict, rows: dict, acc_cols: list[str], meta: dict) -> None:
    head = "| proxy | " + " | ".join(f"{c}: ρ [95% CI] / τ" for c in acc_cols) + " | failed | s/cell | data |"
    lines = [head, "|" + "---|" * (len(acc_cols) + 4)]
    order = sorted(ranking, key=lambda k: -(ranking[k][acc_cols[0]]["spearman"] if not math.isnan(
        ranking[k][acc_cols[0]]["spearman"]) else -9))
    for name in order:
        cells = []
        for c in acc_cols:
            e = ranking[name][c]
            cells.append(f"{_fmt(e['spearman'])} [{_fmt(e['ci'][0])}, {_fmt(e['ci'][1])}] / {_fmt(e['kendall'])}")
        e0 = ranking[name][acc_cols[0]]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {e0['failed']} | {rows[name]['seconds']:.2f} | {e0['data']} |")
    la = meta["loadavg_start"]
    lines += ["", f"{meta['cells']} cells of {meta['csv']}, {meta['dataset']} network ({meta['resolution']} px), "
              f"seed {meta['seed']}, {meta['workers']} worker(s); compute {meta['compute_seconds']:.0f} s for "
              f"{meta['cells_computed']} cells; load average {la[0]:.2f} at start, {meta['loadavg_end'][0]:.2f} at end; "
              f"CPU capability {meta['cpu_capability']}, native bf16 {meta['bf16_native']}."]
    path.write_text("\n".join(lines) + "\n")


def write_scatter(folder: Path, cells: list[dict], rows: dict, acc_col: str, ranking: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    acc = np.array([c[acc_col] for c in cells])
    for name, row in rows.items():
        v = row["values"]
        fig, ax = plt.subplots(figsize=(4.2, 3.4), dpi=110)
        ok = np.isfinite(v)
        ax.scatter(v[ok], acc[ok], s=8, alpha=0.7)
        if (~ok).any():
            ax.scatter(np.full((~ok).sum(), np.nanmin(v[ok]) if ok.any() else 0), acc[~ok], s=10, marker="x",
                       color="red", label="failed / -inf")
            ax.legend(fontsize=7)
        e = ranking[name][acc_col]
        ax.set_title(f"{name}: ρ={_fmt(e['spearman'])} τ={_fmt(e['kendall'])}", fontsize=9)
        ax.set_xlabel("proxy score", fontsize=8)
        ax.set_ylabel(acc_col, fontsize=8)
        fig.tight_layout()
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
        fig.savefig(folder / f"{safe}.png")
        plt.close(fig)
