"""The sync's group step: each GES's consolidated view, kept live beside its restitutions.

A GES that lists ``members`` receives « vue-groupe.xlsx » and a one-page « vue-groupe.pdf »
in its own structure folder (``<data>/<collectif>/structures/<ges>/``; on Drive its folder
« Structures/<nom> [<id>] », read by its contacts and, through the collectif's folder, by
the collectif's délégué·e·s). Like the dashboard it is a live view, not the document of an
event: the sync lays it out from the scores it has just computed for the collectif (no
extra read of the store), and writes it only when its content moved — so a member's
changed answers rewrite the view of that member's group, and no other file.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol

from capsync.layout.dashboard import DashboardInputs
from capsync.layout.group_page import group_page
from capsync.layout.group_view import group_view_ref, group_view_spec, groups
from capsync.store.sync_state import content_hash
from capsync.workbook.refs import WorkbookRef
from capsync.workbook.spec import WorkbookSpec


class SpecWriter(Protocol):
    """What the sync's writer offers (:class:`capsync.jobs.cycle_writer.OutputWriter`):
    write unless the same content is already there."""

    def spec(self, ref: WorkbookRef, spec: WorkbookSpec) -> None: ...

    def file(
        self, ref: WorkbookRef, extension: str, content: Callable[[], bytes], digest: str
    ) -> None: ...


def write_group_views(writer: SpecWriter, inputs: DashboardInputs) -> list[WorkbookRef]:
    """Every GES of ``inputs.collective``: its workbook and its PDF page handed to
    ``writer`` (the PDF rendered only when its content moved); the refs, in order."""
    handed = []
    for group in groups(inputs.collective):
        # fpdf2 and fontTools take ≈ 0.3 s to import: only a collectif with a GES pays it.
        from capsync.render.group_view_pdf import group_view_pdf_bytes

        ref = group_view_ref(inputs.collective.id, group.id)
        writer.spec(ref, group_view_spec(inputs, group))
        page = group_page(inputs, group)
        writer.file(ref, "pdf", partial(group_view_pdf_bytes, page), content_hash(page))
        handed.append(ref)
    return handed
