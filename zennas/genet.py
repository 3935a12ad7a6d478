"""GENet networks: GPU-Efficient Networks (Lin et al., arXiv 2006.14090) built from the ``genet`` dialect.

The tokens and their costs are the block family :mod:`zennas.blocks.genet` (structure dialect
``genet``); this module parses GENet structure strings and builds the network::

    from zennas.genet import build_genet_network, parse_genet
    blocks = parse_genet(open("GENet_large.txt").readline())
    model = build_genet_network(blocks, 1000)
"""

from __future__ import annotations

from typing import Sequence

from zennas.block import Block
from zennas.blocks.genet import GENET_BLOCKS, SHARED_WITH_ZEN
from zennas.masternet import MasterNet
from zennas.structure import parse


def parse_genet(text: str) -> list[Block]:
    """Parse a GENet-dialect structure string (labels such as ``uuid...|`` are accepted and dropped)."""
    return parse(text, registry=GENET_BLOCKS)


class GENetNet(MasterNet):
    """MasterNet over GENet-dialect blocks; BN eps 1e-5 (PyTorch default, as GENet) unless given.

    ``load_state_dict`` also accepts GENet checkpoints (``fc_linear.weight`` -> ``fc_linear.netblock.weight``).
    """

    def __init__(self, structure: str | Sequence[Block], num_classes: int = 1000, *, bn_eps: float = 1e-5,
                 **kw) -> None:
        blocks = parse_genet(structure) if isinstance(structure, str) else list(structure)
        super().__init__(blocks, num_classes, bn_eps=bn_eps, **kw)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        sd = dict(state_dict)
        for suffix in ("weight", "bias"):
            k = f"fc_linear.{suffix}"
            if k in sd:
                sd[f"fc_linear.netblock.{suffix}"] = sd.pop(k)
        return super().load_state_dict(sd, strict=strict, assign=assign)


def build_genet_network(structure: str | Sequence[Block], num_classes: int = 1000, **kw) -> GENetNet:
    """A GENetNet (blocks + GAP + biased FC, BN eps 1e-5) from a GENet-dialect structure."""
    return GENetNet(structure, num_classes, **kw)


__all__ = ["GENET_BLOCKS", "GENetNet", "SHARED_WITH_ZEN", "build_genet_network", "parse_genet"]
