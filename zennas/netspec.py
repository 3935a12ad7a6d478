"""A network to work on, as the command-line tools name it: a zoo entry or a structure string.

:class:`NetSpec` holds the label, the structure (in its dialect), resolution, classes and build flags;
``blocks()`` parses it, ``build()`` makes the module (the zoo family's own builder for zoo entries,
else :class:`~zennas.masternet.MasterNet`).
"""

from __future__ import annotations

from dataclasses import dataclass

from zennas.block import Block
from zennas.blocks import DEFAULT_DIALECT
from zennas.structure import parse


@dataclass
class NetSpec:
    """One network to process: a label for output, its structure, and how to build it."""

    name: str
    structure: str
    resolution: int
    num_classes: int
    use_se: bool = False
    no_BN: bool = False
    no_reslink: bool = False
    dialect: str = DEFAULT_DIALECT
    zoo_name: str | None = None

    def blocks(self) -> list[Block]:
        """The parsed structure (in its dialect)."""
        return parse(self.structure, dialect=self.dialect)

    def build(self):
        """The network as a module: the zoo family's own builder for zoo entries, else MasterNet."""
        if self.zoo_name and not (self.no_BN or self.no_reslink):
            from zennas.zoo import build_zoo_model, get_zoo_entry

            if get_zoo_entry(self.zoo_name).num_classes == self.num_classes:
                return build_zoo_model(self.zoo_name)
        from zennas.masternet import MasterNet

        return MasterNet(self.blocks(), self.num_classes, use_se=self.use_se, no_BN=self.no_BN,
                         no_reslink=self.no_reslink)


__all__ = ["NetSpec"]
