"""predict.py names the right digit for most of a handful of images; class names for zoo networks offline."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.trained import cached_digits_run
from zennas.inference import default_preprocess
from zennas.models import resolve_model_spec


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    return cached_digits_run(tmp_path_factory)


def test_predict_names_the_right_class_for_most_images(digits, tmp_path, capsys):
    from zennas.cli.predict import main

    files = []
    for c in range(10):  # the first two validation images of every class, copied out of their class folders
        for i, src in enumerate(sorted((digits.data / "val" / str(c)).glob("*.png"))[:2]):
            dst = tmp_path / f"img_{c}_{i}.png"
            shutil.copy(src, dst)
            files.append((dst, str(c)))
    assert main([str(f) for f, _ in files] + ["--weights", str(digits.checkpoint), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [r["file"] for r in rows] == [str(f) for f, _ in files]
    right = sum(r["top"][0]["label"] == label for r, (_, label) in zip(rows, files))
    assert right >= 16, rows  # 20 images
    for r in rows:
        assert len(r["top"]) == 5 and len({t["label"] for t in r["top"]}) == 5
        probs = [t["prob"] for t in r["top"]]
        assert probs == sorted(probs, reverse=True) and 0.0 < sum(probs) <= 1.0 + 1e-6


def test_predict_text_output_and_folders(digits, capsys):
    from zennas.cli.predict import main

    assert main([str(digits.data / "val" / "7"), "--weights", str(digits.checkpoint), "--topk", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(list((digits.data / "val" / "7").glob("*.png")))
    assert sum(line.split(": ", 1)[1].startswith("7 (") for line in lines) >= 0.8 * len(lines)
    assert all(line.count(" | ") == 2 for line in lines)


def test_predict_bad_image_is_one_line(digits, tmp_path, capsys):
    from zennas.cli.predict import main

    (tmp_path / "x.png").write_bytes(b"no image")
    assert main([str(tmp_path / "x.png"), "--weights", str(digits.checkpoint)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: cannot read image {tmp_path}/x.png")
    assert main([str(tmp_path / "nothing.png"), "--weights", str(digits.checkpoint)]) == 2
    assert "image not found" in capsys.readouterr().err


def test_zoo_networks_get_dataset_class_names_offline():
    pre = default_preprocess(resolve_model_spec("zennet_imagenet1k_latency01ms_res224"), zoo_crop=320)
    assert len(pre.class_names) == 1000 and pre.class_names[0] == "tench" and pre.class_names[1] == "goldfish"
    assert (pre.input_image_size, pre.crop, pre.resize) == (224, 320, 366)  # ceil(320 / 0.875)
    c10 = default_preprocess(resolve_model_spec("zennet_cifar10_model_size1M_res32"))
    assert c10.class_names[:3] == ["airplane", "automobile", "bird"] and c10.resize is None
    c100 = default_preprocess(resolve_model_spec("zennet_cifar100_model_size1M_res32"))
    assert len(c100.class_names) == 100 and c100.class_names[-1] == "worm"
