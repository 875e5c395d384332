"""Who took part, by role, and the « regards croisés » (issue 10, points 6 and 7).

A small collectif whose respondents have roles, answers typed as the store
keeps them, and the dashboard written to a real .xlsx read back with openpyxl:
the counts, the warnings and the ≥ 3 rule are what a délégué·e reads.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from capsync.campaign.config import Collective, Respondent, Settings, Structure
from capsync.layout.dashboard import DashboardInputs, dashboard_spec
from capsync.layout.participation import PARTICIPATION_SHEET
from capsync.layout.restitution import build_restitution
from capsync.layout.role_views import HIDDEN, NO_ANSWER, REGARDS_SHEET, restitution_regards
from capsync.render.restitution_pdf import restitution_pdf_bytes
from capsync.render.xlsx import render_xlsx_bytes
from capsync.scoring import scores as scoring
from capsync.scoring.participation import ParticipationFlag, participation, role_means
from capsync.workbook.grid_schema import respondent_columns

from .layout_campaign import referentiel

WHEN = pd.Timestamp("2025-03-30 09:00")
TODAY = dt.date(2025, 4, 1)


def _people(*roles: str, prefix: str) -> list[Respondent]:
    return [Respondent(name=f"{prefix} {i} {role}", role=role) for i, role in enumerate(roles, 1)]


def collective() -> Collective:
    """« une »: 3 permanent·e·s, 1 direction, 1 salarié·e en parcours, 1 administrateur·rice;
    « deux »: 2 permanent·e·s, 1 direction; « trois »: nobody configured (anonymous columns)."""
    une = _people(
        "direction", "permanent", "permanent", "permanent", "salarie_parcours", "administrateur",
        prefix="Une",
    )  # fmt: skip
    deux = _people("direction", "permanent", "permanent", prefix="Deux")
    return Collective(
        id="c",
        name="Collectif de test",
        region="Occitanie",
        structures=[
            Structure(id="une", name="Structure Une", type="ACI", respondents=une),
            Structure(id="deux", name="Structure Deux", type="ACI", respondents=deux),
            Structure(id="trois", name="Structure Trois", type="ACI"),
        ],
    )


def answer(structure: str, criterion: str, column: str, level: float | None, kind: str = "level"):
    return {"collective": "c", "structure": structure, "criterion": criterion, "column": column,
            "kind": kind, "level": level, "recorded_at": WHEN}  # fmt: skip


def key(structure: Structure, i: int) -> str:
    return respondent_columns(structure)[i].key


def answers(coll: Collective) -> pd.DataFrame:
    une, deux = coll.structure("une"), coll.structure("deux")
    rows = [
        # chapter 1 of « une »: everyone but the administrateur·rice; the salarié·e says NSP
        answer("une", "1.1.1", key(une, 0), 3),
        answer("une", "1.1.1", key(une, 1), 2),
        answer("une", "1.1.2", key(une, 1), 4),  # permanent 1: mean (2 + 4) / 2 = 3
        answer("une", "1.1.1", key(une, 2), 1),
        answer("une", "1.1.1", key(une, 3), 2),
        answer("une", "1.1.1", key(une, 4), None, kind="nsp"),
        answer("une", "1.1.1", "retenu", 2),
        # chapter 2 of « une »: the direction alone
        answer("une", "2.1.1", key(une, 0), 1),
        # chapter 1 of « deux »: its two permanent·e·s
        answer("deux", "1.1.1", key(deux, 1), 4),
        answer("deux", "1.2.1", key(deux, 2), 0),
        # « trois »: anonymous columns, roles unknown
        answer("trois", "1.1.1", "r:1", 2),
        answer("trois", "1.1.1", "r:2", 3),
        answer("trois", "1.1.1", "niveau_tiers", 1),  # a reviewer is not a respondent
    ]
    return pd.DataFrame(rows)


def test_participation_counts_by_role_and_flags_what_the_method_warns_about() -> None:
    coll = collective()
    frame = participation(coll, referentiel(), answers(coll)).set_index(["structure", "chapter"])
    une1 = frame.loc[("une", "1")]
    assert (une1["respondents"], une1["direction"], une1["permanent"]) == (5, 1, 3)
    assert (une1["salarie_parcours"], une1["administrateur"], une1["inconnu"]) == (1, 0, 0)
    assert une1["flags"] == (ParticipationFlag.NO_ADMINISTRATEUR,)
    assert frame.loc[("une", "2"), "flags"] == (
        ParticipationFlag.ALONE,
        ParticipationFlag.NO_SALARIE,
        ParticipationFlag.NO_ADMINISTRATEUR,
    )
    assert frame.loc[("deux", "2"), "respondents"] == 0
    assert frame.loc[("deux", "2"), "flags"] == ()  # not started: nothing to warn about yet
    trois = frame.loc[("trois", "1")]
    assert (trois["respondents"], trois["inconnu"], trois["flags"]) == (2, 2, ())


def test_role_means_need_three_people_and_weigh_each_person_once() -> None:
    coll = collective()
    means = role_means(coll, referentiel(), answers(coll)).set_index(["chapter", "role"])
    permanent = means.loc[("1", "permanent")]
    # five permanent·e·s answered chapter 1: (3 + 1 + 2) for « une », 4 and 0 for « deux »
    assert permanent["respondents"] == 5 and bool(permanent["shown"])
    assert math.isclose(permanent["mean"], (3 + 1 + 2 + 4 + 0) / 5)
    direction = means.loc[("1", "direction")]
    assert direction["respondents"] == 1 and not direction["shown"]
    assert math.isnan(direction["mean"])  # the number never leaves the function
    assert means.loc[("1", "salarie_parcours"), "respondents"] == 0  # « Ne sait pas » is no level


def test_a_restitution_hides_a_collectif_mean_the_structure_could_work_back_from() -> None:
    coll = collective()
    ref = referentiel()
    every = answers(coll)
    whole = role_means(coll, ref, every)
    une = restitution_regards(coll, ref, "une", every[every["structure"] == "une"], whole)
    chapter1 = une.lines[0]
    # « une » has 3 permanent·e·s: its own mean is shown; the 2 others are in « deux » only,
    # so the collectif's mean (5 people) would give theirs away: hidden
    assert chapter1.structure["permanent"].mean == (3 + 1 + 2) / 3
    assert chapter1.collective["permanent"].mean is None
    assert chapter1.collective["permanent"].respondents == 5
    deux = restitution_regards(coll, ref, "deux", every[every["structure"] == "deux"], whole)
    assert deux.lines[0].structure["permanent"].mean is None  # only 2 in « deux »
    assert deux.lines[0].collective["permanent"].mean == 2.0  # 3 others: safe
    assert deux.shown


def test_a_restitution_shows_the_collectifs_means_as_rounded_as_it_prints_them() -> None:
    """A structure keeps its dated restitutions: unrounded means of a role, before and after
    one person of another structure answered, would give that person's exact mean."""
    coll = collective()
    ref = referentiel()
    deux = coll.structure("deux")
    every = pd.concat([answers(coll), pd.DataFrame([answer("deux", "1.1.1", key(deux, 1), 3)])])
    every = every.drop_duplicates(["structure", "criterion", "column"], keep="last")
    whole = role_means(coll, ref, every)
    exact = whole.set_index(["chapter", "role"]).loc[("1", "permanent"), "mean"]
    assert math.isclose(exact, (3 + 1 + 2 + 3 + 0) / 5)  # 1,8: then one more answer
    later = [answer("deux", c, key(deux, 2), 1) for c in ("1.1.1", "1.1.2")]  # then (0+1+1)/3
    every = pd.concat([every, pd.DataFrame(later)])
    whole = role_means(coll, ref, every)
    exact = whole.set_index(["chapter", "role"]).loc[("1", "permanent"), "mean"]
    assert math.isclose(exact, (3 + 1 + 2 + 3 + 2 / 3) / 5)  # 1,9333…
    shown = restitution_regards(coll, ref, "deux", every[every["structure"] == "deux"], whole)
    mean = shown.lines[0].collective["permanent"].mean
    assert mean is not None and math.isclose(mean * 10, round(mean * 10))
    assert abs(mean - exact) <= 0.05


def _dashboard(coll: Collective, frame: pd.DataFrame) -> openpyxl.Workbook:
    ref = referentiel()
    inputs = DashboardInputs(
        collective=coll,
        referentiel=ref,
        settings=Settings(),
        scores=scoring.score_collective(frame, ref, coll.structures),
        today=TODAY,
        answers=frame,
    )
    return openpyxl.load_workbook(io.BytesIO(render_xlsx_bytes(dashboard_spec(inputs))))


def _table(ws) -> list[list[object]]:
    rows = [list(r) for r in ws.iter_rows(min_row=4, values_only=True)]
    return [r for r in rows if any(v is not None for v in r)]


def test_the_dashboard_shows_participation_next_to_the_progress_sheet() -> None:
    coll = collective()
    wb = _dashboard(coll, answers(coll))
    assert wb.sheetnames.index(PARTICIPATION_SHEET) == wb.sheetnames.index("Avancement") + 1
    ws = wb[PARTICIPATION_SHEET]
    assert [c.value for c in ws[3]][:3] == ["Structure", "Chapitre", "Répondant·e·s"]
    rows = {(r[0], r[1][:1]): r for r in _table(ws)}
    assert rows[("Structure Une", "1")][2:8] == [5, 1, 3, 0, 1, 0]
    assert rows[("Structure Une", "1")][8] == "aucun·e administrateur·rice n'a répondu"
    assert rows[("Structure Une", "2")][8] == (
        "la démarche repose sur une seule personne ; aucun·e salarié·e en parcours n'a répondu"
        " ; aucun·e administrateur·rice n'a répondu"
    )
    assert rows[("Structure Trois", "1")][2:8] == [2, 0, 0, 0, 0, 2]
    assert len(rows) == 3 * 2  # every structure × chapter, started or not


def test_the_dashboards_regards_croises_show_only_groups_of_three() -> None:
    coll = collective()
    ws = _dashboard(coll, answers(coll))[REGARDS_SHEET]
    header = [c.value for c in ws[3]]
    assert header[:5] == [
        "Chapitre", "Direction — niveau moyen", "Direction — personnes",
        "Permanent·e·s — niveau moyen", "Permanent·e·s — personnes",
    ]  # fmt: skip
    chapter1, chapter2 = _table(ws)
    assert chapter1[1:3] == [HIDDEN, 1]
    assert chapter1[3:5] == [2.0, 5]
    assert chapter2[1:3] == [HIDDEN, 1]
    shown = [v for v in chapter1[1::2] + chapter2[1::2] if v not in (HIDDEN, NO_ANSWER)]
    counts = chapter1[2::2] + chapter2[2::2]
    # every number shown stands for 3 people or more
    assert shown == [2.0]
    assert counts == [1, 5, 0, 0, 1, 0, 0, 0]
    # a role nobody answered for says so, not « moins de 3 » beside its « 0 »
    means = chapter1[1::2] + chapter2[1::2]
    assert [m == NO_ANSWER for m in means] == [c == 0 for c in counts]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler missing")
def test_the_restitution_pdf_gives_each_mean_with_its_count(tmp_path: Path) -> None:
    coll, ref = collective(), referentiel()
    frame = answers(coll)
    scores = scoring.score_collective(frame, ref, coll.structures)
    pdfs = {}
    for sid in ("une", "deux"):
        data = build_restitution(coll, ref, sid, scores, today=TODAY, answers=frame)
        path = tmp_path / f"{sid}.pdf"
        path.write_bytes(restitution_pdf_bytes(data))
        done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
        pdfs[sid] = " ".join(done.stdout.split())
    # « une »: its 3 permanent·e·s are shown (2,0), the collectif's 5 are not (2 others)
    assert (
        "Structure : Direction moins de 3 (1), Permanent·e·s 2,0 (3), Administrateur·rice·s "
        "aucune réponse, Salarié·e·s en parcours aucune réponse"
    ) in pdfs["une"]
    assert "Collectif : Direction moins de 3 (1), Permanent·e·s moins de 3 (5)" in pdfs["une"]
    # « deux »: nothing of its own to show; the collectif's 5 permanent·e·s are (3 others)
    assert "Dans la structure, aucun rôle ne compte 3 répondant·e·s sur un chapitre" in pdfs["deux"]
    assert "Gouvernance : Direction moins de 3 (1), Permanent·e·s 2,0 (5)" in pdfs["deux"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler missing")
def test_a_restitution_says_so_when_no_role_reaches_three(tmp_path: Path) -> None:
    coll, ref = collective(), referentiel()
    frame = answers(coll)
    frame = frame[frame["structure"] != "une"]
    scores = scoring.score_collective(frame, ref, coll.structures)
    data = build_restitution(coll, ref, "deux", scores, today=TODAY, answers=frame)
    assert not data.review.regards.shown
    text = " ".join(_pdf_words(restitution_pdf_bytes(data), tmp_path))
    assert "Aucun rôle ne compte encore 3 répondant·e·s sur un même chapitre" in text


def _pdf_words(pdf: bytes, folder: Path) -> list[str]:
    path = folder / "r.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    return done.stdout.split()
