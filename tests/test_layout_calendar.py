"""The calendrier sheet: phases by date, statuses on a fixed day, the next phase, the chapter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from capsync.campaign.validation import load_campaign
from capsync.layout.calendar import (
    TABLE_HEADER_ROW,
    calendar_spec,
    chapter_in_progress,
    next_phase,
    regroupement_dates,
)
from capsync.render.xlsx import render_xlsx
from capsync.workbook.spec import Style
from tests import layout_campaign as lc

ROOT = Path(__file__).resolve().parents[1]


def _table(today: dt.date) -> list[list]:
    return calendar_spec(lc.collective(), today).sheet("Calendrier").rows[TABLE_HEADER_ROW + 1 :]


def test_phases_are_listed_by_date_with_french_labels():
    rows = _table(dt.date(2025, 4, 10))
    assert rows == [
        [dt.date(2025, 1, 10), "", "Webinaire d'information", "Visio", "", "", "passé", ""],
        [
            dt.date(2025, 2, 4),
            "",
            "Journée de lancement",
            "En présentiel",
            "Bordeaux",
            "Journée de cadrage",
            "passé",
            "",
        ],
        [
            dt.date(2025, 3, 4),
            "10:00",
            "Visio lecture / inter-session auto-évaluation — chapitre 1",
            "Visio",
            "",
            "",
            "passé",
            "",
        ],
        [
            dt.date(2025, 4, 10),
            "",
            "Regroupement collectif — chapitre 1",
            "En présentiel",
            "Poitiers",
            "",
            "aujourd'hui",
            "",
        ],
        [
            dt.date(2025, 5, 6),
            "15:30",
            "Visio lecture / inter-session auto-évaluation — chapitre 2",
            "Visio",
            "",
            "",
            "à venir",
            "",
        ],
        [
            dt.date(2025, 6, 20),
            "",
            "Regroupement collectif — chapitre 2",
            "En présentiel",
            "",
            "",
            "à venir",
            "",
        ],
        [
            "juillet 2025",  # date à confirmer: its month, no invented day
            "",
            "Clôture, évaluation finale et labellisation",
            "",
            "",
            "Juillet 2025, date exacte à confirmer",
            "à venir",
            "à confirmer",
        ],
        # no restitution dated: each plan review 6 months after the last regroupement,
        # Saturday 20/12/2025, held on the Monday after
        *(
            [dt.date(2025, 12, 22), "", f"Revue du plan de progrès — {name}", "", "", "",
             "à venir", ""]
            for name in ("Alpha Insertion", "@Bêta Services", "Gamma Emploi", "Delta Solidaire")
        ),
    ]  # fmt: skip


def test_header_and_sheet_settings():
    spec = calendar_spec(lc.collective(), dt.date(2025, 4, 10))
    sheet = spec.sheet("Calendrier")
    assert sheet.rows[TABLE_HEADER_ROW] == [
        "Date",
        "Heure",
        "Phase",
        "Modalité",
        "Lieu",
        "Notes",
        "Statut",
        "Date à confirmer",
    ]
    assert sheet.protected
    assert sheet.freeze_rows == TABLE_HEADER_ROW + 1
    assert sheet.style_at(TABLE_HEADER_ROW + 1, 0) == Style.DATE
    assert sheet.style_at(TABLE_HEADER_ROW + 7, 7) == Style.WARNING  # « à confirmer »
    assert spec.metadata["kind"] == "calendrier"
    assert spec.metadata["collective"] == "test-collectif"


@pytest.mark.parametrize(
    ("today", "next_text", "days", "chapter"),
    [
        (
            dt.date(2025, 3, 1),
            "Visio lecture / inter-session auto-évaluation — chapitre 1 — 04/03/2025",
            "dans 3 jours",
            "aucun",
        ),
        (
            dt.date(2025, 4, 9),
            "Regroupement collectif — chapitre 1 — 10/04/2025",
            "demain",
            "chapitre 1",
        ),
        (
            dt.date(2025, 4, 10),
            "Regroupement collectif — chapitre 1 — 10/04/2025",
            "aujourd'hui",
            "chapitre 1",
        ),
        (
            dt.date(2025, 4, 11),
            "Visio lecture / inter-session auto-évaluation — chapitre 2 — 06/05/2025",
            "dans 25 jours",
            "aucun",
        ),
        (
            dt.date(2025, 6, 1),
            "Regroupement collectif — chapitre 2 — 20/06/2025",
            "dans 19 jours",
            "chapitre 2",
        ),
        (
            dt.date(2025, 6, 25),
            "Clôture, évaluation finale et labellisation — juillet 2025 (à confirmer)",
            "dans 6 jours",
            "aucun",
        ),
        # after the clôture, the plan reviews are still to come: not « terminé » yet
        (
            dt.date(2025, 8, 1),
            "Revue du plan de progrès — 4 structures — 22/12/2025",
            "dans 143 jours",
            "aucun",
        ),
        (dt.date(2025, 12, 23), "aucune (le calendrier est terminé)", "—", "aucun"),
    ],
)
def test_summary_above_the_table(today, next_text, days, chapter):
    rows = calendar_spec(lc.collective(), today).sheet("Calendrier").rows
    assert rows[0] == [
        "Calendrier — Collectif de test",
        None,
        None,
        None,
        None,
        None,
        f"au {today:%d/%m/%Y}",
    ]
    assert rows[1] == ["Prochaine étape", None, next_text]
    assert rows[2] == ["Jours restants", None, days]
    assert rows[3] == ["Chapitre en cours", None, chapter]


def test_helpers_agree_with_the_sheet():
    collective = lc.collective()
    assert regroupement_dates(collective) == {"1": dt.date(2025, 4, 10), "2": dt.date(2025, 6, 20)}
    assert chapter_in_progress(collective, dt.date(2025, 3, 4)) == "1"
    assert chapter_in_progress(collective, dt.date(2025, 3, 3)) is None
    assert next_phase(collective, dt.date(2025, 8, 1)) is None


def test_rendered_calendar_reads_back(tmp_path: Path):
    path = tmp_path / "calendrier.xlsx"
    render_xlsx(calendar_spec(lc.collective(), dt.date(2025, 4, 10)), path)
    sheet = openpyxl.load_workbook(path)["Calendrier"]
    first = TABLE_HEADER_ROW + 2  # 1-based
    assert sheet.cell(row=first, column=1).value == dt.datetime(2025, 1, 10)
    assert sheet.cell(row=first, column=1).number_format == "dd/mm/yyyy"
    assert sheet.cell(row=first + 3, column=7).value == "aujourd'hui"
    assert sheet.cell(row=first + 2, column=2).data_type == "s"  # « 10:00 » stays text
    assert sheet.protection.sheet


@pytest.mark.parametrize("collective_id", ["nouvelle-aquitaine", "occitanie"])
def test_example_calendars(collective_id):
    campaign = load_campaign(ROOT / "config" / "capsync.yaml")
    collective = campaign.config.collective(collective_id)
    rows = calendar_spec(collective, dt.date(2025, 10, 1)).sheet("Calendrier").rows
    table = rows[TABLE_HEADER_ROW + 1 :]
    reviews = [r for r in table if r[2].startswith("Revue du plan")]
    assert len(table) == len(collective.calendar) + len(reviews)
    assert len(reviews) == len(collective.structures)  # each structure's milestone
    days = [r[0] for r in table if isinstance(r[0], dt.date)]  # a tentative one: its month
    assert days == sorted(days)
    months = [r[0] for r in table if r[7] == "à confirmer"]
    assert len(months) == len([p for p in collective.calendar if p.tentative])
    assert all(isinstance(m, str) and m.endswith(str(p.date.year)) for m, p in zip(
        months, [p for p in collective.phases() if p.tentative], strict=True))  # fmt: skip


def test_a_collectif_without_calendar_says_so():
    spec = calendar_spec(lc.collective().model_copy(update={"calendar": []}), dt.date(2026, 1, 5))
    rows = spec.sheets[0].rows
    assert ["Prochaine étape", None, "aucune (calendrier non renseigné)"] in rows


def test_the_plan_review_is_dated_from_the_restitution_and_can_be_set():
    base = lc.collective()
    alpha, beta, *others = base.structures
    alpha = alpha.model_copy(update={"restitution_date": dt.date(2025, 8, 31)})
    beta = beta.model_copy(update={"plan_review_date": dt.date(2026, 2, 2)})
    collective = base.model_copy(update={"structures": [alpha, beta, *others]})
    rows = calendar_spec(collective, dt.date(2025, 4, 10), 6).sheet("Calendrier").rows
    reviews = {r[2]: r[0] for r in rows[TABLE_HEADER_ROW + 1 :] if r[2].startswith("Revue")}
    # 28/02/2026 and 20/12/2025 are Saturdays: the reviews are held the Monday after
    assert reviews["Revue du plan de progrès — Alpha Insertion"] == dt.date(2026, 3, 2)
    assert reviews["Revue du plan de progrès — @Bêta Services"] == dt.date(2026, 2, 2)
    assert reviews["Revue du plan de progrès — Gamma Emploi"] == dt.date(2025, 12, 22)
    eight = calendar_spec(collective, dt.date(2025, 4, 10), 8).sheet("Calendrier").rows
    assert dt.date(2026, 2, 20) in [r[0] for r in eight if len(r) > 2 and "Gamma" in str(r[2])]


def test_a_single_plan_review_to_come_is_named_by_its_structure():
    coll = lc.collective()
    alone = coll.model_copy(update={"structures": coll.structures[:1]})
    rows = calendar_spec(alone, dt.date(2025, 12, 19)).sheet("Calendrier").rows
    name = coll.structures[0].name
    assert rows[1] == ["Prochaine étape", None, f"Revue du plan de progrès — {name} — 22/12/2025"]
    assert rows[2] == ["Jours restants", None, "dans 3 jours"]
