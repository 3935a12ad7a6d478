"""Rank statistics used to compare proxies (no SciPy needed)."""

from __future__ import annotations

import torch


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman rank correlation (average ranks for ties); no SciPy needed."""
    def ranks(v: list[float]) -> torch.Tensor:
        t = torch.tensor(v, dtype=torch.float64)
        order = torch.argsort(t)
        r = torch.empty_like(t)
        r[order] = torch.arange(len(v), dtype=torch.float64)
        for val in torch.unique(t):  # average ties
            m = t == val
            if int(m.sum()) > 1:
                r[m] = r[m].mean()
        return r

    ra, rb = ranks(list(a)), ranks(list(b))
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = float(ra.norm() * rb.norm())
    return float((ra * rb).sum()) / den if den > 0 else float("nan")


__all__ = ["spearman"]
