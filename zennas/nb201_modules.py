"""``torch.nn`` modules of the NAS-Bench-201 blocks (descriptions and costs: ``PlainNet/nb201.py``)."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


class NB201CellModule(nn.Module):
    """4-node DAG: node j = sum of op(node i) over its incoming edges; output = node 3.

    ``ops[k]`` is the module on ``edges[k] = (j, i)``; ``None`` is the ``none`` op (no contribution,
    identical to NB201's ``x * 0``). A node with no contributing edge is a zero map. Edge modules are
    registered as ``ops.<k>`` (``none`` edges hold an empty placeholder so indices match the token).
    """

    def __init__(self, ops: Sequence[nn.Module | None], edges: Sequence[tuple[int, int]]) -> None:
        super().__init__()
        self.edges = tuple(edges)
        self.live = tuple(m is not None for m in ops)
        self.ops = nn.ModuleList([m if m is not None else nn.Identity() for m in ops])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes: list[torch.Tensor | None] = [x, None, None, None]
        for k, (j, i) in enumerate(self.edges):
            src = nodes[i]
            if not self.live[k]:
                continue
            y = self.ops[k](src if src is not None else torch.zeros_like(x))
            nodes[j] = y if nodes[j] is None else nodes[j] + y
        out = nodes[3]
        return out if out is not None else torch.zeros_like(x)


class NB201ReduceModule(nn.Module):
    """``main(x) + shortcut(x)`` (no activation after the sum)."""

    def __init__(self, main: nn.Module, shortcut: nn.Module) -> None:
        super().__init__()
        self.main = main
        self.shortcut = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] % 2 or x.shape[-2] % 2:
            raise ValueError(f"NB201Reduce needs an even input resolution, got {tuple(x.shape[-2:])}")
        return self.main(x) + self.shortcut(x)
