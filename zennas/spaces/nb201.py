"""The NAS-Bench-201 search space (Dong & Yang, ICLR 2020): 5^6 = 15,625 cells on a fixed skeleton.

A candidate is one cell genotype -- six edges, one of five ops each -- shared by all 3N cells of the
network (NB201: C = 16, N = 5). Structures are ordinary structure strings over the
``zennas/blocks/nb201.py`` blocks, so costs, proxies, MasterNet and the evolutionary engine need nothing
NB201-specific::

    ConvKX(3,C,3,1)BN(C) [NB201Cell(C,..)]*N NB201Reduce(C,2C) [NB201Cell(2C,..)]*N
    NB201Reduce(2C,4C) [NB201Cell(4C,..)]*N BN(4C)RELU(4C)

The input resolution and the class count are not part of the structure: CIFAR-10/100 use 32 px and
10/100 classes, ImageNet16-120 16 px and 120 classes (:data:`DATASETS`, :func:`build_nb201`).

Cell strings (the benchmark's ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``) convert both ways with
:func:`arch_to_structure` / :func:`structure_to_arch`; :func:`arch_to_ops` gives the six op codes.

Mutation (``num_replaces`` edges, ZEN's 1 or 2): draw an edge uniformly (an edge already drawn in this
call is skipped, as ZEN skips repeated block indices), give it one of the four *other* ops uniformly,
and rewrite every cell with the new genotype. So every child differs from its parent, and all 15,625
cells are reachable. ``random_structure`` draws the six ops uniformly (the whole space uniformly).
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

from zennas.block import Block
from zennas.blocks.nb201 import EDGES, OPS
from zennas.spaces.base import SearchSpace, SearchSpaceError, register_space
from zennas.structure import parse, to_str

#: dataset -> (input resolution, number of classes), as in NAS-Bench-201
DATASETS: dict[str, tuple[int, int]] = {"cifar10": (32, 10), "cifar100": (32, 100), "ImageNet16-120": (16, 120)}
_LEGAL = frozenset({"ConvKX", "BN", "RELU", "NB201Cell", "NB201Reduce"})
_NODE_RE = re.compile(r"^\|(.+)\|$")


def arch_to_ops(arch: str) -> tuple[int, ...]:
    """``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` -> six op codes in :data:`zennas.blocks.nb201.EDGES` order.

    Raises ValueError naming the problem (unknown op, wrong source node, wrong node count)."""
    nodes = arch.strip().split("+")
    if len(nodes) != 3:
        raise ValueError(f"NB201 cell string must have 3 nodes separated by '+', got {len(nodes)}: {arch!r}")
    ops: list[int] = []
    for j, node in enumerate(nodes, start=1):
        m = _NODE_RE.match(node.strip())
        if not m:
            raise ValueError(f"NB201 cell string: node {j} {node!r} must look like |op~0|op~1|")
        items = m.group(1).split("|")
        if len(items) != j:
            raise ValueError(f"NB201 cell string: node {j} needs {j} inputs, got {len(items)} in {node!r}")
        for i, item in enumerate(items):
            name, _, src = item.partition("~")
            if name not in OPS:
                raise ValueError(f"NB201 cell string: unknown op {name!r} (known: {', '.join(OPS)})")
            if src != str(i):
                raise ValueError(f"NB201 cell string: node {j}, input {i} must read node {i}, got {item!r}")
            ops.append(OPS.index(name))
    return tuple(ops)


def ops_to_arch(ops: Sequence[int]) -> str:
    """Six op codes -> the benchmark's cell string."""
    ops = _check_ops(ops)
    parts, k = [], 0
    for j in (1, 2, 3):
        parts.append("|" + "|".join(f"{OPS[ops[k + i]]}~{i}" for i in range(j)) + "|")
        k += j
    return "+".join(parts)


def _check_ops(ops: Sequence[int]) -> tuple[int, ...]:
    ops = tuple(int(o) for o in ops)
    if len(ops) != len(EDGES) or any(not 0 <= o < len(OPS) for o in ops):
        raise ValueError(f"NB201 genotype must be {len(EDGES)} op codes in 0..{len(OPS) - 1}, got {ops}")
    return ops


def ops_to_structure(ops: Sequence[int], C: int = 16, N: int = 5) -> str:
    """The structure string of the NB201 network with genotype ``ops`` (width C, N cells per stage)."""
    ops = _check_ops(ops)
    codes = ",".join(str(o) for o in ops)
    parts = [f"ConvKX(3,{C},3,1)BN({C})"]
    for s, c in enumerate((C, 2 * C, 4 * C)):
        if s:
            parts.append(f"NB201Reduce({c // 2},{c})")
        parts.append(f"NB201Cell({c},{codes})" * N)
    parts.append(f"BN({4 * C})RELU({4 * C})")
    return "".join(parts)


def structure_skeleton(blocks: Sequence[Block] | str) -> tuple[tuple[int, ...], int, int]:
    """(ops, C, N) of an NB201 structure; ValueError naming the first deviation from the skeleton."""
    blocks = parse(blocks) if isinstance(blocks, str) else list(blocks)
    cells = [b for b in blocks if b.NAME == "NB201Cell"]
    if not cells or len(cells) % 3:
        raise ValueError(f"NB201 structure: expected 3*N NB201Cell blocks, found {len(cells)}")
    ops, C, N = cells[0].ops, blocks[0].out_channels, len(cells) // 3
    expected = parse(ops_to_structure(ops, C, N))
    if len(blocks) != len(expected):
        raise ValueError(f"NB201 structure: {len(blocks)} blocks, the skeleton with C={C}, N={N} has {len(expected)}")
    for i, (b, e) in enumerate(zip(blocks, expected)):
        if str(b) != str(e):
            what = "all cells must share one genotype" if b.NAME == e.NAME == "NB201Cell" else "fixed skeleton"
            raise ValueError(f"NB201 structure: block {i} is {b}, expected {e} ({what})")
    return ops, C, N


def structure_to_arch(blocks: Sequence[Block] | str) -> str:
    return ops_to_arch(structure_skeleton(blocks)[0])


def arch_to_structure(arch: str, C: int = 16, N: int = 5) -> str:
    return ops_to_structure(arch_to_ops(arch), C, N)


def build_nb201(arch_or_ops: str | Sequence[int], dataset: str = "cifar10", C: int = 16, N: int = 5, **kw: Any):
    """The NB201 network as a MasterNet (blocks + global average pooling + biased FC) for ``dataset``
    (its class count); feed it ``DATASETS[dataset][0]``-pixel inputs."""
    from zennas.masternet import build_model

    if dataset not in DATASETS:
        raise ValueError(f"unknown NB201 dataset {dataset!r}; use one of {sorted(DATASETS)}")
    ops = arch_to_ops(arch_or_ops) if isinstance(arch_or_ops, str) else _check_ops(arch_or_ops)
    return build_model(ops_to_structure(ops, C, N), DATASETS[dataset][1], **kw)


@register_space
class NB201Space(SearchSpace):
    """NAS-Bench-201 cells on the fixed skeleton; mutation changes one edge's op (module docstring)."""

    name = "NB201"
    aliases = ("nasbench201", "nas-bench-201", "nats-tss")
    example = ops_to_structure(arch_to_ops(
        "|nor_conv_1x1~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|"))

    def __init__(self, *, C: int = 16, N: int = 5, **kw: Any) -> None:
        super().__init__(**kw)
        if C < 1 or N < 1:
            raise SearchSpaceError(f"NB201: C and N must be >= 1, got C={C}, N={N}")
        self.C, self.N = int(C), int(N)

    def options(self) -> dict[str, Any]:
        return {**super().options(), "C": self.C, "N": self.N}

    def is_legal(self, block: Block) -> bool:
        return block.NAME in _LEGAL

    def legal_description(self) -> str:
        return ", ".join(sorted(_LEGAL)) + " on the NB201 skeleton"

    def mutate(self, blocks: Sequence[Block] | str, rng: np.random.Generator, num_replaces: int = 1) -> list[Block]:
        ops, C, N = structure_skeleton(blocks)
        new = list(ops)
        drawn: list[int] = []
        for _ in range(int(num_replaces)):
            e = int(rng.integers(len(EDGES)))
            if e in drawn:
                continue
            drawn.append(e)
            others = [o for o in range(len(OPS)) if o != new[e]]
            new[e] = others[int(rng.integers(len(others)))]
        return parse(ops_to_structure(new, C, N))

    def random_structure(self, rng: np.random.Generator, *, resolution: int = 32) -> list[Block]:
        ops = [int(rng.integers(len(OPS))) for _ in EDGES]
        return parse(ops_to_structure(ops, self.C, self.N))

    def initial_structure(self, rng: np.random.Generator | None = None, *, resolution: int = 32) -> list[Block]:
        ops = arch_to_ops(structure_to_arch(self.example))
        return parse(ops_to_structure(ops, self.C, self.N))

    def check(self, blocks: Sequence[Block] | str, *, resolution: int | None = None) -> None:
        super().check(blocks, resolution=resolution)
        structure_skeleton(blocks)
        if resolution is not None and resolution % 4:
            raise ValueError(f"[{self.name}] resolution {resolution} must be a multiple of 4 (two stride-2 reductions)")


__all__ = [
    "DATASETS", "NB201Space", "arch_to_ops", "arch_to_structure", "build_nb201", "ops_to_arch", "ops_to_structure",
    "structure_skeleton", "structure_to_arch", "to_str",
]
