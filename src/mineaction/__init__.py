"""mineaction: information management and decision support for humanitarian mine action.

Layers import one way only (docs/architecture.md)::

    domain  <-  store / io / simulate  <-  analysis / risk / plan  <-  report  <-  cli
"""

from mineaction.errors import MineActionError

__all__ = ["MineActionError", "__version__"]

__version__ = "0.1.0"
