"""Proxy options are declared (ProxyInfo.options) and a typo raises, as space options do (issue 14)."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT
from zennas.proxies import PROXIES, compute_proxy, list_proxies
from zennas.proxies.base import COMMON_OPTIONS, ProxyOptionError
from zennas.search.config import ConfigError, build_config

S = "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)"


def test_an_unknown_option_raises_with_close_matches():
    with pytest.raises(ProxyOptionError, match=r"proxy Zen has no option 'totally_bogus' \(accepted: activation_override, "
                       r"bn_stats, init\)"):
        compute_proxy("Zen", S, resolution=16, batch_size=2, num_classes=10, seed=0, totally_bogus=5)
    with pytest.raises(ProxyOptionError, match="did you mean 'bn_stats' for 'bn_stat'"):
        compute_proxy("Zen", S, resolution=16, batch_size=2, num_classes=10, seed=0, bn_stat="carry")
    with pytest.raises(ProxyOptionError, match="proxy Params has no option 'init'"):
        compute_proxy("Params", S, resolution=16, num_classes=10, init="none")


def test_declared_options_change_the_score():
    a = compute_proxy("Zen", S, resolution=16, batch_size=4, num_classes=10, seed=0, repeat=3)
    b = compute_proxy("Zen", S, resolution=16, batch_size=4, num_classes=10, seed=0, repeat=3, bn_stats="carry")
    assert a.ok and b.ok and a.score != b.score  # bn_stats is read, so declaring it is honest


def test_search_config_refuses_an_option_typo():
    with pytest.raises(ConfigError, match="proxy_options: proxy Zen has no option 'bn_stat'"):
        build_config(("t", {"zero_shot_score": "Zen", "proxy_options": {"bn_stat": "carry"}}))
    assert build_config(("t", {"zero_shot_score": "Zen", "proxy_options": {"bn_stats": "carry"}}))


def _opt_keys_read(path) -> set[str]:
    """The literal keys a module reads with ``ctx.opt("key", ...)``."""
    keys = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "opt"
                and node.args and isinstance(node.args[0], ast.Constant)):
            keys.add(node.args[0].value)
    return keys


@pytest.mark.parametrize("path", sorted((ROOT / "zennas" / "proxies").glob("*.py")), ids=lambda p: p.name)
def test_every_option_a_proxy_module_reads_is_declared(path):
    """A new option (or a proxy fast path) that forgets to declare itself fails here, not in a user's search."""
    declared = set(COMMON_OPTIONS) | {o for cls in list_proxies() for o in cls.info.options}
    assert _opt_keys_read(path) <= declared, _opt_keys_read(path) - declared


def test_every_registered_proxy_lists_its_options():
    for cls in (c for c in list_proxies() if c.__module__.startswith("zennas.proxies")):
        acc = cls.info.accepted_options()
        assert acc == tuple(sorted(set(acc))) and (("init" in acc) == cls.info.needs_model), cls.info.name
    assert "Zen" in PROXIES
