"""zennas: zero-shot neural architecture search (Zen-NAS lineage).

Data flows one way: structure string -> blocks (:mod:`zennas.structure`, registry in ``PlainNet``)
-> analytic costs (:mod:`zennas.costs`) -> budgets -> proxy score (``ZeroShotProxy``) -> population.
"""

__version__ = "0.1.0"
