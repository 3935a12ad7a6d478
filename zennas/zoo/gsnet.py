"""An example GS-family network (zennas/blocks/gs.py, gs_super.py; ZENNAS_SPEC §9.5).

ZTE's GSmodel-L (seed 003: a VisDrone detector, 6.61M params) is not published as a structure, so this
entry is NOT a published model: it is a small hand-written CIFAR-sized example that exercises every GS
token (a GS stem, GS units with k = 3/5/7, a ZEN 1x1 head), useful as a starting structure for a GS
search and as a build/forward smoke test.  It carries no published figures.
"""

from zennas.zoo import ZooEntry, register_zoo_entry

register_zoo_entry(ZooEntry(
    name="gsnet_example_cifar10",
    structure="SuperGSConvK3(3,32,1,1)SuperResGSK3(32,64,2,32,1)SuperResGSK5(64,128,2,64,2)"
              "SuperResGSK7(128,256,2,64,1)SuperConvK1BNRELU(256,512,1,1)",
    resolution=32, num_classes=10, family="GSNet",
    source="example structure of this project (not a published model; seed 003's GSmodel-L is unpublished)",
))
