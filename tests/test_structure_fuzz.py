"""Property test of the input boundary: over 10,000 generated strings (random bytes, mutations of valid
strings, huge numbers, deep nesting, non-ASCII digits, mis-chained channels, inputs at the limits),
``parse`` + ``compute_costs`` either succeed within the documented limits or raise a
``StructureParseError`` carrying an offset into the text -- never another exception, never a hang.

The work is bounded by construction (a network has at most MAX_LAYERS sub-layers and MAX_CHARS
characters): the test counts it on every accepted string (the blocks the cost model walks, expansions
included, at most 32 per sub-layer plus one per character) and measures the slowest case as a hang
detector, in CPU seconds of this process (wall time on a shared machine also counts other processes'
load): asserted under 1 s, 10-100x what a worst case takes.
"""

from __future__ import annotations

import random
import time

from zennas.block import MAX_ARG, MAX_SUBLAYERS, Options, SuperBlock
from zennas.blocks import BLOCKS
from zennas.costs import compute_costs
from zennas.structure import MAX_CHARS, MAX_DEPTH, MAX_LAYERS, StructureParseError, parse, to_str

#: valid seeds: the golden cases of ZENNAS_SPEC §2.6, a published ZenNet (idstcv/ZenNAS, CIFAR 1M) and
#: every registered block's example token
SEEDS = [
    "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)",
    "SuperConvK3BNRELU(3,16,2,1)SuperResK1K3K1(16,32,2,16,1)SuperResIDWE2K5(32,48,2,24,2)SuperConvK1BNRELU(48,128,1,1)",
    "SuperConvK3BNRELU(3,88,1,1)SuperResK1K7K1(88,120,1,16,1)SuperResK1K7K1(120,192,2,16,3)"
    "SuperResK1K5K1(192,224,1,24,4)SuperResK1K5K1(224,96,2,24,2)SuperResK1K3K1(96,168,2,40,3)"
    "SuperResK1K3K1(168,112,1,48,3)SuperConvK1BNRELU(112,512,1,1)",
    "ConvKX(3,16,3,2)BN(16)RELU(16)ResBlock(16,1,ConvKX(16,16,3,1)BN(16)RELU(16))"
    "MultiSumBlock(ConvKX(16,24,3,2)BN(24);ConvDW(16,5,2)ConvKX(16,24,1,1))AdaptiveAvgPool(24,1)",
] + sorted({cls.example() for _, cls in BLOCKS.items()})

UNICODE_DIGITS = "０１２３４５６７８９٠١٢٣٤٥٦٧٨٩০১২৩४५𝟎𝟏𝟐𝟑¹²³⁴"
CONTAINERS = ("ResBlock(", "ResBlockProj(", "Sequential(", "MultiSumBlock(", "MultiCatBlock(", "ResBlock(8,", "ResBlock(8,2,")
JUNK = "(),;|+-.eE 0123456789SuperConvResKBNRELU\t\n"


def _numbers(s: str) -> list[tuple[int, int]]:
    out, i = [], 0
    while i < len(s):
        if s[i].isascii() and s[i].isdigit():
            j = i
            while j < len(s) and s[j].isascii() and s[j].isdigit():
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def _replace_number(rng: random.Random, s: str, value: str) -> str:
    spans = _numbers(s)
    if not spans:
        return s + value
    a, b = rng.choice(spans)
    return s[:a] + value + s[b:]


def _mutate(rng: random.Random, s: str) -> str:
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        i = rng.randrange(len(s) + 1)
        if op == 0:
            s = s[:i] + rng.choice(JUNK) + s[i:]
        elif op == 1 and s:
            s = s[:i] + s[i + 1:]
        elif op == 2 and s:
            s = s[:i] + rng.choice(JUNK) + s[i + 1:]
        elif op == 3:
            s = _replace_number(rng, s, str(rng.choice([0, -1, 1, 2, 3, 7, 255, 1024, 65535, 65536, 65537, 10**6])))
        elif op == 4:
            j = rng.randrange(len(s) + 1)
            a, b = min(i, j), max(i, j)
            s = s[:b] + s[a:b] + s[b:]  # duplicate a slice
        else:
            s = s[:i]  # truncate
    return s


def _huge(rng: random.Random, s: str) -> str:
    k = rng.choice([16, 20, 31, 200, 4300, 4301, 5000, 20_000])
    value = rng.choice([str(10**min(k, 400)), "9" * k, "0" * k + "8", "1" + "0" * k, f"1e{k}", f"{k}.5"])
    return _replace_number(rng, s, value)


def _nested(rng: random.Random) -> str:
    depth = rng.choice([1, 2, 5, 20, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 5, 200])
    opener = rng.choice(CONTAINERS)
    inner = rng.choice(["BN(8)", "ConvKX(8,8,3,1)", "ConvKX(8,8,3,2)BN(8)", "BN(8);BN(8)", "RELU(8)"])
    s = opener * depth + inner + ")" * rng.choice([depth, depth - 1, depth + 1])
    return rng.choice(["", "SuperConvK3BNRELU(3,8,1,1)"]) + s


def _non_ascii(rng: random.Random, s: str) -> str:
    spans = _numbers(s)
    if not spans:
        return s + rng.choice(UNICODE_DIGITS)
    a, b = rng.choice(spans)
    i = rng.randrange(a, b)
    return s[:i] + rng.choice(UNICODE_DIGITS) + s[i + 1:]


def _mischained(rng: random.Random) -> str:
    blocks = parse(rng.choice(SEEDS[:3]))
    i = rng.randrange(1, len(blocks))
    b = blocks[i]
    new_in = max(1, b.in_channels + rng.choice([-1, 1, 8, b.in_channels]))
    blocks[i] = b.with_in_channels(new_in)
    return to_str(blocks)


def _at_limits(rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:  # L near the per-block and network maxima
        L = rng.choice([MAX_SUBLAYERS - 1, MAX_SUBLAYERS, MAX_SUBLAYERS + 1, MAX_LAYERS // 2])
        fam = rng.choice(["SuperResK1K7K1", "SuperResK7K7", "SuperResIDWE6K7", "SuperResGSK5", "SuperResSGK5"])
        return f"SuperConvK3BNRELU(3,64,1,1){fam}(64,64,1,32,{L}){fam}(64,64,1,32,{rng.choice([1, 2, L])})"
    if kind == 1:  # channels near MAX_ARG
        c = rng.choice([MAX_ARG - 1, MAX_ARG, MAX_ARG + 1])
        return f"SuperConvK3BNRELU(3,{c},2,1)SuperResK3K3({c},{c},2,{c},2)SuperConvK1BNRELU({c},{c},1,1)"
    if kind == 2:  # length near MAX_CHARS
        n = (MAX_CHARS + rng.choice([-200, 0, 200])) // len("BN(8)")
        return "ConvKX(3,8,3,1)" + "BN(8)" * n
    if kind == 3:  # many sub-layers in many blocks
        n = rng.choice([MAX_LAYERS // 4, MAX_LAYERS // 4 + 1])
        return "SuperConvK3BNRELU(3,16,1,1)" + "SuperResK3K3(16,16,1,8,4)" * n
    return "".join(rng.choice(SEEDS[:3]) for _ in range(rng.randint(2, 30)))


def generate(n_per_kind: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    cases: list[str] = []
    for _ in range(n_per_kind):
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(0, 120)))
        cases.append(raw.decode(rng.choice(["latin-1", "utf-8"]), errors="replace"))
        cases.append(_mutate(rng, rng.choice(SEEDS)))
        cases.append(_mutate(rng, rng.choice(SEEDS)))
        cases.append(_huge(rng, rng.choice(SEEDS)))
        cases.append(_nested(rng))
        cases.append(_non_ascii(rng, rng.choice(SEEDS)))
        cases.append(_mischained(rng))
    for _ in range(max(1, n_per_kind // 10)):
        cases.append(_at_limits(rng))
    return cases


#: blocks the cost model walks per sub-layer, at most (the widest family, SE on, expands one L into ~23)
WORK_PER_LAYER = 32


def walked(blocks, opts: Options) -> int:
    """How many blocks costing ``blocks`` visits: every block, the expansion of super blocks, container children."""
    n = 0
    for b in blocks:
        n += 1 + walked(b.expansion(opts) if isinstance(b, SuperBlock) else list(b.iter_children()), opts)
    return n


def check(text: str, rng: random.Random) -> tuple[str, int]:
    """('ok' | 'rejected', work); anything else raises (the property)."""
    opts = Options(use_se=rng.random() < 0.3, no_reslink=rng.random() < 0.3, no_BN=rng.random() < 0.2)
    try:
        blocks = parse(text)
        c = compute_costs(blocks, rng.choice([1, 7, 32, 224]), rng.choice([0, 1, 10, 1000]), opts=opts)
    except StructureParseError as e:
        assert isinstance(e.offset, int) and 0 <= e.offset <= len(text), (text[:200], e.offset)
        assert e.message and str(e)
        return "rejected", len(text)
    work = walked(blocks, opts)
    assert c.layers <= MAX_LAYERS and len(text) <= MAX_CHARS
    assert work <= WORK_PER_LAYER * max(1, c.layers) + len(text), (text[:120], work, c.layers)  # the bound
    return "ok", work


def test_generated_strings_raise_only_structure_parse_errors_and_never_hang():
    cases = generate(1450)
    assert len(cases) >= 10_000
    rng = random.Random(1)
    counts = {"ok": 0, "rejected": 0}
    bad: list[tuple[str, str]] = []
    slowest, slowest_wall, most_work = (0.0, ""), 0.0, 0
    t_all = time.perf_counter()
    for text in cases:
        t0, w0 = time.process_time(), time.perf_counter()
        try:
            verdict, work = check(text, rng)
            counts[verdict] += 1
            most_work = max(most_work, work)
        except Exception as exc:  # noqa: BLE001 - the property under test
            bad.append((text[:300], f"{type(exc).__name__}: {str(exc)[:300]}"))
        dt, slowest_wall = time.process_time() - t0, max(slowest_wall, time.perf_counter() - w0)
        if dt > slowest[0]:
            slowest = (dt, text[:120])
    total = time.perf_counter() - t_all
    print(f"\n{len(cases)} strings in {total:.1f} s: {counts}; slowest {slowest[0] * 1e3:.1f} ms CPU "
          f"({slowest_wall * 1e3:.1f} ms wall max) ({slowest[1]!r}); most blocks walked {most_work:,}")
    assert not bad, bad[:5]
    assert counts["ok"] > 100 and counts["rejected"] > 5000  # both sides of the boundary are exercised
    assert slowest[0] < 1.0, slowest  # hang detector (a worst case takes ~0.01-0.3 s)


def test_each_reported_input_is_rejected_with_its_offset():
    cases = {  # issue 14's inputs
        "SuperConvK3BNRELU(3,%d,1,1)" % 10**200: ("out", 20),
        "SuperConvK3BNRELU(3,%s,1,1)" % ("9" * 5000): ("out", 20),
        "SuperConvK3BNRELU(3,8,1,%d)" % 10**30: ("(L)", 24),
        "SuperResGSK5(64,128,2,%d,2)" % 10**200: ("(B)", 22),
        "SuperConvK3BNRELU(3,８,1,1)": ("ASCII", 20),
        "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(9,16,2,8,1)": ("channel chaining broken: SuperResK3K3 reads 9", 26),
    }
    for text, (fragment, offset) in cases.items():
        t0 = time.perf_counter()
        try:
            compute_costs(text, 224, 10)
        except StructureParseError as e:
            assert fragment in e.message and e.offset == offset, (text[:60], e.message, e.offset)
        else:
            raise AssertionError(f"accepted {text[:60]!r}")
        assert time.perf_counter() - t0 < 1.0


def test_sizes_must_be_positive():
    s = SEEDS[0]
    for res, nc in ((0, 10), (-5, 10), (32, -1), (10**9, 10), (32.5, 10)):
        try:
            compute_costs(s, res, nc)
        except ValueError as e:
            assert "resolution" in str(e) or "num_classes" in str(e)
        else:
            raise AssertionError(f"compute_costs accepted resolution {res}, num_classes {nc}")


def test_rechain_repairs_only_top_level_chaining_and_says_so(caplog):
    bad = SEEDS[0].replace("SuperConvK1BNRELU(16,", "SuperConvK1BNRELU(24,")
    try:
        parse(bad)
    except StructureParseError as e:
        assert "SuperConvK1BNRELU" in e.message and e.offset == bad.index("SuperConvK1BNRELU(24")
    else:
        raise AssertionError("mis-chained structure accepted")
    with caplog.at_level("WARNING"):
        assert to_str(parse(bad, rechain=True)) == SEEDS[0]
    assert "rechain" in caplog.text and "SuperConvK1BNRELU" in caplog.text
    inner = "SuperConvK3BNRELU(3,8,1,1)ResBlock(8,1,ConvKX(8,8,3,1)BN(9))"
    for text in (inner, ):
        try:
            parse(text, rechain=True)
        except StructureParseError as e:
            assert "BN reads 9" in e.message
        else:
            raise AssertionError("inner mismatch accepted")
