"""Issue 14 at the command lines: every bad input is one clear line on stderr (no traceback unless --debug)
with exit status 2 for bad usage and 1 for failures; the original command lines work as they are; piping
into ``head`` is quiet.  The search's own items are in test_search_safety.py.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import numpy as np
import pytest
import torch

from tests.conftest import ROOT

S = "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)"
CLIS = ["analyze", "score", "zoo", "search", "latency", "val", "val_cifar", "predict", "export"]
NO_GPU = not torch.cuda.is_available()


def one_error_line(capsys) -> str:
    """The single ``error:`` line a failed command printed (and nothing that looks like a traceback)."""
    err = capsys.readouterr().err
    lines = [ln for ln in err.strip().splitlines() if " INFO " not in ln and " WARNING " not in ln]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and 'File "' not in err, err
    return lines[0]


def main_of(name: str):
    return importlib.import_module(f"zennas.cli.{name}").main


@pytest.fixture()
def structure_file(tmp_path):
    f = tmp_path / "s.txt"
    f.write_text(S + "\n")
    return f


@pytest.fixture()
def image_folder(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in range(10):
        (tmp_path / "imgs" / f"c{c}").mkdir(parents=True)
        Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(tmp_path / "imgs" / f"c{c}" / "a.png")
    return tmp_path / "imgs"


# ------------------------------------------------------------------------------------------ every CLI
@pytest.mark.parametrize("name", CLIS)
def test_every_cli_reports_bad_usage_in_one_line(name, capsys):
    main = main_of(name)
    assert hasattr(main, "__wrapped__"), f"zennas.cli.{name}.main is not decorated with cli_errors"
    argv = (["x.png"] if name == "predict" else []) + ["--no_such_option", "3"]
    assert main(argv) == 2
    msg = one_error_line(capsys)
    assert "unrecognized arguments: --no_such_option" in msg and "see --help" in msg


@pytest.mark.parametrize("name", ["analyze", "score", "latency", "val", "val_cifar", "export"])
def test_sizes_must_be_positive_not_replaced_by_defaults(name, capsys):
    main = main_of(name)
    for opt, value in (("--input_image_size", "0"), ("--input_image_size", "-5"), ("--num_classes", "0")):
        assert main(["--plainnet_struct", S, opt, value]) == 2
        assert f"argument {opt}: expected an integer in [1, " in one_error_line(capsys)


def test_score_batch_size_zero_is_refused(capsys):
    assert main_of("score")(["--plainnet_struct", S, "--batch_size", "0"]) == 2
    assert "argument --batch_size" in one_error_line(capsys)


def test_unexpected_errors_are_one_line_and_debug_shows_the_traceback(monkeypatch, capsys):
    from zennas.cli import analyze

    def boom(*a, **k):
        raise TypeError("something internal")

    monkeypatch.setattr(analyze, "analyze", boom)
    assert analyze.main(["--plainnet_struct", S]) == 1
    assert one_error_line(capsys) == "error: TypeError: something internal (unexpected; --debug shows the traceback)"
    with pytest.raises(TypeError):
        analyze.main(["--plainnet_struct", S, "--debug"])


# ------------------------------------------------------------------------------------------ analyze_model.py
def test_analyze_mis_chained_structure_is_one_line_without_ptflops_spew(capsys):
    bad = "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(9,16,2,8,1)"
    assert main_of("analyze")(["--plainnet_struct", bad, "--input_image_size", "32"]) == 2
    out = capsys.readouterr()
    assert out.out == ""  # no table, no ptflops output
    err = [ln for ln in out.err.splitlines() if ln.startswith("error")]
    assert len(err) == 1 and "channel chaining broken: SuperResK3K3 reads 9 channels" in err[0]
    assert "<HERE> SuperResK3K3(9,16,2,8,1)" in err[0] and "Traceback" not in out.err


def test_analyze_huge_number_is_one_line(capsys):
    assert main_of("analyze")(["--plainnet_struct", "SuperConvK3BNRELU(3,%s,1,1)" % ("9" * 5000), "--no_ptflops"]) == 2
    assert "argument 2 (out) is too large (a 5000-digit number" in one_error_line(capsys)


def test_analyze_original_arch_line_works(structure_file, capsys):
    main = main_of("analyze")
    flags = ["--plainnet_struct_txt", str(structure_file), "--num_classes", "10", "--input_image_size", "32",
             "--no_ptflops", "--json"]
    assert main(flags) == 0
    plain = capsys.readouterr().out
    assert main(["--arch", "Masternet.py:MasterNet", *flags]) == 0
    assert capsys.readouterr().out == plain
    assert '"params": 2985' in plain and '"flops": 826688' in plain  # ZENNAS_SPEC 2.6 golden values
    assert main(["--arch", "Masternet.py:MasterNet"]) == 2
    assert "needs a structure" in one_error_line(capsys)


def test_analyze_rechain_repairs_a_published_string(capsys):
    latency_s0 = ("SuperConvK3BNRELU(3,32,2,1)SuperResK3K3(32,64,2,32,1)SuperResK3K3(64,128,2,64,1)"
                  "SuperResK3K3(128,256,2,128,1)SuperResK3K3(256,512,2,256,1)SuperConvK1BNRELU(256,512,1,1)")
    main = main_of("analyze")
    assert main(["--plainnet_struct", latency_s0, "--no_ptflops"]) == 2
    assert "SuperConvK1BNRELU reads 256 channels but the block before it gives 512" in one_error_line(capsys)
    assert main(["--plainnet_struct", latency_s0, "--no_ptflops", "--rechain", "--json"]) == 0
    assert '"structure"' in capsys.readouterr().out


def _first_line_then_close(argv: list[str]) -> subprocess.CompletedProcess:
    p = subprocess.Popen([sys.executable, *argv], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = p.stdout.readline()
    p.stdout.close()  # like `| head -1`
    err = p.stderr.read().decode()
    p.wait(timeout=120)
    return subprocess.CompletedProcess(argv, p.returncode, first, err)


def test_broken_pipe_is_quiet(tmp_path):
    f = tmp_path / "many.txt"
    f.write_text((S + "\n") * 4000)
    r = _first_line_then_close(["analyze_model.py", "--plainnet_struct_txt", str(f), "--json", "--no_ptflops"])
    assert r.stdout.startswith(b"{") and r.stderr.strip() == "" and r.returncode == 141, r.stderr
    r = _first_line_then_close(["-m", "zennas.cli.zoo", "--json", "--no_costs"])
    assert r.stdout.strip() == b"[" and "Broken" not in r.stderr and "Traceback" not in r.stderr, r.stderr


# ------------------------------------------------------------------------------------------ python -m ZeroShotProxy
def test_score_accepts_the_original_flags(structure_file, capsys):
    main = main_of("score")
    rc = main(["--arch", "Masternet.py:MasterNet", "--plainnet_struct_txt", str(structure_file), "--input_image_size",
               "16", "--num_classes", "10", "--batch_size", "2", "--seed", "0", "--mixup_gamma", "0.01",
               "--repeat_times", "2", "--json"])
    assert rc == 0 and '"ok": true' in capsys.readouterr().out
    rc = main(["--gpu", "0", "--plainnet_struct", S, "--input_image_size", "16", "--batch_size", "2", "--json"])
    if NO_GPU:
        assert rc == 2 and "CUDA is not available on this machine" in one_error_line(capsys)
    else:  # pragma: no cover - GPU machines
        assert rc == 0


def test_score_unknown_proxy_is_usage(capsys):
    assert main_of("score")(["--plainnet_struct", S, "--zero_shot_score", "Zenn"]) == 2
    assert "unknown proxy 'Zenn'; did you mean 'Zen'" in one_error_line(capsys)


# ------------------------------------------------------------------------------------------ zoo
def test_zoo_unknown_family_is_an_error(capsys):
    assert main_of("zoo")(["--family", "Bogus", "--no_costs"]) == 2
    msg = one_error_line(capsys)
    assert "unknown --family 'Bogus'" in msg and "ZenNet" in msg and "GENet" in msg
    assert main_of("zoo")(["--family", "genet", "--no_costs"]) == 0 and "genet_gpu_large" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ val.py
def test_val_original_arch_line_works(structure_file, image_folder, capsys):
    rc = main_of("val")(["--arch", "Masternet.py:MasterNet", "--plainnet_struct_txt", str(structure_file),
                         "--num_classes", "10", "--input_image_size", "32", "--data", str(image_folder),
                         "--workers", "0", "--random_init", "--json"])
    assert rc == 0 and '"images": 10' in capsys.readouterr().out


@pytest.mark.parametrize("flags", [["--device", "cuda"], ["--gpu", "0"]])
def test_val_without_gpu_is_one_line(flags, image_folder, capsys, no_cuda):
    for name in ("val", "val_cifar"):
        rc = main_of(name)(["--arch", "zennet_cifar10_model_size05M_res32", "--random_init", *flags])
        assert rc == 2 and "CUDA is not available on this machine" in one_error_line(capsys)


def test_val_data_problems_are_one_line(tmp_path, image_folder, monkeypatch, capsys):
    main = main_of("val")
    base = ["--arch", "zennet_cifar10_model_size05M_res32", "--random_init", "--workers", "0"]
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/data/imagenet: no silent fallback
    assert main(base) == 2
    assert "no --data given and the default ImageNet folder" in one_error_line(capsys)
    (tmp_path / "empty").mkdir()
    assert main([*base, "--data", str(tmp_path / "empty")]) == 2
    assert "is not an image folder" in one_error_line(capsys)
    (image_folder / "c3" / "broken.png").write_bytes(b"not an image")
    for workers in ("0", "1"):  # in the main process and re-raised from a DataLoader worker
        assert main([*base[:-1], workers, "--data", str(image_folder)]) == 2
        msg = one_error_line(capsys)
        assert f"cannot read image {image_folder}/c3/broken.png" in msg and "remove or replace" in msg


def test_val_weights_problems_are_one_line(tmp_path, image_folder, capsys):
    main = main_of("val")
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"garbage")
    base = ["--arch", "zennet_cifar10_model_size05M_res32", "--data", str(image_folder), "--workers", "0"]
    assert main([*base, "--pretrained", str(junk)]) == 2
    msg = one_error_line(capsys)
    assert f"cannot read checkpoint {junk} (7 bytes)" in msg and "do not fit" not in msg and len(msg) < 300
    assert main([*base, "--pretrained", str(tmp_path / "missing.pth")]) == 2
    assert "not found" in one_error_line(capsys)
    assert main(["--weights", str(junk), "--data", str(image_folder)]) == 2
    assert "cannot read checkpoint" in one_error_line(capsys)
    assert main([*base, "--pretrained", str(junk), "--sha256", "0" * 64]) == 2
    assert "checksum mismatch" in one_error_line(capsys)
