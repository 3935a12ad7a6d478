"""Class names of the published datasets, available offline.

CIFAR-10/100: the ``label_names`` / ``fine_label_names`` of the datasets' meta files (Krizhevsky 2009;
CIFAR-100's are alphabetical).  ImageNet-1k: the category list that ships inside torchvision (the
``meta["categories"]`` of its ImageNet weight enums; nothing is downloaded).
"""

from __future__ import annotations

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
CIFAR100_CLASSES = tuple("""
apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle
caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant
flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree
motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate
poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider
squirrel streetcar sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle
wardrobe whale willow_tree wolf woman worm""".split())


def imagenet_classes() -> list[str]:
    """The 1,000 ImageNet-1k category names in class-index order (from torchvision, offline)."""
    from torchvision.models import ResNet18_Weights

    return list(ResNet18_Weights.IMAGENET1K_V1.meta["categories"])


def default_class_names(num_classes: int, dataset: str | None = None) -> list[str]:
    """Names for a network with ``num_classes`` outputs: CIFAR-10/100 or ImageNet when the class count
    (or ``dataset``) says so, else ``[]`` (callers then print indices)."""
    ds = (dataset or "").lower()
    if num_classes == 10 and ds in ("", "cifar10"):
        return list(CIFAR10_CLASSES)
    if num_classes == 100 and ds in ("", "cifar100"):
        return list(CIFAR100_CLASSES)
    if num_classes == 1000 and ds in ("", "imagenet"):
        return imagenet_classes()
    return []
