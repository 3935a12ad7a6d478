"""The evolution strategy (ZENNAS_SPEC §4.2): population, child generation, and its state with the RNG.

Per iteration the search asks :meth:`EvolutionStrategy.trim` (remove the worst members while the
population exceeds ``population_size``; the first inserted among equal minima goes first), then
:meth:`propose` for one child: while the population has at most ``seed_phase_size`` members, a
mutation of the initial structure S0 with ``seed_num_replaces`` replacements (or, without
``fix_initialize``, a random structure of the space); afterwards a parent chosen uniformly (or by
tournament) mutated with ``num_replaces`` replacements; then ``split(split_threshold)``
``split_times`` times.  The space does the mutation; every random draw comes from the one
``numpy.random.Generator`` held here, which :meth:`state_dict` saves with the population.

Generations (``generation_size`` K): :meth:`propose_generation` makes K children at once from the
population as it stands and keeps them in :attr:`pending` until the search has merged each one (one
per iteration, in order, trimming before each as above).  K = 1 is exactly the loop above.  The
children not merged yet are part of the state, so a checkpoint between any two iterations resumes
the same generation.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from zennas.block import Block
from zennas.search.checkpoint import restore_rng, rng_state
from zennas.search.population import Member, Population, RankedPopulation
from zennas.structure import parse, to_str


def split_blocks(blocks: Sequence[Block], threshold: int, times: int) -> list[Block]:
    """ZEN's serialisation step: ``split(threshold)`` applied ``times`` times."""
    out = list(blocks)
    for _ in range(times):
        out = [x for b in out for x in b.split(threshold)]
    return out


class EvolutionStrategy:
    """ZEN's aging-free evolution over a search space (``space.mutate`` / ``space.random_structure``)."""

    def __init__(self, space: Any, rng: np.random.Generator, *, s0_blocks: Sequence[Block] | None,
                 fix_initialize: bool, resolution: int, population_size: int, seed_phase_size: int,
                 seed_num_replaces: int, num_replaces: int, split_threshold: int, split_times: int,
                 parent_selection: str, tournament_size: int, ranking: Sequence[str] | None = None) -> None:
        self.space, self.rng = space, rng
        self.s0_blocks = list(s0_blocks) if s0_blocks is not None else None
        self.fix_initialize, self.resolution = fix_initialize, resolution
        self.population_size, self.seed_phase_size = population_size, seed_phase_size
        self.seed_num_replaces, self.num_replaces = seed_num_replaces, num_replaces
        self.split_threshold, self.split_times = split_threshold, split_times
        self.parent_selection, self.tournament_size = parent_selection, tournament_size
        #: ``ranking``: components of a population-relative proxy (the rank ensemble): the members are
        #: ranked by them (:class:`RankedPopulation`) instead of by a score of their own
        self.population = RankedPopulation(tuple(ranking)) if ranking else Population()
        self.pending: list[tuple[str, list[Block]]] = []  # (structure, blocks): proposed, not merged yet

    @classmethod
    def from_config(cls, cfg: Any, space: Any, rng: np.random.Generator, *, s0_blocks: Sequence[Block] | None,
                    fix_initialize: bool, ranking: Sequence[str] | None = None) -> "EvolutionStrategy":
        return cls(space, rng, s0_blocks=s0_blocks, fix_initialize=fix_initialize, resolution=cfg.input_image_size,
                   population_size=cfg.population_size, seed_phase_size=cfg.seed_phase_size,
                   seed_num_replaces=cfg.seed_num_replaces, num_replaces=cfg.num_replaces,
                   split_threshold=cfg.split_threshold, split_times=cfg.split_times,
                   parent_selection=cfg.parent_selection, tournament_size=cfg.tournament_size, ranking=ranking)

    def trim(self) -> None:
        """Remove the worst members while the population is over its cap."""
        pop = self.population
        while len(pop) > self.population_size:
            pop.remove_worst()

    def choose_parent(self) -> Member:
        pop = self.population
        if self.parent_selection == "uniform":
            return pop.choose_uniform(self.rng)
        return pop.choose_tournament(self.rng, self.tournament_size)

    def propose(self) -> list[Block]:
        """One child (split, not yet evaluated)."""
        if len(self.population) <= self.seed_phase_size:
            if self.fix_initialize:
                blocks = self.space.mutate(self.s0_blocks, self.rng, self.seed_num_replaces)
            else:
                blocks = self.space.random_structure(self.rng, resolution=self.resolution)
        else:
            parent = self.choose_parent()
            if parent.blocks is None:
                parent.blocks = parse(parent.structure)
            blocks = self.space.mutate(parent.blocks, self.rng, self.num_replaces)
        return split_blocks(blocks, self.split_threshold, self.split_times)

    def propose_generation(self, size: int) -> list[tuple[str, list[Block]]]:
        """``size`` children from the population as it stands, appended to :attr:`pending`."""
        for _ in range(size):
            blocks = self.propose()
            self.pending.append((to_str(blocks), blocks))
        return self.pending

    def insert(self, structure: str, score: float, iteration: int, costs: dict, blocks: Sequence[Block] | None,
               components: dict[str, float] | None = None) -> tuple[bool, float]:
        """Add a scored child; (is it the new best, its score).  New best: strictly higher than the previous
        best, or, in a ranked population (where scores move), the child is now the top member."""
        pop = self.population
        prev = pop.best
        prev_score = prev.score if prev is not None else None
        m = pop.add(structure, score, iteration, costs, blocks, components=components)
        if isinstance(pop, RankedPopulation):
            return pop.best is m and prev is not m, m.score
        return prev is None or (pop.best is m and m.score > prev_score), m.score

    # -------------------------------------------------------------------------------- persistence
    def state_dict(self) -> dict[str, Any]:
        """The RNG state, the population in list order (uniform parent choice continues identically) and
        the children of the current generation not merged yet."""
        return {"rng": rng_state(self.rng), "population": self.population.state(),
                "pending": [s for s, _ in self.pending]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rng = restore_rng(state["rng"])
        pst = state["population"]
        self.population = RankedPopulation.from_state(pst) if "components" in pst else Population.from_state(pst)
        self.pending = [(s, parse(s)) for s in state.get("pending", [])]


__all__ = ["EvolutionStrategy", "split_blocks"]
