"""What ``generate`` did with each grid or personal file (plain data, shared by its parts)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from capsync.parse.carry import UpgradeReport
from capsync.workbook.refs import WorkbookRef


class GridOutcome(StrEnum):
    """What ``generate`` did with one grid."""

    CREATED = "created"
    EXISTING = "existing"
    UPGRADED = "upgraded"
    UP_TO_DATE = "up_to_date"
    LOCKED = "locked"
    FAILED = "failed"


@dataclass
class GridResult:
    ref: WorkbookRef
    status: GridOutcome
    message: str = ""
    report: UpgradeReport | None = None
