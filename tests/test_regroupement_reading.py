"""The regroupement kit as a délégué·e reads it: no structure recognisable by a type it alone
has, an « écart » that the counts next to it add up to, the weak-point rule printed as it is
applied, witnesses' levels by their names, French plurals and typography; the real workbook
and PDF are rendered and read back."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.config import Collective, Structure
from capsync.campaign.vocabulary import StructureType
from capsync.french import NNBSP, typography_faults
from capsync.layout.regroupement import kit_spec
from capsync.layout.regroupement_data import KitData, KitRequest, build_kit
from capsync.render.regroupement_pdf import kit_pdf_bytes
from capsync.render.xlsx import render_xlsx
from capsync.scoring import scores as scoring
from tests import layout_campaign as lc

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils not installed"
)


def _collective(*consenting: str) -> Collective:
    """Four ACI and one ETTI: the ETTI alone has its type, so its type would name it."""
    aci, etti = StructureType("ACI"), StructureType("ETTI")
    kinds = {"alpha": aci, "beta": aci, "gamma": aci, "delta": etti}
    coll = lc.collective()
    structures = [
        s.model_copy(update={"type": kinds[s.id], "testimony_consent": s.id in consenting})
        for s in coll.structures
    ]
    structures.append(Structure(id="epsilon", name="Epsilon Travail", type="ACI"))
    return coll.model_copy(update={"structures": structures})


def _answers() -> pd.DataFrame:
    """1.1.1: alpha 0, beta 3,5 (its two respondents, no level retained yet), gamma 1,
    delta 3; 1.1.2: alpha 0, the others 2 (a mean of 1,5 with one structure in four below
    2); 1.2.1: alpha, beta and delta 4, gamma nothing; epsilon nothing at all."""
    a = lc._answer
    rows = [
        a("alpha", "1.1.1", "retenu", 0),
        a("beta", "1.1.1", "r:anne", 3),
        a("beta", "1.1.1", "r:bruno", 4),
        a("gamma", "1.1.1", "retenu", 1),
        a("delta", "1.1.1", "retenu", 3),
        a("alpha", "1.1.2", "retenu", 0),
        *(a(s, "1.1.2", "retenu", 2) for s in ("beta", "gamma", "delta")),
        *(a(s, "1.2.1", "retenu", 4) for s in ("alpha", "beta", "delta")),
    ]
    return pd.DataFrame(rows)


def _texts() -> pd.DataFrame:
    said = {
        "beta": "Un référent RSE anime un comité chaque trimestre",
        "delta": "Charte écrite et votée en conseil d'administration",
    }
    return pd.DataFrame(
        [
            {"collective": "test-collectif", "structure": s, "criterion": "1.1.1",
             "column": "justification", "text": text, "recorded_at": lc.WHEN}
            for s, text in said.items()
        ]
    )  # fmt: skip


def _kit(coll: Collective, *, anonymous: bool) -> KitData:
    ref = lc.referentiel()
    scores = scoring.score_collective(_answers(), ref, coll.structures)
    phase = next(p for p in coll.phases() if p.kind == "regroupement")
    return build_kit(KitRequest(coll, ref, scores, _texts(), phase, lc.TODAY, 14, anonymous))


def _read(kit: KitData, coll: Collective, folder: Path) -> tuple[str, str]:
    """What the délégué·e reads: every cell of the workbook, the PDF's text."""
    xlsx, pdf = folder / "kit.xlsx", folder / "kit.pdf"
    render_xlsx(kit_spec(kit, coll.id, "cap-rse-test", "1"), xlsx)
    pdf.write_bytes(kit_pdf_bytes(kit))
    cells = [str(v) for rows in read_workbook(xlsx).values() for row in rows for v in row if v]
    shown = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    return "\n".join(cells), re.sub(r"[ \n]+", " ", shown)


def _with_three_more_types(coll: Collective) -> Collective:
    """The same collectif with an EI, an AI and an EBE: three structures of rarer types."""
    more = [
        Structure(id=sid, name=sid.title(), type=kind)
        for sid, kind in (("zeta", "EI"), ("eta", "AI"), ("theta", "EBE"))
    ]
    return coll.model_copy(update={"structures": [*coll.structures, *more]})


def test_an_anonymous_structure_shows_its_type_only_when_three_share_it(tmp_path: Path) -> None:
    coll = _with_three_more_types(_collective("alpha", "beta", "gamma", "delta"))
    cells, pdf = _read(_kit(coll, anonymous=True), coll, tmp_path)  # even those who agreed
    for text in (cells, pdf):
        assert "ETTI" not in text  # delta, the collectif's one ETTI, is « une structure »
        assert "une structure (ACI)" in text  # four ACI: the type names none of them
        for structure in coll.structures:
            assert structure.name not in text
    assert "Charte écrite" not in cells + pdf  # a sentence can name its author
    point = next(p for p in _kit(coll, anonymous=True).weak_points if p.line.criterion == "1.1.1")
    assert [w.label for w in point.witnesses] == ["une structure (ACI)", "une structure"]
    late = [s.label for s in _kit(coll, anonymous=True).stragglers]
    assert late and {"une structure (ACI)", "une structure"} >= set(late)


def test_no_type_is_given_when_the_untyped_would_be_told_by_elimination() -> None:
    """Four ACI and one ETTI: beside « une structure (ACI) », a plain « une structure » could
    only be the ETTI. So no line says a type."""
    coll = _collective("alpha", "beta", "gamma", "delta")
    kit = _kit(coll, anonymous=True)
    labels = {w.label for p in kit.weak_points for w in p.witnesses}
    labels |= {s.label for s in kit.stragglers}
    assert labels == {"une structure"}
    # in a named kit, a witness who did not agree is just as unrecognisable
    named = next(p for p in _kit(_collective("beta"), anonymous=False).weak_points
                 if p.line.criterion == "1.1.1")  # fmt: skip
    assert [w.label for w in named.witnesses] == ["@Bêta Services", "une structure"]


def test_the_spread_is_the_spread_of_the_counts_printed_next_to_it(tmp_path: Path) -> None:
    coll = _collective("beta", "delta")
    kit = _kit(coll, anonymous=False)
    line = next(ln for ln in kit.lines if ln.criterion == "1.1.1")
    assert line.counts == (1, 1, 0, 2, 0)  # beta's 3,5 counts at 3
    assert line.spread == 3  # 3 − 0, not 3,5 − 0
    cells, pdf = _read(kit, coll, tmp_path)
    assert (
        "1.1.1 Projet formalisé — écart de 3 niveaux : 1 au niveau 0, 1 au niveau 1, "
        "2 au niveau 3 (4 structures)"
    ) in pdf
    names = dict(kit.levels)
    # a witness's level by its name, a half level between its two names
    assert f"@Bêta Services, niveau 3,5 (entre 3 - {names[3]} et 4 - {names[4]})" in pdf
    assert f"Delta Solidaire, niveau 3 - {names[3]}" in pdf
    assert f"niveau 3 - {names[3]}" in cells and "niveau 3,0" not in cells + pdf


def test_the_weak_point_rule_is_printed_as_it_is_applied(tmp_path: Path) -> None:
    coll = _collective()
    kit = _kit(coll, anonymous=False)
    # 1.1.2: one structure in four below 2, but a mean of 1,5: a weak point by its mean
    assert [p.line.criterion for p in kit.weak_points] == ["1.1.1", "1.1.2"]
    rule = "au moins un tiers des structures sous le niveau 2, ou une moyenne du collectif sous 2"
    cells, pdf = _read(kit, coll, tmp_path)
    assert rule in cells and rule in pdf


def test_counts_take_the_french_singular_and_the_agenda_its_narrow_spaces(
    tmp_path: Path,
) -> None:
    coll = _collective()
    kit = _kit(coll, anonymous=False)
    detail = kit.agenda[4].detail
    assert detail == f"1.1.1 (2 témoignages possibles){NNBSP}; 1.1.2 (aucun témoin repéré)"
    cells, pdf = _read(kit, coll, tmp_path)
    assert "(0 critère sur 3)" in pdf and "0 critères" not in pdf  # epsilon
    assert "(2 critères sur 3)" in pdf  # gamma
    assert "4 structures sur 5 ont répondu au chapitre" in pdf
    assert "1 structure sous le niveau 2" in pdf and "1 structures" not in pdf
    assert "(critères 1.1.1, 1.1.2)" in pdf
    assert "Écart entre structures (niveaux)" in cells
    assert not typography_faults(cells), typography_faults(cells)


def test_one_structure_answering_is_singular(tmp_path: Path) -> None:
    coll = _collective()
    ref = lc.referentiel()
    scores = scoring.score_collective(_answers().iloc[:1], ref, coll.structures)  # alpha only
    phase = next(p for p in coll.phases() if p.kind == "regroupement")
    kit = build_kit(KitRequest(coll, ref, scores, _texts(), phase, lc.TODAY, 14, False))
    pdf_path = tmp_path / "kit.pdf"
    pdf_path.write_bytes(kit_pdf_bytes(kit))
    shown = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True)
    text = re.sub(r"[ \n]+", " ", shown.stdout)
    assert "1 structure sur 5 a répondu au chapitre" in text
    assert "(0 critère sur 3)" in text and "(1 critère sur 3)" in text
