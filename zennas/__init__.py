"""zennas: zero-shot neural architecture search (Zen-NAS lineage).

Data flows one way: structure string -> blocks (:mod:`zennas.structure`, registry :mod:`zennas.blocks`)
-> analytic costs (:mod:`zennas.costs`) -> budgets -> proxy score (:mod:`zennas.proxies`) -> population
(:mod:`zennas.search`).  Imports point the same way: cli -> search -> spaces/proxies -> masternet/costs
-> structure -> blocks -> block/registry.  The repository's ``PlainNet/``, ``SearchSpace/`` and
``ZeroShotProxy/`` folders are thin doors into this package and drop-in folders for user files
(:mod:`zennas.plugins`); this package never imports them.
"""

__version__ = "0.1.0"
