"""R12's runner process: ``python -m projections`` with one read model more, one that raises
on every document drafted (``tests.projections.test_engine.Exploding``)."""

from __future__ import annotations

import sys

from projections import bootstrap
from projections.__main__ import main
from tests.projections.test_engine import Exploding

if __name__ == "__main__":
    bootstrap.MODELS = (*bootstrap.MODELS, Exploding())
    sys.exit(main([]))
