"""Shared test helpers.  Tests are CPU-only; ../shared is optional (skipped with a reason if absent).

``ZENNAS_SHARED`` points at the shared reference folder when it is not the checkout's sibling (e.g. in a
git worktree).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ZENNAS_SHARED", ROOT.parent / "shared"))

torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
pytest_plugins = ["train_helpers"]  # session fixtures of the training tests (datasets, one digits run)
# latency tables: never the user's per-device cache (~/.cache/zennas/latency), in-process or in subprocesses
os.environ["ZENNAS_LATENCY_DIR"] = tempfile.mkdtemp(prefix="zennas-test-latency-")


@pytest.fixture
def no_cuda(monkeypatch):
    """This process sees a machine without CUDA (the no-GPU messages are tested on GPU machines too)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)


def shared_file(*parts: str) -> Path:
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} not present (../shared exists only in the development checkout)")
    return p


def numel(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def check_block_example(name: str, opts, res: int = 16):
    """Build a registered block from its example token and check what every block must satisfy:
    parse -> str round trip, exact params == numel of the built module, and (for blocks that run)
    output shape == declared out channels x true output resolution.  Returns (block, module, cost, x).
    """
    from zennas.blocks import BLOCKS
    from zennas.structure import parse, to_str

    cls = BLOCKS.get(name)
    ex = cls.example()
    blocks = parse(ex)
    assert to_str(blocks) == to_str(parse(to_str(blocks)))
    assert len(blocks) == 1, f"{name}.example() must be one token"
    blk = blocks[0]
    module = blk.build(opts).eval()
    cost = blk.cost(res, opts)
    assert numel(module) == cost.exact_params
    x = torch.randn(2, blk.in_channels, res, res)
    if cls.FORWARD:
        with torch.no_grad():
            y = module(x)
        r = blk.out_res_exact(res)
        assert tuple(y.shape) == ((2, blk.out_channels) if y.ndim == 2 else (2, blk.out_channels, r, r))
    return blk, module, cost, x


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
