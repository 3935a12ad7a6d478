"""Population without re-sorting: a min-heap keyed by (score, insertion number) + an index list.

* ``remove_worst`` pops the smallest score; ties go to the earliest inserted member, which is ZEN's
  "first occurrence of the minimum" (its list is in insertion order).  O(log n).
* ``choose_uniform`` draws an index into the member list (O(1)); removal swaps the last member into
  the freed slot, so the list order is a deterministic function of the history (saved in
  checkpoints, restored as is).
* ``best`` is the highest score, earliest inserted on ties (ZEN's ``argmax`` over its list).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np


@dataclass
class Member:
    structure: str
    score: float
    seq: int  # insertion number (unique, increasing)
    iteration: int
    costs: dict[str, Any] = field(default_factory=dict)
    blocks: Any = None  # parsed blocks (not serialised)
    pos: int = -1  # index in Population.members

    def to_dict(self) -> dict[str, Any]:
        return {"structure": self.structure, "score": self.score, "seq": self.seq, "iteration": self.iteration,
                **self.costs}


class Population:
    def __init__(self) -> None:
        self.members: list[Member] = []
        self._heap: list[tuple[float, int, Member]] = []
        self._best: Member | None = None
        self.next_seq = 0

    def __len__(self) -> int:
        return len(self.members)

    def __iter__(self) -> Iterator[Member]:
        return iter(self.members)

    def add(self, structure: str, score: float, iteration: int, costs: dict | None = None, blocks=None,
            seq: int | None = None) -> Member:
        if seq is None:
            seq = self.next_seq
        self.next_seq = max(self.next_seq, seq + 1)
        m = Member(structure, float(score), seq, iteration, costs or {}, blocks, len(self.members))
        self.members.append(m)
        heapq.heappush(self._heap, (m.score, m.seq, m))
        b = self._best
        if b is None or m.score > b.score or (m.score == b.score and m.seq < b.seq):
            self._best = m
        return m

    def worst(self) -> Member:
        return self._heap[0][2]

    def remove_worst(self) -> Member:
        _, _, m = heapq.heappop(self._heap)
        last = self.members.pop()
        if last is not m:
            self.members[m.pos] = last
            last.pos = m.pos
        m.pos = -1
        if m is self._best:  # only when every member has the same score or one member is left
            self._best = max(self.members, key=lambda x: (x.score, -x.seq), default=None)
        return m

    def choose_uniform(self, rng: np.random.Generator) -> Member:
        return self.members[int(rng.integers(len(self.members)))]

    def choose_tournament(self, rng: np.random.Generator, k: int) -> Member:
        idx = rng.integers(len(self.members), size=k)
        return max((self.members[int(i)] for i in idx), key=lambda x: (x.score, -x.seq))

    @property
    def best(self) -> Member | None:
        return self._best

    def scores(self) -> list[float]:
        return [m.score for m in self.members]

    def sorted(self) -> list[Member]:
        """Best first (ties: earliest inserted first)."""
        return sorted(self.members, key=lambda x: (-x.score, x.seq))

    # -------------------------------------------------------------------------------- persistence
    def state(self) -> dict[str, Any]:
        return {"next_seq": self.next_seq, "members": [m.to_dict() for m in self.members]}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "Population":
        p = cls()
        for d in state["members"]:
            d = dict(d)
            p.add(d.pop("structure"), d.pop("score"), d.pop("iteration"), seq=d.pop("seq"), costs=d)
        p.next_seq = state["next_seq"]
        return p
