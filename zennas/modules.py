"""``torch.nn`` modules that built blocks are made of.

The attribute names reproduce the original ZEN state-dict layout (ZENNAS_SPEC §1.6) so published
weights load without key mapping: a basic block keeps its layer in ``netblock``; super blocks and
residual blocks keep their children in ``module_list`` and a projection in ``proj`` (conv, BN).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


class NetBlock(nn.Module):
    """A basic block: one layer stored as ``netblock`` (ZEN naming)."""

    def __init__(self, netblock: nn.Module) -> None:
        super().__init__()
        self.netblock = netblock

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.netblock(x)


class SequentialBlock(nn.Module):
    """Children applied in order, stored as ``module_list``."""

    def __init__(self, modules: Sequence[nn.Module]) -> None:
        super().__init__()
        self.module_list = nn.ModuleList(modules)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for m in self.module_list:
            x = m(x)
        return x


class ResidualBlock(SequentialBlock):
    """``inner(x) + shortcut(x)``; ``proj`` is a 1x1 conv (with bias) + BN, or absent (identity)."""

    def __init__(self, modules: Sequence[nn.Module], proj: nn.Module | None = None) -> None:
        super().__init__(modules)
        self.proj = proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.proj is None else self.proj(x)
        for m in self.module_list:
            x = m(x)
        return x + shortcut


class MultiSum(nn.Module):
    """Every branch sees the same input; outputs are summed."""

    def __init__(self, branches: Sequence[nn.Module]) -> None:
        super().__init__()
        self.module_list = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.module_list[0](x)
        for m in self.module_list[1:]:
            out = out + m(x)
        return out


class MultiCat(MultiSum):
    """Every branch sees the same input; outputs are concatenated on channels."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([m(x) for m in self.module_list], dim=1)


class Swish(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(x)


class SEModule(NetBlock):
    """Squeeze-excitation: ``x * netblock(x)`` with ``netblock`` = pool, conv, BN, ReLU, conv, BN, sigmoid."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.netblock(x)


class Flatten(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(x, 1)


class Unbuildable(nn.Module):
    """Placeholder for the abstract ``PlainNetBasicBlockClass`` token."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - by design
        raise RuntimeError("PlainNetBasicBlockClass is an abstract placeholder and has no forward")
