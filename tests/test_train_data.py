"""Data: torchvision CIFAR from its on-disk layout (never downloaded; presence and shapes checked, not md5),
image folders with class or flat validation folders, the §6.3 transforms, --dataloader_testing."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from datasets import write_fake_cifar
from PIL import Image
from train_helpers import TINY_STRUCT, metrics

from zennas.checkpoint import load_checkpoint
from zennas.train.config import DataOptions
from zennas.train.data import DataError, Lighting, build_datasets, train_transform


def test_fake_cifar10_and_100_load_through_torchvision(tmp_path):
    from zennas.data.cifar import CifarDataset

    write_fake_cifar(tmp_path / "c10", n_train=50, n_test=20)
    b = build_datasets(DataOptions(dataset="cifar10", data_dir=str(tmp_path / "c10")), 32)
    assert isinstance(b.train, CifarDataset) and (len(b.train), len(b.val)) == (50, 20)
    assert b.class_names == [f"class{i}" for i in range(10)] and b.preprocess.class_names == b.class_names
    x, y = b.val[3]
    assert x.shape == (3, 32, 32) and y == 3
    write_fake_cifar(tmp_path / "c100", n_train=30, n_test=10, num_classes=100)
    b = build_datasets(DataOptions(dataset="cifar100", data_dir=str(tmp_path / "c100")), 32)
    assert isinstance(b.train, CifarDataset) and b.num_classes == 100
    # --data_dir may also name the batches folder itself
    b = build_datasets(DataOptions(dataset="cifar10", data_dir=str(tmp_path / "c10" / "cifar-10-batches-py")), 32)
    assert len(b.train) == 50


def test_missing_or_malformed_cifar_is_one_line(tmp_path):
    with pytest.raises(DataError, match=r"CIFAR folder .*nothing not found; expected .*data_batch_1"):
        build_datasets(DataOptions(dataset="cifar10", data_dir=str(tmp_path / "nothing")), 32)
    write_fake_cifar(tmp_path / "bad", n_train=10, n_test=5)
    (tmp_path / "bad" / "cifar-10-batches-py" / "data_batch_3").write_bytes(b"not a pickle")
    with pytest.raises(DataError, match="cannot read CIFAR file .*data_batch_3") as e:
        build_datasets(DataOptions(dataset="cifar10", data_dir=str(tmp_path / "bad")), 32)
    assert "\n" not in str(e.value)
    write_fake_cifar(tmp_path / "shape", n_train=10, n_test=5)
    p = tmp_path / "shape" / "cifar-10-batches-py" / "test_batch"
    d = pickle.loads(p.read_bytes())
    d["data"] = d["data"][:, :1000]
    p.write_bytes(pickle.dumps(d))
    with pytest.raises(DataError, match="expected uint8 data of shape N x 3072"):
        build_datasets(DataOptions(dataset="cifar10", data_dir=str(tmp_path / "shape")), 32)


def _folder(root, flat_val=False, by_name=False):
    rng = np.random.default_rng(0)
    for c in ("cat", "dog"):
        (root / "train" / c).mkdir(parents=True)
        for i in range(4):
            Image.fromarray(rng.integers(0, 255, (20, 24, 3), dtype=np.uint8)).save(root / "train" / c / f"{i}.png")
    (root / "val").mkdir()
    lines = []
    for j, c in enumerate(("cat", "dog")):
        for i in range(3):
            img = Image.fromarray(rng.integers(0, 255, (20, 24, 3), dtype=np.uint8))
            if flat_val:
                img.save(root / "val" / f"v{j}{i}.png")
                lines.append(f"v{j}{i}.png {c if by_name else j}")
            else:
                (root / "val" / c).mkdir(exist_ok=True)
                img.save(root / "val" / c / f"{i}.png")
    if flat_val:
        (root / "val" / "val_list.txt").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("flat, by_name", [(False, False), (True, False), (True, True)])
def test_image_folder_with_class_or_flat_val(tmp_path, flat, by_name):
    _folder(tmp_path, flat, by_name)
    b = build_datasets(DataOptions(dataset="imagefolder", data_dir=str(tmp_path)), 16)
    assert b.class_names == ["cat", "dog"] and (len(b.train), len(b.val)) == (8, 6)
    assert [b.val[i][1] for i in range(6)] == [0, 0, 0, 1, 1, 1]
    assert b.val[0][0].shape == (3, 16, 16)
    assert (b.preprocess.resize, b.preprocess.crop) == (19, 16)  # ceil(16 / 0.875), center crop


def test_bad_folder_and_list(tmp_path):
    with pytest.raises(DataError, match="expected .*/train/<class>"):
        build_datasets(DataOptions(dataset="imagefolder", data_dir=str(tmp_path)), 16)
    _folder(tmp_path, flat_val=True)
    (tmp_path / "val" / "val_list.txt").write_text("v00.png 7\n")
    with pytest.raises(DataError, match="val_list.txt:1: label '7'"):
        build_datasets(DataOptions(dataset="imagefolder", data_dir=str(tmp_path)), 16)


def test_train_transforms_and_lighting():
    img = Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 48, 3), dtype=np.uint8))
    for cifar, size in ((False, 32), (True, 32), (True, 48)):
        tf = train_transform(DataOptions(auto_augment=True, random_erase=True), size, cifar)
        names = [type(t).__name__ for t in tf.transforms]
        assert "AutoAugment" in names and names[-1] == "RandomErasing"
        src = img.resize((32, 32)) if cifar else img
        assert tf(src).shape == (3, size, size)
    names = [type(t).__name__ for t in train_transform(DataOptions(), 32, False).transforms]
    assert names == ["RandomResizedCrop", "RandomHorizontalFlip", "ColorJitter", "ToTensor", "Lighting", "Normalize"]
    torch.manual_seed(0)
    x = torch.rand(3, 8, 8)
    y = Lighting(0.1)(x)
    d = (y - x).flatten(1)
    assert torch.allclose(d, d[:, :1].expand_as(d)) and d.abs().sum() > 0  # one RGB offset per image


def test_dataloader_testing_takes_a_hundredth_and_a_tenth(tmp_path):
    write_fake_cifar(tmp_path, n_train=500, n_test=100)
    b = build_datasets(DataOptions(dataset="cifar10", data_dir=str(tmp_path), dataloader_testing=True), 32)
    assert (len(b.train), len(b.val)) == (5, 10)


def test_cifar_training_run_on_fake_cifar(fake_cifar10, tmp_path):
    from zennas.cli.train import main

    assert main(["--dataset", "cifar10", "--data_dir", str(fake_cifar10), "--plainnet_struct", TINY_STRUCT,
                 "--epochs", "2", "--batch_size_per_gpu", "32", "--save_dir", str(tmp_path), "--workers_per_gpu",
                 "0", "--label_smoothing", "--auto_augment", "--lr_per_256", "0.8", "--weight_init", "custom",
                 "--seed", "0"]) == 0
    ck = load_checkpoint(tmp_path / "best-params_rank0.pth")
    assert ck["preprocess"]["mean"] == pytest.approx([0.4914, 0.4822, 0.4465])
    assert ck["preprocess"]["class_names"][0] == "class0" and ck["model"]["input_image_size"] == 32
    assert len(metrics(tmp_path)) == 2
