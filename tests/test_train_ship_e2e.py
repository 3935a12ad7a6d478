"""The whole chain on one engine-trained checkpoint (issue 9): train_image_classification.py on the offline
digits -> val.py --weights reports the checkpoint's own top-1 -> export.py's TorchScript and ONNX outputs equal
the torch model within 1e-4 -> predict.py names the right class for most images."""

from __future__ import annotations

import json
import shutil

import torch
from PIL import Image

from tests.train_helpers import run_cli
from zennas.checkpoint import load_checkpoint


def test_val_py_on_the_engine_checkpoint_reports_its_top1(digits_run, digits_dir):
    ckpt = digits_run / "best-params_rank0.pth"
    r = run_cli("val.py", "--data", str(digits_dir / "val"), "--weights", str(ckpt), "--input_image_size", "32",
                "--json", "--workers", "0")
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    top1 = load_checkpoint(ckpt)["top1_acc"]
    assert top1 >= 90.0
    assert abs(out["top1"] - top1) < 1e-6 and out["top1"] <= out["top5"] <= 100.0


def test_export_and_predict_on_the_engine_checkpoint(digits_run, digits_dir, tmp_path, capsys):
    import onnxruntime as ort

    from zennas.checkpoint import model_from_checkpoint
    from zennas.cli.export import main as export_main
    from zennas.cli.predict import main as predict_main

    ckpt = digits_run / "best-params_rank0.pth"
    assert export_main(["--weights", str(ckpt), "--out", str(tmp_path / "net"), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert rep["ok"] and max(rep["max_abs_diff"].values()) < 1e-4
    model, _, pre, _ = model_from_checkpoint(ckpt)
    files = [f for c in range(10) for f in sorted((digits_dir / "val" / str(c)).glob("*.png"))[:2]]
    x = torch.stack([pre.transform()(Image.open(f).convert("RGB")) for f in files])
    with torch.no_grad():
        ref = model.eval()(x)
    ts = torch.jit.load(rep["files"]["torchscript"])(x)
    onnx_out = ort.InferenceSession(rep["files"]["onnx"], providers=["CPUExecutionProvider"]).run(
        None, {"input": x.numpy()})[0]
    assert (ts - ref).abs().max() < 1e-4 and abs(onnx_out - ref.numpy()).max() < 1e-4

    copies = []
    for f in files:  # out of their class folders, so predict.py cannot read the label from the path
        dst = tmp_path / f"{f.parent.name}_{f.name}"
        shutil.copy(f, dst)
        copies.append((dst, f.parent.name))
    assert predict_main([str(d) for d, _ in copies] + ["--weights", str(ckpt), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    right = sum(r["top"][0]["label"] == label for r, (_, label) in zip(rows, copies))
    assert right >= 16, rows  # 20 images, a >= 90 % network
