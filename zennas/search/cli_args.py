"""Command-line options of the search (``evolution_search.py``): parser and config resolution.

Precedence: defaults < ``--config FILE.yaml`` < flags < ``--set KEY=VALUE``.  Without ``--config`` and
without a structure / space / proxy on the command line the quickstart preset is used.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from zennas.search.config import ConfigError, build_config, load_yaml

QUICKSTART = Path(__file__).resolve().parents[2] / "configs" / "quickstart.yaml"
S = argparse.SUPPRESS
# (flag, type/action, help); type None = string value
OPTIONS = [
    ("--zero_shot_score", None, "proxy: Zen, TE-NAS, Syncflow, GradNorm, Flops, Params, Random, NASWOT (default Zen)"),
    ("--search_space", None, "space name (XXBL, IDW_fixfc, adlik) or .py path (default XXBL)"),
    ("--evolution_max_iter", None, "loop iterations (default 480000)"),
    ("--budget_model_size", None, "max params (zen count; e.g. 1e6 or 1M)"),
    ("--budget_flops", None, "max FLOPs at --input_image_size (zen count; e.g. 400M)"),
    ("--budget_latency", None, "max seconds per image (e.g. 1e-4 or 0.1ms), measured"),
    ("--budget_mac", None, "max memory access cost (elements, ShuffleNet V2 definition)"),
    ("--budget_peak", None, "max peak activation elements of one op"),
    ("--max_layers", None, "max sum of super-block sub-layers"),
    ("--batch_size", None, "proxy (and latency) batch size (default 64)"),
    ("--input_image_size", None, "resolution (default 224)"),
    ("--population_size", None, "population cap (default 512)"),
    ("--save_dir", None, "output folder"),
    ("--gamma", None, "Zen-score perturbation (default 0.01)"),
    ("--num_classes", None, "classes of the FC head (default 1000)"),
    ("--plainnet_struct", None, "initial structure string"),
    ("--plainnet_struct_txt", None, "file whose first line is the initial structure"),
    ("--seed", None, "seed of the one numpy Generator (default: random, recorded)"),
    ("--device", None, "auto, cpu, cuda, cuda:1 ... (default auto)"),
    ("--time_budget", None, "stop after this many seconds (cumulative over resumes)"),
    ("--patience", None, "stop after this many iterations without a new best"),
    ("--log_every", None, "log/TensorBoard every N iterations (default 1000)"),
    ("--checkpoint_every", None, "checkpoint every N iterations (default 1000)"),
    ("--mutation", None, "zen (re-sample a block from the space) or adlik (scale channels)"),
    ("--duplicates", None, "reinsert (ZEN, cached score) or skip (ADLIK)"),
    ("--params_mode", None, "params budget counter: zen or exact"),
    ("--flops_mode", None, "FLOPs budget counter: zen or exact"),
    ("--threads", None, "torch.set_num_threads"),
    ("--max_consecutive_rejections", None, "error after this many rejected children in a row (default 10000)"),
    ("--max_failure_rate", None, "error when more than this fraction of scored candidates fail (default 0.5)"),
    ("--proxy_dtype", None, "proxy precision (float32, bf16, fp16; default: the proxy's)"),
    ("--latency_device", None, "device of the latency budget (default --device)"),
]
FLAGS = [
    ("--fix_initialize", "ADLIK: seed the population from the initial structure"),
    ("--origin", "ADLIK: ZEN mutation with --search_space"),
    ("--resume", "continue from <save_dir>/checkpoint.json"),
    ("--overwrite", "replace an existing search in save_dir"),
    ("--zen_compat_failures", "insert failed candidates with score -9999 (original behaviour)"),
]


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="evolution_search.py", description="Evolutionary zero-shot NAS (Zen-NAS).",
                                argument_default=S, allow_abbrev=False, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--config", help="YAML preset (keys = option names); flags override it")
    for flag, _typ, hlp in OPTIONS:
        p.add_argument(flag, help=hlp)
    for flag, hlp in FLAGS:
        p.add_argument(flag, action="store_const", const=True, help=hlp)
    p.add_argument("--search_space_list", nargs="+", help="ADLIK: block modules for the adlik space")
    p.add_argument("--gpu", help="legacy: CUDA index (same as --device cuda:N)")
    p.add_argument("--dry-run", "--dry_run", dest="dry_run", action="store_const", const=True,
                   help="print the resolved config, check the initial structure, run <= 2 iterations, exit")
    p.add_argument("--no-tensorboard", dest="tensorboard", action="store_const", const=False)
    p.add_argument("--no-plots", dest="plots", action="store_const", const=False)
    p.add_argument("--no-progress", dest="progress", action="store_const", const=False)
    p.add_argument("--set", dest="overrides", action="append", metavar="KEY=VALUE",
                   help="any config key (YAML value syntax), repeatable")
    p.add_argument("-v", "--verbose", action="store_const", const=True)
    return p


def config_from_args(argv: list[str] | None = None):
    args = vars(make_parser().parse_args(argv))
    verbose = bool(args.pop("verbose", False))
    config_path = args.pop("config", None)
    overrides = args.pop("overrides", None) or []
    if "gpu" in args:
        args["device"] = f"cuda:{args.pop('gpu')}"
    layers = []
    if config_path is None and not any(k in args for k in ("plainnet_struct", "plainnet_struct_txt",
                                                            "search_space", "zero_shot_score")):
        config_path = str(QUICKSTART)
    if config_path is not None:
        layers.append((config_path, load_yaml(config_path)))
    layers.append(("the command line", args))
    import yaml

    extra = {}
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set expects KEY=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        extra[k.strip()] = yaml.safe_load(v)
    layers.append(("--set", extra))
    return build_config(*layers), verbose
