"""``val.py``: top-1/top-5 of a zoo network or structure on an ImageFolder validation set.

Pre-processing as the original: resize to ceil(crop / 0.875) (bicubic), center-crop ``--crop``
(default: the zoo entry's crop, else the model resolution), normalise with ImageNet mean/std, then a
bilinear resize to the model resolution on the device.  Fails loudly (users reported a silent 0 %)
when the number of class folders does not match the model's classes.  ``--fp16`` runs under
``torch.autocast`` (float16 on CUDA, bfloat16 on CPU); the legacy ``--apex`` flag maps to the same.
Weights come from ``--pretrained PATH`` (a state dict; checked against ``--sha256`` if given).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from pathlib import Path

from zennas.cli.common import add_model_args, nets_from_args, setup_logging

logger = logging.getLogger("val")
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def build_loader(data: str, crop: int, batch_size: int, workers: int):
    import torch
    from torchvision import datasets, transforms

    root = Path(data)
    val_dir = root / "val" if (root / "val").is_dir() else root
    tf = transforms.Compose([
        transforms.Resize(math.ceil(crop / 0.875), interpolation=transforms.InterpolationMode.BICUBIC),
        transforms.CenterCrop(crop), transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    ds = datasets.ImageFolder(str(val_dir), transform=tf)
    return ds, torch.utils.data.DataLoader(ds, batch_size=batch_size, shuffle=False, num_workers=workers)


def evaluate(model, loader, *, resolution: int, device: str, fp16: bool) -> dict:
    import torch
    import torch.nn.functional as F

    dev = torch.device(device)
    model = model.to(dev).eval()
    n = top1 = top5 = 0
    amp_dtype = torch.float16 if dev.type == "cuda" else torch.bfloat16
    with torch.inference_mode(), torch.autocast(dev.type, dtype=amp_dtype, enabled=fp16):
        for i, (x, y) in enumerate(loader):
            x, y = x.to(dev), y.to(dev)
            if x.shape[-1] != resolution:
                x = F.interpolate(x, size=(resolution, resolution), mode="bilinear", align_corners=False)
            logits = model(x).float()
            k = min(5, logits.shape[1])
            pred = logits.topk(k, dim=1).indices
            top1 += (pred[:, 0] == y).sum().item()
            top5 += (pred == y[:, None]).any(dim=1).sum().item()
            n += y.numel()
            if (i + 1) % 100 == 0:
                logger.info("%d images: top-1 %.3f%% top-5 %.3f%%", n, 100 * top1 / n, 100 * top5 / n)
    return {"images": n, "top1": 100.0 * top1 / max(1, n), "top5": 100.0 * top5 / max(1, n)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="val.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_args(p)
    p.add_argument("--data", default=str(Path("~/data/imagenet").expanduser()),
                   help="ImageFolder root (class sub-folders), or a folder holding val/")
    p.add_argument("--crop", type=int, default=None, help="center-crop size before resizing to the model resolution")
    p.add_argument("--batch_size", type=int, default=128)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--device", default="cpu")
    p.add_argument("--gpu", type=int, default=None, help="legacy: same as --device cuda:N")
    p.add_argument("--fp16", action="store_true", help="mixed precision (autocast)")
    p.add_argument("--apex", action="store_true", help="legacy flag: NVIDIA apex is replaced by torch.amp autocast")
    p.add_argument("--pretrained", default=None, help="state-dict file (or URL) with the trained weights")
    p.add_argument("--sha256", default=None, help="expected SHA-256 of --pretrained")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    setup_logging()
    (net,) = nets_from_args(args)[:1]
    from zennas.zoo import get_zoo_entry, load_pretrained

    model = net.build()
    crop = args.crop or (get_zoo_entry(net.zoo_name).crop if net.zoo_name else None) or net.resolution
    if args.pretrained:
        load_pretrained(model, args.pretrained, sha256=args.sha256)
    else:
        logger.warning("no --pretrained weights given: evaluating a randomly initialised network")
    ds, loader = build_loader(args.data, crop, args.batch_size, args.workers)
    if len(ds.classes) != net.num_classes:
        raise SystemExit(f"error: {args.data} has {len(ds.classes)} class folders but the model has "
                         f"{net.num_classes} classes; class indices would not line up (sorted folder names "
                         f"are class 0..N-1)")
    device = f"cuda:{args.gpu}" if args.gpu is not None else args.device
    r = evaluate(model, loader, resolution=net.resolution, device=device, fp16=args.fp16 or args.apex)
    r.update({"arch": net.name, "crop": crop, "resolution": net.resolution})
    if args.json:
        print(json.dumps(r))
    else:
        print(f"{net.name}: top-1 {r['top1']:.3f}%  top-5 {r['top5']:.3f}%  on {r['images']} images")
    return 0


if __name__ == "__main__":
    sys.exit(main())
