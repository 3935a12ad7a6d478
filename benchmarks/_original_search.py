"""ZEN's ``evolution_search.py`` loop written plainly (ZENNAS_SPEC §4.2), as the in-run baseline of
``benchmarks/search.py`` and ``benchmarks/scaling.py``.

Step by step as the original, patched only to run on the CPU: parallel lists of structures and scores;
at the top of each iteration the first minimum is deleted while the list is over the population cap;
a child is a mutation of the initial structure (1 replacement) while the population has <= 10
members, else of a uniformly chosen member (2 replacements); split twice; layers and params budgets
(rejected: the iteration is spent); then a freshly built shortcut-free model is scored with the
original Zen algorithm (``_original_proxies.zen``: fp32, contiguous layout, ``torch.no_grad``, the
global RNG, every intra-op thread of the process) and appended.  No cache: a duplicate is scored again.

Deliberate favours to the baseline (so a ratio against it is conservative): the mutation is this
engine's (same space, same draws), the budgets come from ``zennas.costs`` (cached per token: faster
than the original's ``no_create`` PlainNet) and the model from ``zennas.masternet.build_model``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from _original_proxies import zen as original_zen  # benchmarks/ is on sys.path when run as a script

from zennas.costs import compute_costs
from zennas.masternet import build_model
from zennas.search.strategy import split_blocks
from zennas.spaces import get_space
from zennas.structure import parse, to_str


def original_search(initial: str, *, iterations: int, budget_params: float, max_layers: int, resolution: int = 32,
                    num_classes: int = 100, batch_size: int = 64, population_size: int = 512, seed: int = 0,
                    space: str = "XXBL", gamma: float = 0.01) -> dict[str, Any]:
    """Run the original loop for ``iterations``; returns wall time, counts and the best score."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    sp = get_space(space)
    s0 = parse(initial)
    structures: list[str] = []
    scores: list[float] = []
    n_scored = n_rejected = 0
    score_seconds = 0.0
    t0 = time.perf_counter()
    for _ in range(iterations):
        while len(structures) > population_size:
            i = scores.index(min(scores))
            scores.pop(i)
            structures.pop(i)
        if len(structures) <= 10:
            child = sp.mutate(s0, rng, 1)
        else:
            child = sp.mutate(parse(structures[int(rng.integers(len(structures)))]), rng, 2)
        child = split_blocks(child, 6, 2)
        s = to_str(child)
        c = compute_costs(child, resolution, num_classes)  # with residual links, as the budgets
        if c.layers > max_layers or c.params > budget_params:
            n_rejected += 1
            continue
        t = time.perf_counter()
        model = build_model(s, num_classes, no_reslink=True)
        score = original_zen(model, resolution, batch_size, num_classes, gamma)
        del model
        score_seconds += time.perf_counter() - t
        n_scored += 1
        structures.append(s)
        scores.append(score)
    wall = time.perf_counter() - t0
    return {"iterations": iterations, "wall_s": wall, "iterations_per_s": iterations / wall, "scored": n_scored,
            "rejected": n_rejected, "score_seconds": score_seconds, "best_score": max(scores) if scores else None,
            "threads": torch.get_num_threads()}


__all__ = ["original_search"]
