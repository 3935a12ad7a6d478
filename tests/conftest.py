"""Shared test helpers.  Tests are CPU-only; ../shared is optional (skipped with a reason if absent)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

torch.set_num_threads(max(1, min(2, torch.get_num_threads())))


def shared_file(*parts: str) -> Path:
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} not present (../shared exists only in the development checkout)")
    return p


def count_true_macs(model: torch.nn.Module, x: torch.Tensor) -> int:
    """Multiply-accumulates of every Conv2d/Linear, counted from the actual output shapes."""
    total = 0

    def hook(m, inp, out):
        nonlocal total
        if isinstance(m, torch.nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1]
            total += out.numel() // out.shape[0] * (m.in_channels // m.groups) * k
        elif isinstance(m, torch.nn.Linear):
            total += out.numel() // out.shape[0] * m.in_features

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hs:
            h.remove()
    return total
