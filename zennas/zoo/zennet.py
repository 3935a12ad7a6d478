"""ZenNet zoo (idstcv/ZenNAS).  Structure strings are the published ZenNet/*.txt files of
idstcv/ZenNAS (commit d1d617e0); top-1 and README params/FLOPs are the README/zoo-table figures
(ZENNAS_SPEC §7.1-7.2).  The README's params/FLOPs mix counting conventions (§7.1); the reproducible
figures are the ZEN-formula values, checked by tests/test_zoo_costs.py.  ``*_res224`` entries without
``_SE`` are the same structures without SE (the cost-golden rows of the reference table).
"""

from zennas.zoo import ZooEntry, register_zoo_entry

_SRC = "idstcv/ZenNAS ZenNet/{file} (README zoo table)"

register_zoo_entry(ZooEntry(
    name="zennet_cifar10_model_size05M_res32",
    structure="SuperConvK3BNRELU(3,64,1,1)SuperResK1K5K1(64,168,1,16,3)SuperResK1K3K1(168,80,2,32,4)SuperResK1K5K1(80,112,2,16,3)SuperResK1K5K1(112,144,1,24,3)SuperResK1K3K1(144,32,2,40,1)SuperConvK1BNRELU(32,512,1,1)",
    resolution=32, num_classes=10, family="ZenNet", use_se=False,
    source=_SRC.format(file="zennet_cifar_model_size05M_res32.txt"), top1=96.2, published_params=500000.0, published_flops=140000000.0, crop=32,
))

register_zoo_entry(ZooEntry(
    name="zennet_cifar10_model_size1M_res32",
    structure="SuperConvK3BNRELU(3,88,1,1)SuperResK1K7K1(88,120,1,16,1)SuperResK1K7K1(120,192,2,16,3)SuperResK1K5K1(192,224,1,24,4)SuperResK1K5K1(224,96,2,24,2)SuperResK1K3K1(96,168,2,40,3)SuperResK1K3K1(168,112,1,48,3)SuperConvK1BNRELU(112,512,1,1)",
    resolution=32, num_classes=10, family="ZenNet", use_se=False,
    source=_SRC.format(file="zennet_cifar_model_size1M_res32.txt"), top1=96.2, published_params=1000000.0, published_flops=162000000.0, crop=32,
))

register_zoo_entry(ZooEntry(
    name="zennet_cifar10_model_size2M_res32",
    structure="SuperConvK3BNRELU(3,32,1,1)SuperResK1K5K1(32,120,1,40,1)SuperResK1K5K1(120,176,2,32,3)SuperResK1K7K1(176,272,1,24,3)SuperResK1K3K1(272,176,1,56,3)SuperResK1K3K1(176,176,1,64,4)SuperResK1K5K1(176,216,2,40,2)SuperResK1K3K1(216,72,2,56,2)SuperConvK1BNRELU(72,512,1,1)",
    resolution=32, num_classes=10, family="ZenNet", use_se=False,
    source=_SRC.format(file="zennet_cifar_model_size2M_res32.txt"), top1=97.5, published_params=2000000.0, published_flops=487000000.0, crop=32,
))

register_zoo_entry(ZooEntry(
    name="zennet_cifar100_model_size05M_res32",
    structure="SuperConvK3BNRELU(3,64,1,1)SuperResK1K5K1(64,168,1,16,3)SuperResK1K3K1(168,80,2,32,4)SuperResK1K5K1(80,112,2,16,3)SuperResK1K5K1(112,144,1,24,3)SuperResK1K3K1(144,32,2,40,1)SuperConvK1BNRELU(32,512,1,1)",
    resolution=32, num_classes=100, family="ZenNet", use_se=False,
    source=_SRC.format(file="zennet_cifar_model_size05M_res32.txt"), top1=79.9, published_params=500000.0, published_flops=140000000.0, crop=32,
))

register_zoo_entry(ZooEntry(
    name="zennet_cifar100_model_size1M_res32",
    structure="SuperConvK3BNRELU(3,88,1,1)SuperResK1K7K1(88,120,1,16,1)SuperResK1K7K1(120,192,2,16,3)SuperResK1K5K1(192,224,1,24,4)SuperResK1K5K1(224,96,2,24,2)SuperResK1K3K1(96,168,2,40,3)SuperResK1K3K1(168,112,1,48,3)SuperConvK1BNRELU(112,512,1,1)",
    resolution=32, num_classes=100, family="ZenNet", use_se=False,
    source=_SRC.format(file="zennet_cifar_model_size1M_res32.txt"), top1=80.1, published_params=1000000.0, published_flops=162000000.0, crop=32,
))

register_zoo_entry(ZooEntry(
    name="zennet_cifar100_model_size2M_res32",
    structure="SuperConvK3BNRELU(3,32,1,1)SuperResK1K5K1(32,120,1,40,1)SuperResK1K5K1(120,176,2,32,3)SuperResK1K7K1(176,272,1,24,3)SuperResK1K3K1(272,176,1,56,3)SuperResK1K3K1(176,176,1,64,4)SuperResK1K5K1(176,216,2,40,2)SuperResK1K3K1(216,72,2,56,2)SuperConvK1BNRELU(72,512,1,1)",
    resolution=32, num_classes=100, family="ZenNet", use_se=False,
    source=_SRC.format(file="zennet_cifar_model_size2M_res32.txt"), top1=84.4, published_params=2000000.0, published_flops=487000000.0, crop=32,
))

register_zoo_entry(ZooEntry(
    name="zennet_imagenet1k_flops400M_SE_res224",
    structure="SuperConvK3BNRELU(3,16,2,1)SuperResIDWE1K7(16,40,2,40,1)SuperResIDWE1K7(40,64,2,64,1)SuperResIDWE4K7(64,96,2,96,5)SuperResIDWE2K7(96,224,2,224,5)SuperConvK1BNRELU(224,2048,1,1)",
    resolution=224, num_classes=1000, family="ZenNet", use_se=True,
    source=_SRC.format(file="zennet_imagenet1k_flops400M_res224.txt"), top1=78.0, published_params=5700000.0, published_flops=410000000.0, crop=320,
))

register_zoo_entry(ZooEntry(
    name="zennet_imagenet1k_flops400M_res224",
    structure="SuperConvK3BNRELU(3,16,2,1)SuperResIDWE1K7(16,40,2,40,1)SuperResIDWE1K7(40,64,2,64,1)SuperResIDWE4K7(64,96,2,96,5)SuperResIDWE2K7(96,224,2,224,5)SuperConvK1BNRELU(224,2048,1,1)",
    resolution=224, num_classes=1000, family="ZenNet", use_se=False,
    source=_SRC.format(file="zennet_imagenet1k_flops400M_res224.txt"), top1=None, published_params=None, published_flops=None, crop=320,
))

register_zoo_entry(ZooEntry(
    name="zennet_imagenet1k_flops600M_SE_res224",
    structure="SuperConvK3BNRELU(3,24,2,1)SuperResIDWE1K7(24,48,2,48,1)SuperResIDWE2K7(48,72,2,72,1)SuperResIDWE6K7(72,96,2,88,5)SuperResIDWE4K7(96,192,2,168,5)SuperConvK1BNRELU(192,2048,1,1)",
    resolution=224, num_classes=1000, family="ZenNet", use_se=True,
    source=_SRC.format(file="zennet_imagenet1k_flops600M_res224.txt"), top1=79.1, published_params=7100000.0, published_flops=611000000.0, crop=320,
))

register_zoo_entry(ZooEntry(
    name="zennet_imagenet1k_flops600M_res224",
    structure="SuperConvK3BNRELU(3,24,2,1)SuperResIDWE1K7(24,48,2,48,1)SuperResIDWE2K7(48,72,2,72,1)SuperResIDWE6K7(72,96,2,88,5)SuperResIDWE4K7(96,192,2,168,5)SuperConvK1BNRELU(192,2048,1,1)",
    resolution=224, num_classes=1000, family="ZenNet", use_se=False,
    source=_SRC.format(file="zennet_imagenet1k_flops600M_res224.txt"), top1=None, published_params=None, published_flops=None, crop=320,
))

register_zoo_entry(ZooEntry(
    name="zennet_imagenet1k_flops900M_SE_res224",
    structure="SuperConvK3BNRELU(3,16,2,1)SuperResIDWE1K7(16,48,2,72,1)SuperResIDWE2K7(48,72,2,64,3)SuperResIDWE2K7(72,152,2,144,3)SuperResIDWE2K7(152,360,2,352,4)SuperResIDWE4K7(360,288,1,264,3)SuperConvK1BNRELU(288,2048,1,1)",
    resolution=224, num_classes=1000, family="ZenNet", use_se=True,
    source=_SRC.format(file="zennet_imagenet1k_flops900M_res224.txt"), top1=80.8, published_params=19400000.0, published_flops=934000000.0, crop=320,
))

register_zoo_entry(ZooEntry(
    name="zennet_imagenet1k_flops900M_res224",
    structure="SuperConvK3BNRELU(3,16,2,1)SuperResIDWE1K7(16,48,2,72,1)SuperResIDWE2K7(48,72,2,64,3)SuperResIDWE2K7(72,152,2,144,3)SuperResIDWE2K7(152,360,2,352,4)SuperResIDWE4K7(360,288,1,264,3)SuperConvK1BNRELU(288,2048,1,1)",
    resolution=224, num_classes=1000, family="ZenNet", use_se=False,
    source=_SRC.format(file="zennet_imagenet1k_flops900M_res224.txt"), top1=None, published_params=None, published_flops=None, crop=320,
))

register_zoo_entry(ZooEntry(
    name="zennet_imagenet1k_latency01ms_res224",
    structure="SuperConvK3BNRELU(3,24,2,1)SuperResK3K3(24,32,2,64,1)SuperResK5K5(32,64,2,32,1)SuperResK5K5(64,168,2,96,1)SuperResK1K5K1(168,320,1,120,1)SuperResK1K5K1(320,640,2,304,3)SuperResK1K5K1(640,512,1,384,1)SuperConvK1BNRELU(512,2384,1,1)",
    resolution=224, num_classes=1000, family="ZenNet", use_se=False,
    source=_SRC.format(file="zennet_imagenet1k_latency01ms_res224.txt"), top1=77.8, published_params=30100000.0, published_flops=1700000000.0, crop=320,
))

register_zoo_entry(ZooEntry(
    name="zennet_imagenet1k_latency02ms_res224",
    structure="SuperConvK3BNRELU(3,24,2,1)SuperResK1K5K1(24,32,2,32,1)SuperResK1K7K1(32,104,2,64,1)SuperResK1K5K1(104,512,2,160,1)SuperResK1K5K1(512,344,1,192,1)SuperResK1K5K1(344,688,2,320,4)SuperResK1K5K1(688,680,1,304,3)SuperConvK1BNRELU(680,2552,1,1)",
    resolution=224, num_classes=1000, family="ZenNet", use_se=False,
    source=_SRC.format(file="zennet_imagenet1k_latency02ms_res224.txt"), top1=80.8, published_params=49700000.0, published_flops=3400000000.0, crop=320,
))

register_zoo_entry(ZooEntry(
    name="zennet_imagenet1k_latency03ms_res224",
    structure="SuperConvK3BNRELU(3,24,2,1)SuperResK1K5K1(24,64,2,32,1)SuperResK1K3K1(64,128,2,128,1)SuperResK1K7K1(128,432,2,128,1)SuperResK1K5K1(432,272,1,160,1)SuperResK1K5K1(272,848,2,384,4)SuperResK1K5K1(848,848,1,320,3)SuperResK1K5K1(848,456,1,320,3)SuperConvK1BNRELU(456,6704,1,1)",
    resolution=224, num_classes=1000, family="ZenNet", use_se=False,
    source=_SRC.format(file="zennet_imagenet1k_latency03ms_res224.txt"), top1=81.5, published_params=85400000.0, published_flops=4800000000.0, crop=320,
))

register_zoo_entry(ZooEntry(
    name="zennet_imagenet1k_latency05ms_res224",
    structure="SuperConvK3BNRELU(3,8,2,1)SuperResK1K7K1(8,64,2,32,1)SuperResK1K3K1(64,152,2,128,1)SuperResK1K5K1(152,640,2,192,4)SuperResK1K5K1(640,640,1,192,2)SuperResK1K5K1(640,1536,2,384,4)SuperResK1K5K1(1536,816,1,384,3)SuperResK1K5K1(816,816,1,384,3)SuperConvK1BNRELU(816,5304,1,1)",
    resolution=224, num_classes=1000, family="ZenNet", use_se=False,
    source=_SRC.format(file="zennet_imagenet1k_latency05ms_res224.txt"), top1=82.7, published_params=118000000.0, published_flops=8300000000.0, crop=320,
))

register_zoo_entry(ZooEntry(
    name="zennet_imagenet1k_latency08ms_res224",
    structure="SuperConvK3BNRELU(3,16,2,1)SuperResK1K5K1(16,64,2,64,1)SuperResK1K3K1(64,240,2,128,2)SuperResK1K7K1(240,640,2,160,3)SuperResK1K7K1(640,768,1,192,4)SuperResK1K5K1(768,1536,2,384,5)SuperResK1K5K1(1536,1536,1,384,3)SuperResK1K5K1(1536,2304,1,384,5)SuperConvK1BNRELU(2304,4912,1,1)",
    resolution=224, num_classes=1000, family="ZenNet", use_se=False,
    source=_SRC.format(file="zennet_imagenet1k_latency08ms_res224.txt"), top1=83.0, published_params=183000000.0, published_flops=13900000000.0, crop=320,
))

register_zoo_entry(ZooEntry(
    name="zennet_imagenet1k_latency12ms_res224",
    structure="SuperConvK3BNRELU(3,32,2,1)SuperResK1K5K1(32,80,2,32,1)SuperResK1K7K1(80,432,2,128,5)SuperResK1K7K1(432,640,2,192,3)SuperResK1K7K1(640,1008,1,160,5)SuperResK1K7K1(1008,976,1,160,4)SuperResK1K5K1(976,2304,2,384,5)SuperResK1K5K1(2304,2496,1,384,5)SuperConvK1BNRELU(2496,3072,1,1)",
    resolution=224, num_classes=1000, family="ZenNet", use_se=False,
    source=_SRC.format(file="zennet_imagenet1k_latency12ms_res224.txt"), top1=83.6, published_params=180000000.0, published_flops=22000000000.0, crop=380,
))
