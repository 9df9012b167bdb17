"""The read models the engine keeps, one module each under ``projections/read_models``."""

from __future__ import annotations

from projections.engine import ReadModel
from projections.read_models.countersigns import Countersigns
from projections.read_models.documents import DocumentsList

MODELS: tuple[ReadModel, ...] = (DocumentsList(), Countersigns())
