"""``torch.nn`` modules of the block families added beside ZEN's: GS (ghost-shuffle), sandglass,
Gather-Excite and the GENet (GPU-Efficient Networks) dialect.  Block descriptions live in
``zennas/blocks/gs.py``, ``sandglass.py``, ``gather_excite.py`` and ``genet.py``.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from zennas.modules import SequentialBlock


class ChannelShuffleModule(nn.Module):
    """Channel shuffle with ``groups`` groups (ShuffleNet), then keep the first ``keep`` channels.

    With groups = 2 on ``cat([a, b])`` (each m channels) output channel 2j = a_j and 2j+1 = b_j.
    """

    def __init__(self, groups: int, keep: int) -> None:
        super().__init__()
        self.groups = groups
        self.keep = keep

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        g = self.groups
        x = x.view(n, g, c // g, h, w).transpose(1, 2).reshape(n, c, h, w)
        return x if self.keep == c else x[:, : self.keep].contiguous()


class AdaptivePoolByExtent(nn.Module):
    """Average pooling to (H // e) x (H // e) (BayesWatch ``nn.AdaptiveAvgPool2d(spatial // extent)``)."""

    def __init__(self, extent: int) -> None:
        super().__init__()
        self.extent = extent

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.adaptive_avg_pool2d(x, (max(1, x.shape[-2] // self.extent), max(1, x.shape[-1] // self.extent)))


class GatherExciteModule(nn.Module):
    """``x * sigmoid(upsample_nearest(mlp(gather(x))))`` (Gather-Excite; no MLP unless GE-theta-plus)."""

    def __init__(self, gather: nn.Module, mlp: nn.Module | None = None) -> None:
        super().__init__()
        self.gather = gather
        self.mlp = mlp

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g = self.gather(x)
        if self.mlp is not None:
            g = self.mlp(g)
        if g.shape[-2:] != x.shape[-2:]:
            g = F.interpolate(g, size=x.shape[-2:], mode="nearest")
        return x * torch.sigmoid(g)


class PartialResidualBlock(SequentialBlock):
    """Sandglass residual with an identity tensor multiplier: only the first ``n_id`` channels of the
    block input are added to the output (MobileNeXt; n_id = C is the plain residual)."""

    def __init__(self, modules: Sequence[nn.Module], n_id: int) -> None:
        super().__init__(modules)
        self.n_id = n_id

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for m in self.module_list:
            out = m(out)
        n = self.n_id
        if n >= out.shape[1]:
            return out + x
        return torch.cat([out[:, :n] + x[:, :n], out[:, n:]], dim=1)


class GENetSuperModule(nn.Module):
    """A GENet super block with the original attribute layout (``conv_list.<j>.<k>``,
    ``shortcut_list.<j>.<k>``) so idstcv/GPU-Efficient-Networks weights load unchanged.

    ``output = relu(conv_j(x) + shortcut_j(x))`` per unit; without residual links
    (``shortcut_list`` entries set to None) ``relu(conv_j(x))``.
    """

    def __init__(self, convs: Sequence[nn.Module], shortcuts: Sequence[nn.Module | None]) -> None:
        super().__init__()
        self.conv_list = nn.ModuleList(convs)
        self.has_shortcut = [s is not None for s in shortcuts]
        self.shortcut_list = nn.ModuleList([s if s is not None else nn.Sequential() for s in shortcuts])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv, sc, use in zip(self.conv_list, self.shortcut_list, self.has_shortcut):
            x = F.relu(conv(x) + sc(x)) if use else F.relu(conv(x))
        return x


class GENetResModule(SequentialBlock):
    """GENet-dialect ResBlock: ``inner(x) + avg_pool(x, s + 1, s, s // 2)`` (identity when s = 1)."""

    def __init__(self, modules: Sequence[nn.Module], stride: int, reslink: bool = True) -> None:
        super().__init__(modules)
        self.stride = stride
        self.reslink = reslink

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for m in self.module_list:
            out = m(out)
        if not self.reslink:
            return out
        s = self.stride
        short = F.avg_pool2d(x, kernel_size=s + 1, stride=s, padding=s // 2) if s > 1 else x
        return out + short

