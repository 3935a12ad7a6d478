"""MasterNet: a structure's blocks + global average pooling + biased FC (ZENNAS_SPEC §1.6).

State-dict keys follow ZEN (``module_list.<i>...netblock.weight``, ``fc_linear.netblock.weight``)
so published ZenNet weights load directly.  Every option is an explicit argument: nothing is read
from ``sys.argv``.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from zennas.block import Block, Options
from zennas.blocks.basic import Linear
from zennas.costs import Costs, compute_costs, make_options
from zennas.modules import NetBlock, ResidualBlock
from zennas.structure import parse, to_str


class MasterNet(nn.Module):
    """Build a network from a structure string (or parsed blocks).

    ``forward`` = blocks -> GAP -> FC; ``forward_pre_GAP`` = blocks only (Zen-score feature);
    ``extract_stage_features_and_logit`` collects the first output at each downsampling ratio
    (for distillation / detection necks).
    """

    def __init__(self, structure: str | Sequence[Block], num_classes: int = 1000, *, no_reslink: bool = False,
                 no_BN: bool = False, use_se: bool = False, bn_eps: float = 1e-3, dropout: float = 0.0,
                 opts: Options | None = None) -> None:
        super().__init__()
        self.blocks: list[Block] = parse(structure) if isinstance(structure, str) else list(structure)
        self.opts = make_options(opts, no_reslink=no_reslink, no_BN=no_BN, use_se=use_se, bn_eps=bn_eps)
        self.num_classes = num_classes
        self.dropout = dropout
        self.module_list = nn.ModuleList([b.build(self.opts) for b in self.blocks])
        self.last_channels = self.blocks[-1].out_channels
        self.fc_linear = Linear(self.last_channels, num_classes, 1).build(self.opts)

    # ---- structure -----------------------------------------------------------------------------
    @property
    def structure(self) -> str:
        return to_str(self.blocks)

    def __str__(self) -> str:  # ZEN: str(MasterNet) is the structure string (head not included)
        return self.structure

    def split(self, threshold: int = 6) -> str:
        return "".join(to_str(b.split(threshold)) for b in self.blocks)

    # ---- forward -----------------------------------------------------------------------------
    def forward_pre_GAP(self, x: torch.Tensor) -> torch.Tensor:
        n = len(self.module_list)
        for j, m in enumerate(self.module_list):
            x = m(x)
            if self.dropout > 0 and self.training:
                x = nn.functional.dropout(x, self.dropout * j / n, training=True)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.forward_pre_GAP(x)
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        if self.dropout > 0 and self.training:
            x = nn.functional.dropout(x, self.dropout, training=True)
        return self.fc_linear(x)

    def extract_stage_features_and_logit(self, x: torch.Tensor, target_downsample_ratio: int = 16
                                         ) -> tuple[list[torch.Tensor], torch.Tensor]:
        feats: list[torch.Tensor] = []
        size = x.shape[-1]
        target = target_downsample_ratio
        for m in self.module_list:
            x = m(x)
            if size // max(1, x.shape[-1]) == target:
                feats.append(x)
                target *= 2
        logit = self.fc_linear(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))
        return feats, logit

    # ---- costs (analytic, zen mode unless stated) --------------------------------------------
    def costs(self, resolution: int) -> Costs:
        return compute_costs(self.blocks, resolution, self.num_classes, opts=self.opts)

    def get_FLOPs(self, resolution: int) -> float:
        return self.costs(resolution).flops

    def get_model_size(self) -> float:
        return self.costs(32).params

    def get_num_layers(self) -> int:
        return sum(b.num_layers() for b in self.blocks)

    # ---- init ----------------------------------------------------------------------------------
    def init_parameters(self) -> None:
        """ZEN "custom" init: MSRAPrelu (Xavier-normal, gain 3.26033) for conv/linear, BN gamma=1 beta=0,
        and gamma=0 for the last BN inside every residual branch (zero-init residual)."""
        gain = 3.26033
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_normal_(m.weight, gain=gain)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                std = gain * math.sqrt(2.0 / (m.in_features + m.out_features))
                nn.init.normal_(m.weight, 0, std)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        for m in self.modules():
            if isinstance(m, ResidualBlock):
                last_bn = None
                for sub in m.module_list:
                    if isinstance(sub, NetBlock) and isinstance(sub.netblock, nn.BatchNorm2d):
                        last_bn = sub.netblock
                if last_bn is not None:
                    nn.init.zeros_(last_bn.weight)


def build_model(structure: str | Sequence[Block], num_classes: int = 1000, *, no_reslink: bool = False,
                no_BN: bool = False, use_se: bool = False, **kw) -> MasterNet:
    """``Masternet.build_model``: a MasterNet from a structure string (explicit arguments only)."""
    return MasterNet(structure, num_classes, no_reslink=no_reslink, no_BN=no_BN, use_se=use_se, **kw)
