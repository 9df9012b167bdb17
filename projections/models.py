"""The read models the engine keeps, one module each under ``projections/read_models``."""

from __future__ import annotations

from projections.engine import ReadModel
from projections.read_models.accountability import Accountability
from projections.read_models.countersigns import Countersigns
from projections.read_models.deadlines import Deadlines
from projections.read_models.decisions_board import DecisionsBoard
from projections.read_models.document_limits import DocumentLimits
from projections.read_models.documents import DocumentsList
from projections.read_models.leaves_board import LeavesBoard
from projections.read_models.meetings_board import MeetingsBoard
from projections.read_models.regulations_board import RegulationsBoard
from projections.read_models.summaries import Summaries
from projections.read_models.supervision_board import SupervisionBoard

MODELS: tuple[ReadModel, ...] = (
    DocumentsList(),
    Countersigns(),
    Summaries(),
    DecisionsBoard(),
    MeetingsBoard(),
    SupervisionBoard(),
    LeavesBoard(),
    RegulationsBoard(),
    Deadlines(),
    DocumentLimits(),
    Accountability(),
)
