"""Search spaces: invariants parametrized over the registry, ZEN candidate lists, determinism, loading."""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import zennas.spaces as S
from zennas.spaces.base import is_conv_like, is_res_like
from zennas.structure import parse, to_str

ROOT = Path(__file__).resolve().parents[1]
SPACE_NAMES = S.list_spaces()
CASES = [(n, c) for n in SPACE_NAMES for c in (False, True)]


def _split2(blocks):
    for _ in range(2):
        blocks = [x for b in blocks for x in b.split(6)]
    return blocks


def _new_blocks(parent, child):
    return [c for p, c in zip(parent, child) if str(p.with_in_channels(c.in_channels)) != str(c)]


# ---------------------------------------------------------------------------------------------
# registry-wide invariants
# ---------------------------------------------------------------------------------------------
def test_registry_has_the_shipped_spaces():
    for name in ("XXBL", "IDW_fixfc", "adlik", "gsnet", "xxbl", "search_space_XXBL"):
        assert name in S.SPACES


@pytest.mark.parametrize("name,compat", CASES)
def test_mutation_invariants(name, compat):
    space = S.get_space(name, zen_compat_sampling=compat)
    rng = np.random.default_rng(2024)
    cur = space.initial_structure(rng, resolution=224)
    space.check(cur, resolution=224)
    changed = 0
    for step in range(200):
        child = space.mutate(cur, rng, num_replaces=1 + step % 2)
        assert parse(to_str(child)) == child
        space.check(child, resolution=224)
        assert child[0].in_channels == 3
        for i in range(1, len(child)):
            assert child[i].in_channels == child[i - 1].out_channels
        assert len(child) == len(cur)
        assert S.stride_schedule(child) == S.stride_schedule(cur)
        for b in child:
            assert space.is_legal(b), b
            if b.IS_SUPER:
                assert b.arg("L") >= 1
        # ZEN-style spaces replace SuperConv/SuperRes blocks; cell spaces (NB201) rewrite their own
        # cell blocks (legality checked above, skeleton by space.check)
        for b in _new_blocks(cur, child) if space.res_types() else ():
            assert is_conv_like(b) or is_res_like(b)
            assert b.out_channels >= 8 and b.out_channels % 8 == 0
            if is_res_like(b):
                assert b.arg("B") >= 8 and b.arg("B") % 8 == 0
        changed += child != cur
        cur = _split2(child)
        space.check(cur, resolution=224)
    assert changed > 100


@pytest.mark.parametrize("name,compat", CASES)
def test_same_seed_same_sequence(name, compat):
    def run(seed):
        space = S.get_space(name, zen_compat_sampling=compat)
        rng = np.random.default_rng(seed)
        cur, seq = space.initial_structure(rng, resolution=224), []
        for _ in range(30):
            cur = _split2(space.mutate(cur, rng, 2))
            seq.append(to_str(cur))
        return seq

    assert run(7) == run(7)
    assert run(7) != run(8)


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_random_structure_or_not_implemented(name):
    space = S.get_space(name)
    try:
        blocks = space.random_structure(np.random.default_rng(0), resolution=224)
    except NotImplementedError:
        return
    space.check(blocks, resolution=224)
    assert blocks == space.random_structure(np.random.default_rng(0), resolution=224)


_HASH_SCRIPT = textwrap.dedent("""
    import json, numpy as np, zennas.spaces as S
    from zennas.structure import to_str
    out = {}
    for name in S.list_spaces():
        for compat in (False, True):
            sp = S.get_space(name, zen_compat_sampling=compat)
            rng = np.random.default_rng(11)
            cur, seq = sp.initial_structure(rng, resolution=224), []
            for i in range(25):
                cur = sp.mutate(cur, rng, 2)
                seq.append(to_str(cur))
            out[f"{name}/{compat}"] = seq
    print(json.dumps(out))
""")


def test_independent_of_pythonhashseed():
    outs = []
    for seed in ("0", "123"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        r = subprocess.run(
            [sys.executable, "-c", _HASH_SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 0, r.stderr
        outs.append(json.loads(r.stdout.strip().splitlines()[-1]))
    assert outs[0] == outs[1]
    assert set(outs[0]) == {f"{n}/{c}" for n in SPACE_NAMES for c in (False, True)}


# ---------------------------------------------------------------------------------------------
# ZEN helpers and candidate lists
# ---------------------------------------------------------------------------------------------
def test_channel_and_sublayer_lists():
    assert S.channel_candidates(64) == [160, 128, 96, 80, 64, 48, 40, 32, 24]
    assert S.channel_candidates(20) == [48, 40, 32, 24, 16, 8]
    assert S.channel_candidates(1000) == [2048, 2000, 1504, 1248, 1000, 800, 664, 496, 400]
    assert S.channel_candidates(1000, max_channels=None)[0] == 2496
    assert S.sublayer_candidates(1) == [3, 2, 1]
    assert S.sublayer_candidates(3) == [5, 4, 3, 2, 1]


def test_xxbl_candidates_match_spec():
    space = S.get_space("XXBL")
    blocks = parse("SuperConvK3BNRELU(3,64,1,1)SuperResK3K3(64,64,2,20,1)SuperConvK1BNRELU(64,128,1,1)")
    conv = space.candidates(blocks, 0)
    assert conv == [sorted(f"SuperConvK3BNRELU(3,{c},1,1)" for c in (160, 128, 96, 80, 64, 48, 40, 32, 24))]
    lists = space.candidates(blocks, 1)
    assert len(lists) == 6 and all(len(lst) == 9 * 6 * 3 for lst in lists)
    vals = {tuple(b.args) for lst in lists for b in (parse(s)[0] for s in lst)}
    assert {v[1] for v in vals} == {160, 128, 96, 80, 64, 48, 40, 32, 24}
    assert {v[3] for v in vals} == {48, 40, 32, 24, 16, 8}
    assert {v[4] for v in vals} == {3, 2, 1}
    assert {(v[0], v[2]) for v in vals} == {(64, 2)}


def _type_counts(space, blocks, idx):
    flat = [s for lst in space.candidates(blocks, idx) for s in lst]
    return collections.Counter(s.split("(")[0] for s in flat), len(flat)


def test_xxbl_zen_compat_multiplicities():
    blocks = parse("SuperConvK3BNRELU(3,64,1,1)SuperResK1K5K1(64,64,2,32,2)SuperConvK1BNRELU(64,128,1,1)")
    n_per_type = 9 * 7 * 4  # |out list| * |B list| * |L list|
    counts, total = _type_counts(S.get_space("XXBL", zen_compat_sampling=True), blocks, 1)
    assert counts == {
        "SuperResK1K3K1": 3 * n_per_type,
        "SuperResK1K5K1": 3 * n_per_type,
        "SuperResK1K7K1": 2 * n_per_type,
        "SuperResK3K3": 3 * n_per_type,
        "SuperResK5K5": 3 * n_per_type,
        "SuperResK7K7": 2 * n_per_type,
    }
    k7 = counts["SuperResK1K7K1"] + counts["SuperResK7K7"]
    assert k7 / total == pytest.approx(2 / 8)
    counts, total = _type_counts(S.get_space("XXBL"), blocks, 1)
    assert set(counts.values()) == {n_per_type} and len(counts) == 6


def test_idw_zen_compat_multiplicities():
    blocks = parse(S.get_space("IDW_fixfc").example)
    counts, total = _type_counts(S.get_space("IDW_fixfc", zen_compat_sampling=True), blocks, 2)
    order = [f"SuperResIDWE{e}K{k}" for k in (3, 5, 7) for e in (1, 2, 4, 6)]
    n = counts["SuperResIDWE6K7"] // 2
    assert [counts[t] // n for t in order] == [12, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2]
    assert counts["SuperResIDWE1K3"] / total == pytest.approx(12 / 89)
    counts, _ = _type_counts(S.get_space("IDW_fixfc"), blocks, 2)
    assert len(set(counts.values())) == 1 and len(counts) == 12


def test_idw_head_never_changes_and_no_cap():
    space = S.get_space("IDW_fixfc")
    cur = parse(space.example)
    head = cur[-1]
    assert space.candidates(cur, len(cur) - 1) == [[str(head)]]
    rng = np.random.default_rng(3)
    for _ in range(200):
        cur = space.mutate(cur, rng, 2)
        last = cur[-1]
        assert (last.NAME, last.out_channels, last.stride, last.arg("L")) == (
            head.NAME,
            head.out_channels,
            head.stride,
            head.arg("L"),
        )
    big = parse(
        "SuperConvK3BNRELU(3,1600,2,1)SuperResIDWE1K3(1600,1600,2,1600,1)SuperConvK1BNRELU(1600,2048,1,1)"
    )
    assert max(parse(s)[0].out_channels for s in space.candidates(big, 1)[0]) == 4000
    assert max(parse(s)[0].out_channels for s in S.get_space("XXBL").candidates(big, 1)[0]) == 2048


# ---------------------------------------------------------------------------------------------
# ADLIK space
# ---------------------------------------------------------------------------------------------
def test_adlik_default_modules_and_random_init():
    space = S.get_space("adlik")
    assert sorted(space.res_types()) == sorted(S.get_space("XXBL").res_types())
    rng = np.random.default_rng(5)
    lengths = set()
    for _ in range(100):
        blocks = space.random_structure(rng, resolution=224)
        n = len(blocks)
        lengths.add(n)
        assert 6 <= n <= 10
        assert str(blocks[0]) == "SuperConvK3BNRELU(3,32,2,1)"
        assert blocks[-1].NAME == "SuperConvK1BNRELU" and blocks[-1].arg("L") == 1
        assert S.stride_schedule(blocks) == [
            2 if (i <= 3 or i == round((n + 2) / 2)) else 1 for i in range(n)
        ]
        for b in blocks[1:]:
            assert 8 <= b.out_channels <= 120
        for b in blocks[1:-1]:
            assert b.NAME in space.res_types() and b.arg("L") == 1 and 8 <= b.arg("B") <= 120
    assert lengths == set(range(6, 11))
    small = space.random_structure(np.random.default_rng(0), resolution=8)
    space.check(small, resolution=8)
    assert S.stride_schedule(small).count(2) == 3


def test_adlik_mutation_caps_and_shared_factor():
    space = S.get_space("gsnet")
    blocks = parse("SuperConvK3BNRELU(3,64,2,1)SuperResK3K3(64,64,2,64,2)SuperConvK1BNRELU(64,128,1,1)")
    rng = np.random.default_rng(0)
    for _ in range(50):  # same factor on out and B: equal widths stay equal
        b = space.mutate_block(blocks, 1, rng)
        assert b.out_channels == b.arg("B") and b.stride == 2 and b.in_channels == 64
        assert b.arg("L") in (1, 2, 3, 4)
    big = parse(
        "SuperConvK3BNRELU(3,1600,2,1)SuperResK3K3(1600,1600,2,1600,1)SuperConvK1BNRELU(1600,2000,1,1)"
    )
    for _ in range(50):
        b = space.mutate_block(big, 1, rng)
        assert b.out_channels <= 2048 and b.arg("B") <= 512
        assert space.mutate_block(big, 2, rng).out_channels <= 2048


def test_adlik_block_modules_option():
    space = S.get_space("adlik", block_modules="PlainNet/SuperResIDWEXKX.py")
    assert len(space.res_types()) == 12
    with pytest.raises(S.SearchSpaceError, match="nope"):
        S.get_space("adlik", block_modules=["PlainNet/nope.py"])


def test_adlik_with_gs_blocks():
    space = S.get_space("gsnet", block_modules=["PlainNet/AABC_Block.py"])
    assert space.res_types()
    rng = np.random.default_rng(1)
    cur = space.random_structure(rng, resolution=224)
    for _ in range(50):
        cur = space.mutate(cur, rng, 2)
        space.check(cur, resolution=224)


# ---------------------------------------------------------------------------------------------
# check()
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text,match",
    [
        ("SuperConvK3BNRELU(3,16,2,1)SuperResK3K3(8,16,1,8,1)", "chaining"),
        ("SuperConvK3BNRELU(4,16,2,1)", "chaining"),
        ("SuperConvK3BNRELU(3,16,2,1)SuperResIDWE1K3(16,16,1,8,1)", "illegal block type"),
        ("SuperConvK3BNRELU(3,20,2,1)", "width"),
        ("SuperConvK3BNRELU(3,16,2,1)SuperResK3K3(16,16,2,4,1)", "width"),
        ("SuperConvK3BNRELU(3,16,2,1)SuperResK3K3(16,16,2,8,1)SuperResK3K3(16,16,2,8,1)", "resolution"),
    ],
)
def test_check_names_the_invariant(text, match):
    import re

    blocks = [parse(tok)[0] for tok in re.findall(r"\w+\([^()]*\)", text)]  # token by token: the parser checks chaining too
    with pytest.raises(ValueError, match=match):
        S.get_space("XXBL").check(blocks, resolution=4)


# ---------------------------------------------------------------------------------------------
# lookup, files, legacy adapter
# ---------------------------------------------------------------------------------------------
def test_original_file_names_resolve_to_registered_spaces():
    assert type(S.get_space("SearchSpace/search_space_XXBL.py")).name == "XXBL"
    assert type(S.get_space(str(ROOT / "SearchSpace" / "search_space_IDW_fixfc.py"))).name == "IDW_fixfc"
    assert S.get_space("search_space_IDW_fixfc").name == "IDW_fixfc"
    assert S.get_space("xxbl", zen_compat_sampling=True).zen_compat_sampling


def test_unknown_name_and_bad_options():
    with pytest.raises(S.SearchSpaceError, match="did you mean 'XXBL'"):
        S.get_space("XXLB")
    with pytest.raises(S.SearchSpaceError, match="accepted"):
        S.get_space("XXBL", bogus=1)


LEGACY = textwrap.dedent("""
    import itertools
    import global_utils
    from PlainNet import super_blocks

    def channels(c):
        return sorted(set(global_utils.smart_round(max(8, c * f), base=8) for f in (2, 1, 0.5)))

    def gen_search_space(block_list, block_id):
        b = block_list[block_id]
        if isinstance(b, super_blocks.SuperConvKXBNRELU):
            return [list(set(type(b).__name__ + '({},{},{},1)'.format(b.in_channels, o, b.stride)
                             for o in channels(b.out_channels)))]
        out = []
        for o, L in itertools.product(channels(b.out_channels), (b.sub_layers, b.sub_layers + 1)):
            out.append(type(b).__name__ + '({},{},{},{},{})'.format(
                b.in_channels, o, b.stride, b.bottleneck_channels, L))
        return [list(set(out))]
""")


def test_legacy_gen_search_space_file(tmp_path):
    f = tmp_path / "my_legacy_space.py"
    f.write_text(LEGACY)
    space = S.get_space(str(f))
    assert isinstance(space, S.LegacySpace)
    cur = parse(S.get_space("XXBL").example)
    rng = np.random.default_rng(0)
    seqs = []
    for _ in range(50):
        child = space.mutate(cur, rng, 2)
        space.check(child)
        assert S.stride_schedule(child) == S.stride_schedule(cur)
        cur = _split2(child)
        seqs.append(to_str(cur))
    assert len(set(seqs)) > 10
    with pytest.raises(NotImplementedError):
        space.random_structure(rng, resolution=32)


def test_user_space_class_file(tmp_path):
    f = tmp_path / "tiny_space.py"
    f.write_text(
        textwrap.dedent("""
        from SearchSpace import ZenListSpace

        class TinySpace(ZenListSpace):
            name = "tiny_user_space"
            groups = (("SuperResK3K3",),)
            example = "SuperConvK3BNRELU(3,16,2,1)SuperResK3K3(16,32,2,16,1)SuperConvK1BNRELU(32,64,1,1)"
    """)
    )
    space = S.get_space(str(f))
    assert space.name == "tiny_user_space" and space.res_types() == ["SuperResK3K3"]
    cur = space.initial_structure()
    rng = np.random.default_rng(0)
    for _ in range(20):
        cur = space.mutate(cur, rng, 2)
        space.check(cur)


@pytest.mark.parametrize(
    "body,match",
    [
        ("def gen_search_space(block_list, block_id)\n    return []\n", "failed to load"),
        ("import does_not_exist_anywhere\n", "failed to load"),
        ("X = 1\n", "defines no search space"),
    ],
)
def test_malformed_space_file_names_the_file(tmp_path, body, match):
    f = tmp_path / "broken_space.py"
    f.write_text(body)
    with pytest.raises(S.SearchSpaceError, match=match) as exc:
        S.get_space(str(f))
    assert "broken_space.py" in str(exc.value)


def test_legacy_bad_return_value(tmp_path):
    f = tmp_path / "bad_return.py"
    f.write_text("def gen_search_space(block_list, block_id):\n    return 'SuperResK3K3(8,8,1,8,1)'\n")
    space = S.get_space(str(f))
    with pytest.raises(S.SearchSpaceError, match="bad_return.py"):
        space.mutate(parse(S.get_space("XXBL").example), np.random.default_rng(0), 1)


@pytest.mark.parametrize("name", ["XXBL", "IDW_fixfc"])
def test_compat_fast_draw_equals_flattened_list_draw(name):
    space = S.get_space(name, zen_compat_sampling=True)
    blocks = parse(space.example)
    for seed in range(20):
        fast = space.mutate_block(blocks, 2, np.random.default_rng(seed))
        slow = space.draw_from_candidates(blocks, 2, np.random.default_rng(seed))
        assert fast == slow


def test_zennet_zoo_structures_satisfy_their_space():
    import zennas.zoo as zoo
    entries = [e for e in zoo.list_zoo() if e.name.startswith("zennet_")]
    assert entries
    for e in entries:
        name = "IDW_fixfc" if "flops" in e.name else "XXBL"
        S.get_space(name).check(parse(e.structure), resolution=e.resolution)
