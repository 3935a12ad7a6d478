"""Which proxy to trust: rank correlation of every proxy with trained accuracy on NAS-Bench-201 cells.

    python benchmarks/proxy_ranking.py [--csv FILE] [--proxies NAME[,NAME...]] --out DIR [--workers N]
                                       [--data_dir DIR] [--quick] [--limit N] [--seed S]

* ``--csv``: any CSV with the sample's columns (``arch`` = NB201 cell string, accuracy columns named
  ``acc_*``); default ``tests/data/nb201_sample200.csv`` (200 cells). A full benchmark export works too.
* Every listed proxy is computed for every cell on the CIFAR-10 network (32 px, 10 classes; ``--dataset``
  for the others) built once per cell under a fixed seed and handed to each proxy (each gets its own copy;
  every cell sees the same random draws). Data-dependent proxies get ``--data_dir`` (CIFAR-10, torchvision
  layout) or the offline fallback (scikit-learn digits upsampled); data-free ones their synthetic inputs.
  Each record says which data the proxy actually read (``data``).
* Resumable: results are appended to DIR/cache.jsonl (one JSON line per cell x proxy x settings x hash of
  the proxy's source file x the data's fingerprint, flushed and fsynced); a rerun computes only what is
  missing or changed. Progress bar over cells; ``--workers`` processes.
* Rows: each proxy's score; for AZ-NAS also its four components and the paper's log-rank ensemble
  (``AZ-NAS``); for SWAP also the regularised SWAP-Score (``SWAP-reg``, mu = max and sigma = mean of the
  population's parameter counts in thousands); ``Ensemble`` = ``RankEnsemble(--ensemble components)``.
* Outputs: DIR/ranking.json ``{row: {acc_column: {"spearman", "kendall", "ci", "n", ...}}}`` ("ci": 95 %
  percentile bootstrap interval of Spearman's rho over resampled cells; also "kendall_ci", "failed",
  "data"), DIR/ranking.md (Markdown table), DIR/scatter/<row>.png, DIR/meta.json (settings, data, times,
  load average, CPU capability). Failed scores rank lowest and are counted in "failed".
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import logging
import math
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from _proxy_ranking_io import ROOT, load_cells, read_cache, write_markdown, write_scatter

import zennas.proxies as ZP
from zennas.proxies.ensemble import COMPONENT_SETTINGS, strip_bn
from zennas.proxies.ensemble import DEFAULT_ENSEMBLE as ENSEMBLE_COMPONENTS
from zennas.proxies.ranking import RankEnsemble, bootstrap_ci, greedy_components, kendall, spearman
from zennas.proxies.swap import regularisation
from zennas.spaces.nb201 import DATASETS, arch_to_structure

DEFAULT_PROXIES = ("Params,FLOPs,SynFlow,SynFlow[ZEN],Zen,GradNorm,NASWOT,TE-NAS,SNIP,jacob_cov,ZiCo,MeCo,SWAP,"
                   "AZ-NAS")
#: per-proxy protocol of this benchmark (recorded in meta.json): the setting of the paper that published
#: the proxy's NB201 correlation (zennas.proxies.ensemble.COMPONENT_SETTINGS, which the search's Ensemble uses)
SETTINGS: dict[str, dict] = COMPONENT_SETTINGS
#: extra rows: row name -> (registered proxy, settings)
VARIANTS: dict[str, tuple[str, dict]] = {
    "SynFlow[ZEN]": ("SynFlow", {}),  # ZEN's search setting: Gaussian N(0,1) init, training-mode BN kept
}
#: the default ensemble (zennas.proxies.ensemble.DEFAULT_ENSEMBLE) = what ``--select_ensemble 100`` (greedy
#: forward selection, best prefix) chose on the FIRST 100 cells of the 200-cell sample with the offline digits
#: data; on the held-out cells 101-200 it reaches Spearman 0.946 vs 0.909 for the best single row (AZ-NAS).
DEFAULT_ENSEMBLE = ",".join(ENSEMBLE_COMPONENTS)

#: population-level rows (not candidates for ensemble selection)
DERIVED = frozenset({"AZ-NAS", "SWAP-reg", "Ensemble"})

_W: dict = {}


def row_spec(row: str) -> tuple[str, dict]:
    """(registered proxy name, settings) of a row; unknown names raise with suggestions."""
    if row in VARIANTS:
        return VARIANTS[row]
    name = ZP.get_proxy(row).info.name
    return name, SETTINGS.get(name, {})


def _settings_key(row: str, args, data: str) -> str:
    """Cache key part: settings, a hash of the proxy's source file and, for data-dependent proxies, of
    the data (a changed proxy or data set is recomputed)."""
    proxy, opts = row_spec(row)
    src = inspect.getsourcefile(ZP.get_proxy(proxy)) or ""
    code = hashlib.blake2b(Path(src).read_bytes(), digest_size=6).hexdigest() if src else "?"
    s = {**opts, "proxy": proxy, "seed": args.seed, "dataset": args.dataset, "code": code}
    if ZP.get_proxy(proxy).info.needs_data:
        s["data"] = data
    return json.dumps(s, sort_keys=True)


def _init_worker(data_dir: str | None, resolution: int, threads: int) -> None:
    torch.set_num_threads(threads)
    logging.getLogger("zennas.proxies").setLevel(logging.ERROR)
    from zennas.data.proxy import proxy_batches

    _W["loader"] = proxy_batches(data_dir, resolution=resolution, batch_size=64, num_batches=2)


def _score_cell(job: tuple) -> list[dict]:
    """All missing proxies of one cell (runs in a worker)."""
    arch, names, dataset, seed, keys = job
    from zennas.masternet import build_model

    res, ncls = DATASETS[dataset]
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = build_model(arch_to_structure(arch), ncls)
    loader = _W["loader"]
    out = []
    for name, key in zip(names, keys):
        proxy, opts = row_spec(name)
        opts = dict(opts)
        net = strip_bn(model) if opts.pop("strip_bn", False) else model
        before = loader.iterations
        r = ZP.compute_proxy(proxy, net, resolution=res, num_classes=ncls, seed=seed,
                             dataloader=loader if ZP.get_proxy(proxy).info.needs_data else None, **opts)
        d = r.to_dict()
        d["extra"].pop("traceback", None)
        d["data"] = loader.description if loader.iterations > before else "synthetic (proxy's own inputs)"
        out.append({"arch": arch, "proxy": name, "settings": key, "result": d})
    return out


def compute_all(cells: list[dict], names: list[str], args, cache_path: Path) -> dict:
    from zennas.data.proxy import proxy_batches

    cache = read_cache(cache_path)
    loader = proxy_batches(args.data_dir, resolution=DATASETS[args.dataset][0], batch_size=64, num_batches=2)
    data = f"{loader.description} #{loader.fingerprint()}"
    keys = {n: _settings_key(n, args, data) for n in names}
    jobs = []
    for c in cells:
        missing = [n for n in names if (c["arch"], n, keys[n]) not in cache]
        if missing:
            jobs.append((c["arch"], missing, args.dataset, args.seed, [keys[n] for n in missing]))
    t0 = time.time()
    if jobs:
        from tqdm import tqdm

        threads = max(1, (os.cpu_count() or 1) // args.workers)
        init = (args.data_dir, DATASETS[args.dataset][0], threads)
        with open(cache_path, "a") as fh, tqdm(total=len(jobs), desc="cells", unit="cell") as bar:
            def sink(records):
                for rec in records:
                    fh.write(json.dumps(rec) + "\n")
                    cache[(rec["arch"], rec["proxy"], rec["settings"])] = rec["result"]
                fh.flush()
                os.fsync(fh.fileno())
                bar.update(1)

            if args.workers > 1:
                with mp.get_context("fork").Pool(args.workers, _init_worker, init) as pool:
                    for recs in pool.imap_unordered(_score_cell, jobs):
                        sink(recs)
            else:
                _init_worker(*init)
                for job in jobs:
                    sink(_score_cell(job))
    return {"cache": cache, "keys": keys, "seconds": time.time() - t0, "jobs": len(jobs), "data": data}


def build_rows(cells: list[dict], names: list[str], state: dict) -> dict[str, dict]:
    """row name -> {"values": per-cell floats (NaN = failed), "data": source, "seconds": mean}"""
    cache, keys = state["cache"], state["keys"]
    per_cell = [{n: cache[(c["arch"], n, keys[n])] for n in names} for c in cells]
    rows: dict[str, dict] = {}

    def add(name, values, data, secs):
        rows[name] = {"values": np.asarray(values, np.float64), "data": data, "seconds": secs}

    for n in names:
        res = [pc[n] for pc in per_cell]
        vals = [r["score"] if r["ok"] else float("nan") for r in res]
        add(n, vals, _data_of(res), float(np.mean([r["seconds"] for r in res])))
    if "AZ-NAS" in names:
        az = RankEnsemble.aznas()
        secs = rows["AZ-NAS"]["seconds"]
        for comp in az.components:
            add(comp, az.table(per_cell)[:, az.components.index(comp)], rows["AZ-NAS"]["data"], 0.0)
        add("AZ-NAS", az.scores(per_cell), rows["AZ-NAS"]["data"], secs)
    if "SWAP" in names:
        params = np.array([pc["SWAP"]["extra"].get("params", np.nan) for pc in per_cell]) / 1e3
        mu, sigma = float(np.nanmax(params)), float(np.nanmean(params))
        reg = [v + regularisation(p * 1e3, mu, sigma) for v, p in zip(rows["SWAP"]["values"], params)]
        add("SWAP-reg", reg, rows["SWAP"]["data"] + f"; mu={mu:.1f}k sigma={sigma:.1f}k", rows["SWAP"]["seconds"])
    return rows


def add_ensemble(rows: dict, ensemble: RankEnsemble) -> None:
    """The ``Ensemble`` row: RankEnsemble over other rows (components = row names)."""
    missing = [c for c in ensemble.components if c not in rows]
    if missing:
        logging.warning("ensemble components %s not computed; no Ensemble row", missing)
        return
    table = np.stack([rows[c]["values"] for c in ensemble.components], 1)
    src = " + ".join(sorted({rows[c]["data"] for c in ensemble.components}))
    secs = sum(rows[p]["seconds"] for p in {c.partition(":")[0] for c in ensemble.components})
    rows["Ensemble"] = {"values": ensemble.scores_from_table(table), "data": src, "seconds": secs}


def select_ensemble(rows: dict, cells: list[dict], col: str, k: int) -> tuple[RankEnsemble, dict]:
    """Greedy components chosen on the first ``k`` cells; Spearman of every row on the other cells."""
    singles = {n: r["values"][:k] for n, r in rows.items() if n not in DERIVED}
    acc = np.array([c[col] for c in cells], np.float64)
    chosen = greedy_components(singles, acc[:k])
    ens = RankEnsemble(tuple(chosen), name="Ensemble")
    add_ensemble(rows, ens)
    held = {n: spearman(r["values"][k:], acc[k:]) for n, r in rows.items()} if len(cells) > k + 2 else {}
    return ens, held


def _data_of(results: list[dict]) -> str:
    srcs = sorted(({r.get("data", "") for r in results} | {r["extra"].get("data", "") for r in results}) - {""})
    real = [s for s in srcs if not s.startswith("synthetic")]
    return real[0] if len(real) == 1 else (" | ".join(srcs) if srcs else "synthetic")


def correlate(cells: list[dict], rows: dict, acc_cols: list[str], n_boot: int, seed: int) -> dict:
    out: dict[str, dict] = {}
    for name, row in rows.items():
        out[name] = {}
        for col in acc_cols:
            acc = np.array([c[col] for c in cells], np.float64)
            ok = np.isfinite(acc)
            v, a = row["values"][ok], acc[ok]
            rho = spearman(v, a)
            ci = bootstrap_ci(v, a, spearman, n_boot, seed=seed)
            small = len(a) <= 3000
            out[name][col] = {
                "spearman": rho, "kendall": kendall(v, a), "ci": list(ci), "n": int(ok.sum()),
                "kendall_ci": list(bootstrap_ci(v, a, kendall, n_boot // 4, seed=seed)) if small else None,
                "failed": int(np.sum(~np.isfinite(v) & ~np.isneginf(v))), "data": row["data"],
            }
    return out


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--csv", default=str(ROOT / "tests" / "data" / "nb201_sample200.csv"))
    p.add_argument("--proxies", default=DEFAULT_PROXIES, help="comma-separated registered proxy names")
    p.add_argument("--out", required=True)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--data_dir", default=None, help="CIFAR-10 in torchvision's layout (else: digits fallback)")
    p.add_argument("--dataset", default="cifar10", choices=sorted(DATASETS), help="network head / resolution")
    p.add_argument("--ensemble", default=DEFAULT_ENSEMBLE, help="components proxy[:extra_key],...")
    p.add_argument("--select_ensemble", type=int, default=0, metavar="K",
                   help="choose the ensemble greedily on the first K cells (held-out rho on the rest in meta.json)")
    p.add_argument("--limit", type=int, default=None, help="first N cells only")
    p.add_argument("--quick", action="store_true", help="first 20 cells, 200 bootstrap resamples")
    p.add_argument("--bootstrap", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no_plots", action="store_true")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        names = [n.strip() if n.strip() in VARIANTS else ZP.get_proxy(n.strip()).info.name
                 for n in args.proxies.split(",") if n.strip()]
        ensemble = RankEnsemble(tuple(c.strip() for c in args.ensemble.split(",") if c.strip()), name="Ensemble")
        cells, acc_cols = load_cells(Path(args.csv), 20 if args.quick and not args.limit else args.limit)
    except Exception as exc:  # noqa: BLE001 - one line, non-zero exit
        print(f"proxy_ranking: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    load0 = os.getloadavg()
    state = compute_all(cells, names, args, out / "cache.jsonl")
    rows = build_rows(cells, names, state)
    held: dict = {}
    if args.select_ensemble:
        ensemble, held = select_ensemble(rows, cells, acc_cols[0], args.select_ensemble)
    else:
        add_ensemble(rows, ensemble)
    n_boot = 200 if args.quick else args.bootstrap
    ranking = correlate(cells, rows, acc_cols, n_boot, args.seed)
    (out / "ranking.json").write_text(json.dumps(ranking, indent=1))
    meta = {
        "csv": args.csv, "cells": len(cells), "dataset": args.dataset, "resolution": DATASETS[args.dataset][0],
        "proxies": names, "settings": {n: {"proxy": row_spec(n)[0], **row_spec(n)[1]} for n in names}, "ensemble": list(ensemble.components), "seed": args.seed,
        "ensemble_selected_on_first": args.select_ensemble or None, "spearman_holdout": held,
        "workers": args.workers, "compute_seconds": state["seconds"], "cells_computed": state["jobs"], "data": state["data"],
        "seconds_per_cell": {k: r["seconds"] for k, r in rows.items()},
        "loadavg_start": load0, "loadavg_end": os.getloadavg(), "torch": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(), "bf16_native": ZP.cpu_has_fast_bf16(),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=1))
    write_markdown(out / "ranking.md", ranking, rows, acc_cols, meta)
    if not args.no_plots:
        write_scatter(out / "scatter", cells, rows, acc_cols[0], ranking)
    print((out / "ranking.md").read_text())
    return 0 if all(not math.isnan(v[acc_cols[0]]["spearman"]) for v in ranking.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
