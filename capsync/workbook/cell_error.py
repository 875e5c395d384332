"""A cell whose formula shows an error (#DIV/0!, #NOM?), as read back from a workbook.

Spreadsheet readers give such a cell as empty, so what a person typed would
vanish: an Excel user typing « - pas de document » gets a formula and « #NOM? ».
The readers put a :class:`CellError` there instead, so the parser reports it
(an anomaly naming the cell) and an upgrade archives what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CellError:
    """The error a cell shows and the formula that produced it ("" when unknown)."""

    shown: str  # « #DIV/0! », « #NAME? »
    formula: str = ""  # « =- pas de document », as typed

    def __str__(self) -> str:
        return self.formula or self.shown

    @property
    def typed(self) -> str:
        """What the person typed, as text: the formula with its « = », else the error."""
        return self.formula or self.shown
