"""The event documents read as their readers read them (the audit of the demo's documents).

A structure's director reads its restitution: a level's name is never split across two lines
(« 2 » at a line's end, « - Structuré », which reads as a dash, below); « Trois priorités »
over a single line says there is no other; a chapter nobody answered reads as such in the
« regards croisés », not as four « — »; an ensemblier (GES + AI + ACI) is offered the
services of its AI and ACI criteria, the training linked to its criterion at 0 included.
A délégué·e reads the regroupement kit: the mean and its count next to each bar, and the
agenda's witnesses, are whole, never cut with « … »; the anonymous kit does not promise
names (« nommés s'ils l'ont accepté ») it never gives.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from capsync.backends.xlsx_read import read_workbook
from capsync.cli import main
from capsync.layout.regroupement_data import AgendaItem, KitData
from capsync.layout.restitution import build_restitution
from capsync.layout.restitution_data import GapLine
from capsync.layout.review_gaps import SELF_VS_PAIR
from capsync.layout.role_views import Regards, RegardsLine, RoleCell
from capsync.render.regroupement_pdf import kit_pdf_bytes
from capsync.render.restitution_pdf import restitution_pdf_bytes
from capsync.scoring import scores as scoring
from tests import layout_campaign as lc

from .example_campaign import copy_example
from .test_kit_anonymity import _kit, _read
from .test_restitution_pdf import _data, _shown_lines, _streams

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils not installed"
)

ROLES = ("direction", "permanent", "administrateur", "salarie_parcours")


def _page_lines(pdf: bytes, number: int) -> list[str]:
    """The strings drawn on page ``number`` (Helvetica: one content stream per page)."""
    found = []
    for shown in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", _streams(pdf)[number - 1], re.S):
        found.append(re.sub(rb"\\(.)", rb"\1", shown).decode("cp1252"))
    return found


def test_a_level_name_is_never_split_at_the_end_of_a_line():
    """The « Écarts à discuter » of the demo's AILES had « pair 2 » at a line's end and
    « - Structuré » below; every length of criterion title is tried, so one of them puts
    the line's end right at the hyphen."""
    gaps = [
        GapLine(f"2.1.{k}", "Information collective " + "et accueil " * (k % 9) + "x" * k,
                SELF_VS_PAIR, 3.0, None, None, 2.0, 1.0, "", "", "")
        for k in range(40)
    ]  # fmt: skip
    lines = _shown_lines(restitution_pdf_bytes(dataclasses.replace(_data(), gaps=gaps)))
    assert not [line for line in lines if line.startswith("- ") or line.endswith(" -")]
    drawn = " ".join(lines)
    assert drawn.count("niveau retenu 3 - Maîtrisé, pair 2 - Structuré") == 40


def test_fewer_than_three_priorities_say_there_is_no_other():
    data = _data("beta")  # one criterion below level 2, none above it
    assert len(data.weak_points) == 1 and not data.strengths
    first = _page_lines(restitution_pdf_bytes(data), 1)
    at = first.index("Une priorité")  # the heading counts what follows it
    assert first[at + 2 : at + 4] == [
        "1.1.1 Projet formalisé — 1 - Émergent",
        "Aucun autre critère sous le niveau 2 - Structuré.",
    ]
    three = dataclasses.replace(data, weak_points=data.weak_points * 3)
    shown = _shown_lines(restitution_pdf_bytes(three))
    assert "Trois priorités" in shown and not any("Aucun autre critère" in line for line in shown)


def test_a_chapter_nobody_answered_reads_as_such_in_the_regards_croises():
    data = _data("beta")
    answered = {r: RoleCell(3, 2.5) for r in ROLES}
    nobody = {r: RoleCell(0, None) for r in ROLES}
    regards = Regards([
        RegardsLine("1", "Gouvernance", answered, answered),
        RegardsLine("2", "Parcours", nobody, nobody),
    ])  # fmt: skip
    data = dataclasses.replace(data, review=dataclasses.replace(data.review, regards=regards))
    drawn = " | ".join(_shown_lines(restitution_pdf_bytes(data)))
    section = drawn[drawn.index("Regards croisés") : drawn.index("Offre de services")]
    assert "Structure\u00a0: chapitre pas encore évalué" in section
    assert "Collectif\u00a0: personne n'a encore répondu au chapitre" in section
    assert "Direction —" not in section
    assert "Structure\u00a0: Direction 2,5 (3), Permanent·e·s 2,5 (3)" in section


def _kit_text(kit: KitData, folder: Path) -> str:
    path = folder / "kit.pdf"
    path.write_bytes(kit_pdf_bytes(kit))
    shown = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    return re.sub(r"\s+", " ", shown.stdout.replace("\u00a0", " ").replace("\u202f", " "))


def test_the_mean_next_to_each_bar_is_whole(tmp_path: Path):
    """« 2,5 (2 structures, peu de réponses) » was cut to « 2,5 (2 structures, peu de
    répon… » beside its bar, and ran past the right margin."""
    kit = _kit(anonymous=False)
    pdf = kit_pdf_bytes(kit)
    page = _page_lines(pdf, 3)
    assert not [line for line in page if line.endswith("…")]
    text = _kit_text(kit, tmp_path)
    distribution = text[text.index("Répartition par critère") : text.index("0 - Non engagé 1")]
    assert "1.1.2 Projet partagé" in distribution
    assert "2,5 (2 structures, peu de réponses)" in distribution


def test_the_agenda_names_every_weak_point_whole(tmp_path: Path):
    """Five weak points and their witnesses: the « Détail » cell wraps, nothing is cut."""
    kit = _kit(anonymous=False)
    detail = " ; ".join(f"2.{k}.1 ({k} témoignages possibles)" for k in range(1, 6))
    agenda = (
        AgendaItem("11 h 10", 60, "Retours d'expériences et mutualisation", detail),
        AgendaItem("12 h 10", 20, "Offre de services", "Ce que le réseau propose."),
    )
    pdf = kit_pdf_bytes(dataclasses.replace(kit, agenda=agenda))
    last = _page_lines(pdf, len(_streams(pdf)))
    assert not [line for line in last if line.endswith("…")]
    drawn = " ".join(last)
    for k in range(1, 6):
        assert f"2.{k}.1 ({k} témoignages possibles)" in drawn
    assert drawn.index("5 témoignages possibles") < drawn.index("12 h 10")  # in its own row


def test_the_anonymous_kit_does_not_promise_names(tmp_path: Path):
    anonymous = _kit_text(_kit(anonymous=True), tmp_path)
    assert "nommés s'ils l'ont accepté" not in anonymous
    assert "aucun n'est nommé dans ce kit anonyme" in anonymous
    sheets, _ = _read(_kit(anonymous=True), tmp_path)
    note = str(sheets["Qui pourrait témoigner"][1][0])
    assert "Aucune structure n'est nommée dans ce kit anonyme." in note
    assert "que si elle l'a accepté" not in note
    assert "nommés s'ils l'ont accepté" in _kit_text(_kit(anonymous=False), tmp_path)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example campaign after ``generate``, ``demo`` and ``sync``."""
    config = copy_example(tmp_path_factory.mktemp("audit-documents"))
    for command in (["generate"], ["demo"], ["sync"]):
        result = CliRunner().invoke(main, ["--config", str(config), *command])
        assert result.exit_code == 0, result.output
    return config


def test_an_ensemblier_is_offered_the_services_of_its_aci_and_ai_criteria(example: Path):
    """AILES (GES carrying an AI and an ACI) is at 0 - Non engagé on 2.3.3 « Encadrement
    technique sur chantier », an ACI criterion, in an objective below level 2: its
    restitution said « Pas de ressource à suggérer : aucun objectif sous le niveau
    attendu », because only the GES type was looked at."""
    result = CliRunner().invoke(
        main, ["--config", str(example), "restitution", "--structure", "ailes-revel"]
    )
    assert result.exit_code == 0, result.output
    xlsx = Path(re.findall(r"(/\S+\.xlsx)", result.output)[0])
    text = subprocess.run(["pdftotext", str(xlsx.with_suffix(".pdf")), "-"],
                          capture_output=True, text=True).stdout  # fmt: skip
    services = re.sub(r"\s+", " ", text[text.index("Offre de services") :])
    services = services[: services.index("Plan de progrès")]
    assert "Encadrer en situation de production" in services
    assert "Pas de ressource à suggérer" not in services
    sheet = read_workbook(xlsx)["Offre de services"]
    assert any("Encadrer en situation de production" in str(v) for row in sheet for v in row)


def test_a_weak_criterion_in_an_objective_whose_mean_is_fine_gets_its_own_service():
    """2.1.1 « Diagnostic » at 0 beside 2.1.2 at 4: objective 2.1 (mean 2) is not among the
    weakest, yet the training made for 2.1.1 is suggested, under its objective; the
    objective's own service (the toolbox), meant for weak objectives, is not."""
    a = lc._answer
    answers = pd.DataFrame([
        a("alpha", "1.1.1", "retenu", 3), a("alpha", "1.1.2", "retenu", 3),
        a("alpha", "2.1.1", "retenu", 0), a("alpha", "2.1.2", "retenu", 4),
    ])  # fmt: skip
    coll, ref = lc.collective(), lc.referentiel()
    scores = scoring.score_collective(answers, ref, coll.structures)
    data = build_restitution(coll, ref, "alpha", scores, today=lc.TODAY)
    assert [(c.criterion, c.retained) for c in data.weak_points] == [("2.1.1", 0.0)]
    assert [(s.objective, s.service) for s in data.services] == [("2.1", "formation-cip")]
    assert data.services[0].objective_mean == pytest.approx(2.0)
    text = " ".join(_shown_lines(restitution_pdf_bytes(data)))
    assert "2.1 Accompagnement — Formation CIP" in text
