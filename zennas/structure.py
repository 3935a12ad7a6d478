"""Structure-string grammar: tokenizer, parser and canonical serialiser (ZENNAS_SPEC §1).

::

    network = block { block } ;
    block   = NAME "(" [ label "|" ] body ")" ;          label: any text without "|", "(", ")"
    body    = args                                         leaf / super blocks (typed numbers)
            | [ int "," [ int "," ] ] block { block }      ResBlock, ResBlockProj
            | branch { ";" branch }                        MultiSumBlock, MultiCatBlock
            | block { block } ;                            Sequential

Whitespace is allowed between tokens and around numbers.  Labels are accepted on any block (the
original's first-``|`` rule broke nested labels) and dropped by the canonical form.  The parser
never evaluates text; every error is a :class:`StructureParseError` naming the character offset,
the offending token and, for unknown names, close matches.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from zennas.block import Block
from zennas.blocks import DEFAULT_DIALECT, DIALECTS
from zennas.registry import Registry, RegistryError

MAX_DEPTH = 64
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUM = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INT = re.compile(r"[+-]?\d+")
_WS = re.compile(r"\s*")


class StructureParseError(ValueError):
    """A structure string could not be parsed.  Attributes: ``offset``, ``token``, ``suggestions``."""

    def __init__(self, message: str, text: str = "", offset: int = 0, token: str | None = None,
                 suggestions: list[str] | tuple[str, ...] = ()):
        self.message = message
        self.text = text
        self.offset = offset
        self.token = token
        self.suggestions = list(suggestions)
        super().__init__(self._render())

    def _render(self) -> str:
        tok = f" (token {self.token!r})" if self.token is not None else ""
        hint = f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        msg = f"{self.message} at offset {self.offset}{tok}{hint}"
        if self.text:
            lo = max(0, self.offset - 30)
            snippet = self.text[lo:self.offset + 30].replace("\n", " ")
            msg += f"\n    {snippet}\n    {' ' * (self.offset - lo)}^"
        return msg


def dialect_registry(dialect: str | None = None) -> Registry:
    """Block registry of a structure dialect (``None``: the default, ZEN's).  Dialects register
    themselves (:func:`zennas.blocks.register_dialect`); the parser knows none by name."""
    try:
        return DIALECTS.get(dialect or DEFAULT_DIALECT)
    except RegistryError:
        raise StructureParseError(f"unknown structure dialect {dialect!r} (known: {', '.join(DIALECTS.names())})"
                                  ) from None


class _Parser:
    def __init__(self, text: str, registry: Registry):
        self.text = text
        self.reg = registry
        self.i = 0
        self.n = len(text)

    # -- helpers ---------------------------------------------------------------------------------
    def error(self, msg: str, at: int | None = None, token: str | None = None, sugg=()) -> StructureParseError:
        at = self.i if at is None else at
        if token is None and at < self.n:
            m = _NAME.match(self.text, at)
            token = m.group(0) if m else self.text[at]
        return StructureParseError(msg, self.text, at, token, sugg)

    def ws(self) -> None:
        self.i = _WS.match(self.text, self.i).end()

    def peek(self) -> str:
        return self.text[self.i] if self.i < self.n else ""

    def expect(self, ch: str) -> None:
        self.ws()
        if self.peek() != ch:
            got = "end of text" if self.i >= self.n else repr(self.peek())
            raise self.error(f"expected {ch!r}, found {got}")
        self.i += 1

    # -- grammar ---------------------------------------------------------------------------------
    def network(self) -> list[Block]:
        blocks = self.block_list(depth=0, stops="")
        self.ws()
        if self.i < self.n:
            raise self.error("unexpected text after the last block")
        if not blocks:
            raise self.error("empty structure: expected at least one block", token="")
        return blocks

    def block_list(self, depth: int, stops: str) -> list[Block]:
        out: list[Block] = []
        while True:
            self.ws()
            if self.i >= self.n or self.peek() in stops:
                return out
            out.append(self.block(depth))

    def block(self, depth: int) -> Block:
        if depth > MAX_DEPTH:
            raise self.error(f"nesting deeper than {MAX_DEPTH} levels")
        start = self.i
        m = _NAME.match(self.text, self.i)
        if not m:
            ch = self.peek()
            if ch == ")":
                raise self.error("unexpected ')': unbalanced parenthesis")
            if ch == ";":
                raise self.error("';' separates branches only inside MultiSumBlock/MultiCatBlock")
            raise self.error("expected a block name")
        name = m.group(0)
        if name not in self.reg:
            raise self.error(f"unknown block {name!r}", start, name, self.reg.suggestions(name))
        cls = self.reg.get(name)
        self.i = m.end()
        self.expect("(")
        label = self.label()
        kind = getattr(cls, "KIND", "leaf")
        try:
            if kind == "leaf":
                args = self.args(cls, name, start)
                self.expect(")")
                return self.make(cls, name, start, *args, label=label)
            if kind == "res":
                head = self.res_head()
                children = self.block_list(depth + 1, ")")
                if not children:
                    raise self.error(f"{name} needs at least one inner block")
                self.expect(")")
                return self.make(cls, name, start, *head, children=children, label=label)
            if kind == "multi":
                branches = [self.block_list(depth + 1, ";)")]
                while self.peek() == ";":
                    self.i += 1
                    branches.append(self.block_list(depth + 1, ";)"))
                if any(not b for b in branches):
                    raise self.error(f"{name} has an empty branch")
                self.expect(")")
                return self.make(cls, name, start, children=branches, label=label)
            if kind == "seq":
                children = self.block_list(depth + 1, ")")
                if not children:
                    raise self.error(f"{name} needs at least one inner block")
                self.expect(")")
                return self.make(cls, name, start, children=children, label=label)
        except RecursionError:  # pragma: no cover - MAX_DEPTH prevents it
            raise self.error("structure nested too deeply", start, name) from None
        raise self.error(f"block {name!r} has unsupported kind {kind!r}", start, name)

    def label(self) -> str | None:
        j = self.i
        while j < self.n and self.text[j] not in "|()":
            j += 1
        if j < self.n and self.text[j] == "|":
            lab = self.text[self.i:j].strip()
            self.i = j + 1
            return lab
        return None

    def args(self, cls: type[Block], name: str, start: int) -> list[Any]:
        specs = getattr(cls, "ARGS", ())
        vals: list[Any] = []
        self.ws()
        if self.peek() == ")":
            if specs:
                raise self.error(f"{name} expects {len(specs)} arguments ({self._sig(specs)}), got none")
            return vals
        while True:
            self.ws()
            at = self.i
            m = _NUM.match(self.text, self.i)
            if not m:
                raise self.error(f"{name}: expected a number as argument {len(vals) + 1} ({self._sig(specs)})")
            tok = m.group(0)
            k = len(vals)
            typ = specs[k].type if k < len(specs) else int
            if typ is int:
                if not _INT.fullmatch(tok):
                    raise self.error(f"{name}: argument {k + 1} ({specs[k].name if k < len(specs) else '?'}) "
                                     f"must be an integer", at, tok)
                vals.append(int(tok))
            else:
                vals.append(float(tok))
            self.i = m.end()
            self.ws()
            if self.peek() == ",":
                self.i += 1
                continue
            break
        if len(vals) != len(specs):
            raise self.error(f"{name} expects {len(specs)} arguments ({self._sig(specs)}), got {len(vals)}",
                             start, name)
        return vals

    @staticmethod
    def _sig(specs) -> str:
        return ", ".join(a.name for a in specs)

    def res_head(self) -> list[int | None]:
        head: list[int | None] = []
        for _ in range(2):
            m = re.compile(r"\s*([+-]?\d+)\s*,").match(self.text, self.i)
            if not m:
                break
            head.append(int(m.group(1)))
            self.i = m.end()
        while len(head) < 2:
            head.append(None)
        return head

    def make(self, cls: type[Block], name: str, start: int, *args: Any, **kw: Any) -> Block:
        try:
            return cls(*args, **kw)
        except StructureParseError:
            raise
        except Exception as exc:  # noqa: BLE001 - any construction failure is a parse error here
            raise self.error(f"invalid {name}: {exc}", start, name) from None


def parse(text: str, *, registry: Registry | None = None, dialect: str | None = None) -> list[Block]:
    """Parse a structure string into a list of blocks (raises :class:`StructureParseError`).

    ``dialect`` selects a registered block registry (default ZEN's; e.g. ``genet``) unless ``registry``
    is given.
    """
    if not isinstance(text, str):
        raise StructureParseError(f"structure must be a string, got {type(text).__name__}")
    return _Parser(text, registry or dialect_registry(dialect)).network()


def parse_block(text: str, *, registry: Registry | None = None) -> Block:
    """Parse exactly one block."""
    blocks = parse(text, registry=registry)
    if len(blocks) != 1:
        raise StructureParseError(f"expected exactly one block, found {len(blocks)}", text, 0)
    return blocks[0]


def to_str(blocks: list[Block]) -> str:
    """Canonical, label-free serialisation (ZEN ``str(block)`` concatenation)."""
    return "".join(str(b) for b in blocks)


def canonical(text: str, *, registry: Registry | None = None) -> str:
    """Canonical form of a structure string: ``to_str(parse(text))``."""
    return to_str(parse(text, registry=registry))


def read_structure_file(path: str | Path) -> str:
    """Read a structure file the way ZEN does: the first non-empty line, stripped."""
    for line in Path(path).read_text().splitlines():
        if line.strip():
            return line.strip()
    raise StructureParseError(f"structure file {str(path)!r} is empty")


def read_structures(path: str | Path) -> list[str]:
    """All non-empty, non-comment (``#``) lines of a file: one structure per line."""
    out = [ln.strip() for ln in Path(path).read_text().splitlines()]
    return [ln for ln in out if ln and not ln.startswith("#")]
