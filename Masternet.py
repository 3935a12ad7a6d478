"""Legacy entry point: ``from Masternet import MasterNet, build_model`` (ZEN's module name).

The implementation lives in :mod:`zennas.masternet`; nothing here reads ``sys.argv``.
"""

from zennas.masternet import MasterNet, build_model

__all__ = ["MasterNet", "build_model"]
