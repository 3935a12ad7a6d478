"""Top-k predictions with class names for image files (predict.py).

Images are prepared with the model's evaluation pre-processing (:func:`zennas.evaluate.eval_transform`),
resized to the model resolution when the crop differs, and classified in batches.  Class names come from
the training checkpoint (its class folders) or, for zoo networks, the dataset's published names
(:mod:`zennas.data.labels`); indices are printed when neither is known.
"""

from __future__ import annotations

from pathlib import Path

from zennas.inference import LoadedModel

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm"}


def image_files(paths: list[str]) -> list[Path]:
    """Files as given, folders expanded to their images (sorted); missing paths raise FileNotFoundError."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES)
        elif p.is_file():
            out.append(p)
        else:
            raise FileNotFoundError(f"image not found: {p}")
    if not out:
        raise FileNotFoundError(f"no images in {', '.join(paths)}")
    return out


def predict(lm: LoadedModel, files: list[Path], *, topk: int = 5, device: str = "cpu", batch_size: int = 32,
            fp16: bool = False) -> list[dict]:
    """``[{"file", "top": [{"index", "label", "prob"}, ...]}]`` (probabilities from the softmax)."""
    import torch
    import torch.nn.functional as F
    from PIL import Image, UnidentifiedImageError

    from zennas.evaluate import eval_transform

    tf, names, s = eval_transform(lm.preprocess), lm.preprocess.class_names, lm.preprocess.input_image_size
    dev = torch.device(device)
    model = lm.model.to(dev).eval()
    amp_dtype = torch.float16 if dev.type == "cuda" else torch.bfloat16
    results = []
    for i in range(0, len(files), batch_size):
        chunk = files[i:i + batch_size]
        xs = []
        for f in chunk:
            try:
                with Image.open(f) as im:
                    xs.append(tf(im.convert("RGB")))
            except (UnidentifiedImageError, OSError) as exc:
                raise ValueError(f"cannot read image {f}: {exc}") from None
        x = torch.stack(xs).to(dev)
        if x.shape[-2:] != (s, s):
            x = F.interpolate(x, size=(s, s), mode="bilinear", align_corners=False)
        with torch.inference_mode(), torch.autocast(dev.type, dtype=amp_dtype, enabled=fp16):
            prob = model(x).float().softmax(dim=1)
        p, idx = prob.topk(min(topk, prob.shape[1]), dim=1)
        for f, pr, ix in zip(chunk, p.tolist(), idx.tolist()):
            top = [{"index": j, "label": names[j] if j < len(names) else str(j), "prob": q} for j, q in zip(ix, pr)]
            results.append({"file": str(f), "top": top})
    return results
