"""The anonymous regroupement kit names no structure by inference either: a criterion fewer
than three structures answered (one only a GES has, say) shows no mean, count or spread, in
the workbook, the PDF and their charts; the late list gives no « n critères sur M » (nor the
percentage) that would tell a structure's type. The délégué·e·s' own kit keeps its figures.
Real workbooks and PDFs are rendered and read back, and the example campaign's kits are made
by the real command."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.config import Collective, Structure
from capsync.campaign.referentiel import Referentiel
from capsync.campaign.vocabulary import StructureType
from capsync.cli import main
from capsync.french import NBSP, NNBSP, typography_faults
from capsync.layout.regroupement import kit_spec
from capsync.layout.regroupement_data import KitData, KitRequest, build_kit
from capsync.render.regroupement_pdf import kit_pdf_bytes
from capsync.render.xlsx import render_xlsx
from capsync.scoring import scores as scoring
from tests import layout_campaign as lc

from .example_campaign import copy_example

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils not installed"
)


def _referentiel() -> Referentiel:
    """The test référentiel with 1.2.1 for GES only, as 1.2.3 « Coordination de
    l'ensemblier » is in the real one."""
    raw = lc.referentiel().model_dump()
    raw["chapters"][0]["objectives"][1]["criteria"][0]["structure_types"] = ["GES"]
    return Referentiel.model_validate(raw)


def _collective() -> Collective:
    """One GES, three ACI, one EI."""
    ges, aci = StructureType("GES"), StructureType("ACI")
    types = {"alpha": ges, "beta": aci, "gamma": aci, "delta": aci}
    coll = lc.collective()
    structures = [s.model_copy(update={"type": types[s.id]}) for s in coll.structures]
    structures.append(Structure(id="epsilon", name="Epsilon Travail", type=StructureType("EI")))
    return coll.model_copy(update={"structures": structures})


def _answers() -> pd.DataFrame:
    """Chapter 1: the GES alone has 1.2.1 (level 1) and has not answered 1.1.2: 2 criteria
    of its 3, the only 67 %; 1.1.2 has two answers (beta 2, delta 3); gamma answered 1 of
    its 2; epsilon nothing."""
    a = lc._answer
    rows = [
        a("alpha", "1.1.1", "retenu", 3),
        a("alpha", "1.2.1", "retenu", 1),
        a("beta", "1.1.1", "retenu", 1),
        a("beta", "1.1.2", "retenu", 2),
        a("gamma", "1.1.1", "retenu", 2),
        a("delta", "1.1.1", "retenu", 4),
        a("delta", "1.1.2", "retenu", 3),
    ]
    return pd.DataFrame(rows)


def _kit(*, anonymous: bool, answers: pd.DataFrame | None = None) -> KitData:
    ref, coll = _referentiel(), _collective()
    scores = scoring.score_collective(_answers() if answers is None else answers, ref,
                                      coll.structures)  # fmt: skip
    phase = next(p for p in coll.phases() if p.kind == "regroupement" and p.chapter == "1")
    return build_kit(KitRequest(coll, ref, scores, lc.texts(), phase, lc.TODAY, 14, anonymous))


def _read(kit: KitData, folder: Path) -> tuple[dict[str, list[list[object]]], str]:
    """Every sheet of the rendered workbook, and the PDF's text with French spaces plain."""
    xlsx, pdf = folder / "kit.xlsx", folder / "kit.pdf"
    render_xlsx(kit_spec(kit, "test-collectif", "cap-rse-test", "1"), xlsx)
    pdf.write_bytes(kit_pdf_bytes(kit))
    shown = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    return read_workbook(xlsx), _plain(shown)


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(NBSP, " ").replace(NNBSP, " "))


def _cells(sheets: dict[str, list[list[object]]], *names: str) -> str:
    return _plain(" | ".join(str(v) for n in names for row in sheets[n] for v in row if v))


def _row(sheets: dict[str, list[list[object]]], sheet: str, criterion: str) -> list[object]:
    return next(r for r in sheets[sheet] if r and r[0] == criterion)


def test_a_criterion_only_the_ges_has_gives_away_no_level_in_the_anonymous_kit(
    tmp_path: Path,
) -> None:
    kit = _kit(anonymous=True)
    sheets, pdf = _read(kit, tmp_path)
    assert "1.2.1 Conseil d'administration : moins de 3 structures" in pdf
    assert "1.1.2 Projet partagé : moins de 3 structures" in pdf  # two answers: hidden too
    assert "1,0 (1 structure" not in pdf and "peu de réponses" not in pdf
    # the distribution: no count, no mean, no spread, no « sous le niveau 2 » next to it
    assert [v for v in _row(sheets, "Répartition", "1.2.1") if v not in (None, "")] == [
        "1.2.1", "Conseil d'administration", "moins de 3 structures",
    ]  # fmt: skip
    assert "1.2.1 Conseil d'administration répartition non affichée moins de 3 structures" in pdf
    # the GES below level 2 was the named kit's weak point: not in the anonymous one, nor in
    # its agenda, nor among the dividing criteria (1.1.2: beta 2, delta 3)
    assert [p.line.criterion for p in kit.weak_points] == []
    assert [ln.criterion for ln in kit.dividing] == ["1.1.1"]
    agenda = " ".join(f"{a.title} {a.detail}" for a in kit.agenda)
    assert "1.2.1" not in agenda and "1.1.2" not in agenda
    assert "1.2.1" not in _cells(sheets, "Critères qui partagent", "Qui pourrait témoigner")
    texts = "\n".join(str(v) for rows in sheets.values() for row in rows for v in row if v)
    assert not typography_faults(texts), typography_faults(texts)


def test_the_delegates_own_kit_keeps_its_figures_and_its_few_answers_mark(
    tmp_path: Path,
) -> None:
    kit = _kit(anonymous=False)
    sheets, pdf = _read(kit, tmp_path)
    assert "1.2.1 Conseil d'administration : 1,0 (1 structure, peu de réponses)" in pdf
    assert "1.1.2 Projet partagé : 2,5 (2 structures, peu de réponses)" in pdf
    row = _row(sheets, "Répartition", "1.2.1")
    assert row[2:5] == [1.0, 1.0, "peu de réponses"] and row[5:10] == [0, 1, 0, 0, 0]
    assert [p.line.criterion for p in kit.weak_points] == ["1.2.1"]
    assert [ln.criterion for ln in kit.dividing] == ["1.1.1", "1.1.2"]


def test_no_chart_plots_a_hidden_mean(tmp_path: Path) -> None:
    kit = _kit(anonymous=True)
    hidden = [i for i, ln in enumerate(kit.lines) if ln.hidden]
    assert [kit.lines[i].criterion for i in hidden] == ["1.1.2", "1.2.1"]
    assert all(kit.lines[i].mean is None and not any(kit.lines[i].counts) for i in hidden)
    _, pdf = _read(kit, tmp_path)
    with zipfile.ZipFile(tmp_path / "kit.xlsx") as z:
        chart = next(z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/"))
    cached = [int(i) for i in re.findall(r'<c:pt idx="(\d+)"><c:v>', chart.split("<c:val>")[1])]
    assert cached == [0]  # the radar's one mean: 1.1.1; none for 1.1.2 and 1.2.1
    assert "1.2.1 moins de 3" in pdf  # under its axis, as « sans réponse » is


def test_the_anonymous_late_list_tells_no_type_by_its_number_of_criteria(
    tmp_path: Path,
) -> None:
    kit = _kit(anonymous=True)
    assert not kit.late_figures  # the GES has 3 criteria in chapter 1, the others 2
    sheets, pdf = _read(kit, tmp_path)
    late = pdf[pdf.index("Qui n'a pas fini") : pdf.index("L'offre de services")]
    assert "une structure : en retard, aucun critère renseigné" in late  # epsilon
    assert late.count("de la moitié aux trois quarts des critères renseignés") == 2
    assert not re.search(r"sur \d|\d %", late)  # 67 % could only be 2 critères sur 3
    assert sheets["Retards"][2] == ["Structure", "État", "Avancement"]
    assert all(s.answered is None and s.applicable is None for s in kit.stragglers)
    named = _kit(anonymous=False)
    assert [_plain(s.progress) for s in named.stragglers] == [
        "0 % (0 critère sur 2)", "50 % (1 critère sur 2)", "67 % (2 critères sur 3)",
    ]  # fmt: skip


def test_a_late_list_keeps_its_counts_when_every_structure_has_the_same_criteria(
    tmp_path: Path,
) -> None:
    coll = lc.collective()  # every criterion for every type: « sur 3 » names nobody
    phase = next(p for p in coll.phases() if p.kind == "regroupement" and p.chapter == "1")
    request = KitRequest(coll, lc.referentiel(), lc.scores(), lc.texts(), phase, lc.TODAY, 14,
                         True)  # fmt: skip
    kit = build_kit(request)
    assert kit.late_figures
    _, pdf = _read(kit, tmp_path)
    assert "une structure : en retard, 67 % (2 critères sur 3)" in pdf


def test_a_chapter_mean_on_fewer_than_three_structures_is_not_given(tmp_path: Path) -> None:
    alone = _answers().iloc[:2]  # the GES only
    sheets, pdf = _read(_kit(anonymous=True, answers=alone), tmp_path)
    assert "1 structure sur 5 a répondu au chapitre · moyenne du collectif : moins de 3" in pdf
    assert _row(sheets, "Kit", "Moyenne du collectif sur le chapitre")[1] == (
        "moins de 3 structures"
    )
    _, named = _read(_kit(anonymous=False, answers=alone), tmp_path)
    assert "moyenne du collectif : 2,0 (1 structure, peu de réponses)" in named


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = copy_example(tmp_path_factory.mktemp("anonymous-kits"))
    for command in (["generate"], ["demo"]):
        result = CliRunner().invoke(main, ["--config", str(config), *command])
        assert result.exit_code == 0, result.output
    return config


def _example_kit(
    config: Path, collective: str, chapter: str
) -> tuple[dict[str, list[list[object]]], str]:
    result = CliRunner().invoke(
        main,
        ["--config", str(config), "regroupement", "--collective", collective,
         "--chapitre", chapter, "--anonyme"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    found = re.findall(r"(/\S+\.(?:xlsx|pdf))", result.output)
    xlsx, pdf = Path(found[0]), Path(found[1])
    shown = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    return read_workbook(xlsx), _plain(shown)


def test_the_example_kits_no_longer_give_away_ailes_or_the_aci(example: Path) -> None:
    """The audit's two kits: Occitanie's one GES on 1.2.3, Nouvelle-Aquitaine's AI/ETTI on
    2.3.2 and its two ACI on 2.3.3, and the only « sur 12 » of its late list."""
    sheets, pdf = _example_kit(example, "occitanie", "1")
    assert "1.2.3 Coordination de l'ensemblier : moins de 3 structures" in pdf
    sheets2, pdf2 = _example_kit(example, "nouvelle-aquitaine", "2")
    assert "2.3.2 Mises à disposition et missions au service du parcours : moins de 3 " in pdf2
    assert "2.3.3 Encadrement technique sur chantier : moins de 3 structures" in pdf2
    for book, text in ((sheets, pdf), (sheets2, pdf2)):
        everything = text + _cells(book, *book)
        assert "(1 structure" not in everything and "(2 structures" not in everything
        assert "peu de réponses" not in everything
        assert not re.search(r"critères? sur \d", everything)
        assert "Critères applicables" not in _cells(book, "Retards")
