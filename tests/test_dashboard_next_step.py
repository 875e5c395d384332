"""« Avancement »: a late structure's date gone by is its « Échéance », never called
« prochaine »; the collectif's real next step (the calendar's next phase) is said under the
title. Read from the written xlsx, as a délégué·e sees it."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from capsync.french import typeset, typography_faults
from capsync.layout.dashboard import dashboard_spec
from capsync.render.xlsx import render_xlsx_bytes
from tests import layout_campaign as lc


def _progress(today: dt.date) -> openpyxl.worksheet.worksheet.Worksheet:
    data = render_xlsx_bytes(dashboard_spec(lc.inputs(today)))
    return openpyxl.load_workbook(io.BytesIO(data))["Avancement"]


def test_a_late_structure_keeps_its_overdue_date_under_a_header_that_does_not_say_next():
    sheet = _progress(dt.date(2025, 5, 10))  # chapter 1 was due on 10/04
    headers = [sheet.cell(row=3, column=c).value for c in range(1, 6)]
    assert headers == ["Structure", "Étape", "Échéance", "Jours restants", "Jours de retard"]
    beta = next(r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] == "@Bêta Services")
    assert beta[1:5] == ("Chapitre 1", dt.datetime(2025, 4, 10), None, 30)
    assert not any("Prochaine échéance" in str(c) for r in sheet.iter_rows(values_only=True)
                   for c in r if c)  # fmt: skip


def test_the_note_says_the_collectif_s_next_calendar_step_and_its_date():
    note = _progress(dt.date(2025, 5, 10))["A2"].value
    assert note.startswith(
        typeset(
            "Au 10/05/2025. Prochaine étape du collectif : Regroupement collectif — chapitre 2, "
            "le 20/06/2025 (dans 41 jours)."
        )
    )
    assert typography_faults(note) == []


def test_the_next_step_says_when_its_date_is_to_be_confirmed_or_when_the_calendar_is_over():
    note = _progress(dt.date(2025, 6, 25))["A2"].value
    assert (
        typeset(
            "Prochaine étape du collectif : Clôture, évaluation finale et labellisation, "
            "le 01/07/2025 (dans 6 jours, à confirmer)."
        )
        in note
    )
    over = _progress(dt.date(2025, 7, 2))["A2"].value
    assert typeset("Prochaine étape du collectif : aucune (calendrier terminé).") in over
