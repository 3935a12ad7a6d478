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

The parser rejects what cannot be a network (ZENNAS_SPEC §1.10), so the cost model never sees it:

* numbers are ASCII digits (``0-9``; ``８`` is not a number), every argument lies within its
  block's bounds: at least its minimum (1 for channels, strides, ``L``) and at most
  :data:`~zennas.block.MAX_ARG` (2**20 = 1,048,576) or, for a sub-layer count ``L``,
  :data:`~zennas.block.MAX_SUBLAYERS` (1,024);
* a network has at most :data:`MAX_LAYERS` (1,024) sub-layers in total, at most :data:`MAX_CHARS`
  characters and :data:`MAX_DEPTH` levels of nesting;
* channels chain: every block reads the channels the block before it gives (inside containers too;
  the branches of a ``MultiSumBlock`` give equal widths); the error names the block.  Published strings
  that break this rule (ZEN's ImageNet latency presets start from ``...(256,512,2,256,1)
  SuperConvK1BNRELU(256,512,1,1)``) parse with ``rechain=True``, which sets each top-level block's input
  channels to the previous block's output (ZEN's re-chaining of mutated children) and logs what changed;
* every super block expands (e.g. a GhostShuffle width its groups divide).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Sequence

from zennas.block import Block, SuperBlock
from zennas.blocks import DEFAULT_DIALECT, DIALECTS
from zennas.registry import Registry, RegistryError

logger = logging.getLogger(__name__)

MAX_DEPTH = 64
#: longest structure string accepted (the longest published one, MobileNeXt, has 2,283 characters)
MAX_CHARS = 20_000
#: most sub-layers (ZEN "layers": the sum of L) a network may have
MAX_LAYERS = 1024
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUM = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INT = re.compile(r"[+-]?[0-9]+")
_WS = re.compile(r"[ \t\r\n\f\v]*")
_HEAD = re.compile(r"[ \t\r\n\f\v]*([+-]?[0-9]+)[ \t\r\n\f\v]*,")
_MAX_DIGITS = 15


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

    def _head(self) -> str:
        tok = f" (token {self.token!r})" if self.token is not None else ""
        hint = f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        return f"{self.message} at offset {self.offset}{tok}{hint}"

    @property
    def summary(self) -> str:
        """The error on one line, the place marked inline with ``<HERE>`` (for command-line messages)."""
        msg = self._head()
        if self.text:
            lo = max(0, self.offset - 24)
            near = f"{self.text[lo:self.offset]} <HERE> {self.text[self.offset:self.offset + 24]}"
            msg += f": {' '.join(near.split())!r}"
        return msg

    def _render(self) -> str:
        msg = self._head()
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
        self.starts: dict[int, int] = {}  # id(block) -> offset of its token, for errors after parsing
        self.top: Block | None = None  # the top-level block being checked (offset of nested blocks built in code)

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
        if self.n > MAX_CHARS:
            raise self.error(f"structure string of {self.n:,} characters is longer than the maximum of {MAX_CHARS:,}",
                             0, "")
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

    def number(self, tok: str, at: int, what: str, typ: type, lo: float | None, hi: float) -> Any:
        """The value of number token ``tok`` (argument ``what``), checked against [lo, hi]."""
        if typ is int:
            if not _INT.fullmatch(tok):
                raise self.error(f"{what} must be an integer", at, tok)
            digits = tok.lstrip("+-").lstrip("0") or "0"
            if len(digits) > _MAX_DIGITS:
                raise self.error(f"{what} is too large (a {len(digits)}-digit number; the maximum is {_limit(hi)})",
                                 at, tok[:20])
            v: Any = -int(digits) if tok.startswith("-") else int(digits)
        else:
            v = float(tok)
        if lo is not None and not v >= lo:
            raise self.error(f"{what} must be >= {_limit(lo)}, got {tok}", at, tok)
        if not v <= hi:
            raise self.error(f"{what} must be <= {_limit(hi)} (the documented maximum), got {tok[:20]}", at, tok[:20])
        return v

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
                ch = self.peek()
                hint = (f": {ch!r} is not an ASCII digit (write numbers with 0-9)"
                        if ch.isdigit() or ch.isnumeric() else "")
                raise self.error(f"{name}: expected a number as argument {len(vals) + 1} ({self._sig(specs)}){hint}")
            tok = m.group(0)
            k = len(vals)
            if k < len(specs):
                a = specs[k]
                vals.append(self.number(tok, at, f"{name}: argument {k + 1} ({a.name})", a.type, a.min, a.maximum))
            else:  # too many arguments: reported below with the count
                vals.append(tok)
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
        from zennas.block import MAX_ARG

        head: list[int | None] = []
        for what in ("in channels", "stride"):
            m = _HEAD.match(self.text, self.i)
            if not m:
                break
            head.append(self.number(m.group(1), m.start(1), f"residual block {what}", int, 1, MAX_ARG))
            self.i = m.end()
        while len(head) < 2:
            head.append(None)
        return head

    def make(self, cls: type[Block], name: str, start: int, *args: Any, **kw: Any) -> Block:
        try:
            blk = cls(*args, **kw)
        except StructureParseError:
            raise
        except Exception as exc:  # noqa: BLE001 - any construction failure is a parse error here
            raise self.error(f"invalid {name}: {exc}", start, name) from None
        self.starts[id(blk)] = start
        return blk

    # -- what a network must satisfy (after parsing) ---------------------------------------------------
    def at(self, b: Block) -> int:
        return self.starts.get(id(b), self.starts.get(id(self.top), 0))

    def rechain(self, blocks: list[Block]) -> list[Block]:
        """:func:`rechain` with each changed block logged (and its offset kept for later errors)."""
        out = rechain(blocks)
        for b, new in zip(blocks, out):
            if new is not b:
                logger.warning("rechain: %s at offset %d now reads %d channels (was %d): %s", b.NAME, self.at(b),
                               new.in_channels, b.in_channels, new)
                self.starts[id(new)] = self.at(b)
        return out

    def check(self, blocks: Sequence[Block], c_in: int | None = None, expand: bool = True, depth: int = 0) -> int | None:
        """Channel chaining and (``expand``) super-block expansion of ``blocks`` fed ``c_in`` channels
        (None: any); returns the output channels (None when unknown)."""
        for b in blocks:
            if depth == 0:
                self.top = b
            cin = _channels(b, "in")
            if c_in is not None and cin is not None and cin != c_in:
                raise self.error(f"channel chaining broken: {b.NAME} reads {cin} channels but the block before it "
                                 f"gives {c_in}; make its input {c_in} (or re-chain: rechain=True / --rechain)",
                                 self.at(b), b.NAME)
            src = c_in if c_in is not None else cin
            kind = getattr(b, "KIND", "leaf")
            if kind == "res":
                self.check(b.children, cin, expand, depth + 1)
            elif kind == "seq":
                self.check(b.children, src, expand, depth + 1)
            elif kind == "multi":
                outs = [self.check(br, src, expand, depth + 1) for br in b.children]
                if getattr(b, "SUM_BRANCHES", False) and len({o for o in outs if o is not None}) > 1:
                    raise self.error(f"{b.NAME}: the branches give different widths {outs}; a sum needs equal widths",
                                     self.at(b), b.NAME)
            elif expand and isinstance(b, SuperBlock):
                try:
                    b.expansion()
                except (ValueError, ArithmeticError, TypeError) as exc:
                    raise self.error(f"invalid {b.NAME}: {exc}", self.at(b), b.NAME) from None
            out = _channels(b, "out")
            c_in = out if out is not None else src
        return c_in

    def check_layers(self, blocks: Sequence[Block]) -> None:
        total = 0
        for b in blocks:
            total += b.num_layers()
            if total > MAX_LAYERS:
                raise self.error(f"the network has more than {MAX_LAYERS:,} sub-layers (the sum of L) by this block",
                                 self.at(b), b.NAME)


def rechain(blocks: Sequence[Block], in_channels: int | None = None) -> list[Block]:
    """Set every block's input channels to the previous block's output (ZEN re-chaining).

    The first block keeps its input unless ``in_channels`` is given.  Blocks without an input-channel
    argument are left as they are (their output is taken as their input).
    """
    out: list[Block] = []
    prev: int | None = in_channels
    for b in blocks:
        if prev is not None:
            try:
                if b.in_channels != prev:
                    b = b.with_in_channels(prev)
            except AttributeError:
                pass
        out.append(b)
        try:
            prev = b.out_channels
        except AttributeError:
            pass
    return out


def _limit(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:g}"


def _channels(b: Block, side: str) -> int | None:
    try:
        return b.in_channels if side == "in" else b.out_channels
    except AttributeError:
        return None


def parse(text: str, *, registry: Registry | None = None, dialect: str | None = None,
          rechain: bool = False) -> list[Block]:
    """Parse a structure string into a list of blocks (raises :class:`StructureParseError`).

    ``dialect`` selects a registered block registry (default ZEN's; e.g. ``genet``) unless ``registry``
    is given.  ``rechain=True`` repairs top-level channel chaining (see the module docstring) instead of
    rejecting it.
    """
    if not isinstance(text, str):
        raise StructureParseError(f"structure must be a string, got {type(text).__name__}")
    p = _Parser(text, registry or dialect_registry(dialect))
    blocks = p.network()
    p.check_layers(blocks)
    if rechain:
        blocks = p.rechain(blocks)
    p.check(blocks)
    return blocks


def check_structure(blocks: Sequence[Block]) -> None:
    """The network rules of :func:`parse` for blocks built in code (channels chain, at most
    :data:`MAX_LAYERS` sub-layers); the error's offset is into the canonical form ``to_str(blocks)``."""
    p = _Parser("", None)  # type: ignore[arg-type]  - no text needed unless there is an error
    try:
        p.check_layers(blocks)
        p.check(blocks, expand=False)
        return
    except StructureParseError:
        pass
    p = _Parser(to_str(list(blocks)), None)  # type: ignore[arg-type]  - again, for the offset and the excerpt
    pos = 0
    for b in blocks:
        p.starts[id(b)] = pos
        pos += len(str(b))
    p.check_layers(blocks)
    p.check(blocks, expand=False)


def block_error(blocks: Sequence[Block], index: int, message: str) -> StructureParseError:
    """A :class:`StructureParseError` at top-level block ``index`` of the canonical form of ``blocks``."""
    blocks = list(blocks)
    return StructureParseError(message, to_str(blocks), len(to_str(blocks[:index])), blocks[index].NAME)


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
