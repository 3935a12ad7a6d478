"""GENet -- GPU-Efficient Networks (Lin, Chen, Sun, Qian, Li, Jin, arXiv 2006.14090; seed 000).

Structure strings: the published files ``GENet/GENet_large.txt``, ``GENet/GENet_normal.txt`` and
``GENet/GENet_small.txt`` of idstcv/GPU-Efficient-Networks (commit 422bc469), copied verbatim (GENet
dialect, uuid block labels included; parse with :func:`zennas.genet.parse_genet`).  Top-1 / resolution:
the repository README table (GENet-large 81.3% @256, GENet-normal 80.0% @192, GENet-light 75.7% @192;
the light model's file and function are called "small"); seed 000's Paddle reproduction of GENet-large
reaches 81.379%.  The README publishes no params/FLOPs; the figures checked by tests/test_genet.py are
ZEN-formula values (params 31,025,985 / 21,108,545 / 8,155,485; FLOPs 4,565,037,056 / 2,211,925,504 /
549,171,840; layers 20 / 16 / 16) and PyTorch numel (31,078,280 / 21,142,920 / 8,173,761), recorded in
the project's shared zoo reference table.

Names: ``genet_gpu_large``, ``genet_gpu_normal``, ``genet_gpu_light``; aliases ``GENet_large``,
``GENet_normal``, ``GENet_small`` (the reference names) and ``genet_gpu_small``.
"""

from zennas.zoo import ZOO, ZooEntry, register_zoo_entry

_SRC = "idstcv/GPU-Efficient-Networks GENet/{file} @422bc469 (README table; seed 000)"

GENET_LARGE = "ConvKX(uuid9d1dca0f098143aaa1a947acf1100787|3,32,3,2)BN(uuid7d10ba10dc524ffb8863ae97c4a21797|32)RELU(uuidccd810d3d10a48158ccfa48ca975915c|32)SuperResKXKX(uuid5ba1db21fce64b16a34ad577c258fd6c|32,128,3,2,1.0,1)SuperResKXKX(uuida09fc4e4946444bf9b912f8c666c4b12|128,192,3,2,1.0,2)SuperResK1KXK1(uuidfa45c5f5cc96435dbd54801f31c83ca8|192,640,3,2,0.25,6)SuperResK1DWK1(uuid99bf6442b33643579dc680045da7549d|640,640,3,2,3.0,5)SuperResK1DWK1(uuid615cbfd4ed284cbc8589d84cbe9b0e92|640,640,3,1,3.0,4)ConvKX(uuid002fa25f74f14cdeb89a5aacd6ce64ff|640,2560,1,1)BN(uuidc5d6c88c326343efa2a8700907f87732|2560)RELU(uuidd2b39caab4cb4ac2b6905b18858c0037|2560)AdaptiveAvgPool(2560,1)"
GENET_NORMAL = "ConvKX(uuid70de938099844017bd745349f7a1d35a|3,32,3,2)BN(uuid10f8a99f83294067bfdf5fc5a5c9bffd|32)RELU(uuideffe03bd73254e7c8027364ba71d25cd|32)SuperResKXKX(uuidb023bea8c7b34c22a1650e07dfc8e2c1|32,128,3,2,1.0,1)SuperResKXKX(uuidf829740023044b879eefaf7fc7d1ad8e|128,192,3,2,1.0,2)SuperResK1KXK1(uuid33bfe77cb8864357a840ca3341ea629a|192,640,3,2,0.25,6)SuperResK1DWK1(uuide2c948d819fb4869980e30d67a773244|640,640,3,2,3.0,4)SuperResK1DWK1(uuid53c308e481c24154b7a81fcbaf99edbf|640,640,3,1,3.0,1)ConvKX(uuidbc6953bfd8de45fc8534787a66b96430|640,2560,1,1)BN(uuida8acaaae74ed47a4a7514b41c643eb23|2560)RELU(uuida5d71c4fd5d24a7b848472f0383df467|2560)AdaptiveAvgPool(2560,1)"
GENET_SMALL = "ConvKX(uuid46ff2328b77f40ff88aed69a5318d771|3,13,3,2)BN(uuid43b72f65311c42d9a1af485c594a6ab4|13)RELU(uuid282901aaa7f84b028e3c5bd7d37ae056|13)SuperResKXKX(uuiddb56d6f9a60b4455966e13b06a8ff723|13,48,3,2,1.0,1)SuperResKXKX(uuidd964406e6fdf4e9abac225afaeb1fe0b|48,48,3,2,1.0,3)SuperResK1KXK1(uuid39819ad4f4da405583de614af437b568|48,384,3,2,0.25,7)SuperResK1DWK1(uuid420593fe7b1e46f690b76bac3786d4b7|384,560,3,2,3.0,2)SuperResK1DWK1(uuid96236b3c50774f1ab2d3049d6aca6d85|560,256,3,1,3.0,1)ConvKX(uuid89ed263767a14f21b7426cccb120ad1d|256,1920,1,1)BN(uuidd6ad568b290544be9f4b47dc3fa271c9|1920)RELU(uuid823ced7441394fb9b3a96a5f7c40da2b|1920)AdaptiveAvgPool(1920,1)"


def build_genet(entry: ZooEntry, **kw):
    """Zoo builder: a GENetNet (GENet blocks + GAP + biased FC, BN eps 1e-5) for ``entry``."""
    from zennas.genet import build_genet_network

    return build_genet_network(entry.structure, entry.num_classes, **kw)


def _entry(name, structure, res, top1, file, aliases):
    e = register_zoo_entry(ZooEntry(
        name=name, structure=structure, resolution=res, num_classes=1000, family="GENet", dialect="genet",
        source=_SRC.format(file=file), top1=top1, crop=res,
        options={"builder": build_genet, "aliases": tuple(aliases)},
    ))
    for a in aliases:
        ZOO.register(a, e, module=__name__)
    return e


_entry("genet_gpu_large", GENET_LARGE, 256, 81.3, "GENet_large.txt", ["GENet_large"])
_entry("genet_gpu_normal", GENET_NORMAL, 192, 80.0, "GENet_normal.txt", ["GENet_normal"])
_entry("genet_gpu_light", GENET_SMALL, 192, 75.7, "GENet_small.txt", ["GENet_small", "genet_gpu_small"])
