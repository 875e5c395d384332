"""Page 1 of the restitution PDF, as the structure reads it after its review.

Page 1 promises the state, the scores, three strengths, three priorities and the
chemin vers le label (docs/guide-fr.md §7): the chemin starts there, as many steps as
fit, and goes on at the top of page 2, never on a page of its own. Nothing on page 1
is cut with « … » for lack of room (the structure's name in the legend, the chapter
titles of the example référentiel next to an earlier restitution's column), the
earlier restitution's column says what it is and gives its global score, and the
« Écarts à discuter » name what the retained level was compared to.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

from capsync.campaign.validation import load_referentiel
from capsync.french import typography_faults
from capsync.layout.label_decisions import ELIGIBLE
from capsync.layout.label_path import PathStep
from capsync.layout.restitution_data import ChapterLine, GapLine, RestitutionData
from capsync.layout.review_gaps import RETAINED_VS_GROUP, SELF_VS_PAIR, SELF_VS_TIERS
from capsync.render.restitution_pdf import restitution_pdf_bytes

from .test_restitution_pdf import _data, _pages, _shown_lines, _streams

EXAMPLE = Path(__file__).parents[1] / "referentiel" / "cap-rse-exemple.yaml"
MORE = "… et {} autres changements, page suivante"


def _page(pdf: bytes, number: int) -> list[str]:
    """The strings drawn on page ``number`` (1-based), as _shown_lines reads them: fpdf2
    writes one content stream per page, in order (Helvetica: no font stream)."""
    found = []
    for shown in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", _streams(pdf)[number - 1], re.S):
        unescaped = re.sub(rb"\\(.)", lambda m: b"\r" if m[1] == b"r" else m[1], shown)
        found.append(unescaped.decode("cp1252"))
    return found


def _steps(count: int) -> list[PathStep]:
    """``count`` steps of the chemin, each worded on one line or two, as real ones are."""
    return [
        PathStep(
            "1",
            f"1.{k}.1",
            f"Critère numéro {k}" + (" du référentiel, à l'intitulé long" if k % 3 else ""),
            1.0,
            2,
            "score du chapitre 1 au minimum de 2" if k % 2 else "critère obligatoire pour le label",
        )
        for k in range(1, count + 1)
    ]


def _with_path(count: int) -> RestitutionData:
    return dataclasses.replace(_data("beta"), path=_steps(count))


def _step_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("1.") and "Critère numéro" in line]


def test_a_long_chemin_starts_on_page_1_and_goes_on_at_the_top_of_page_2():
    pdf = restitution_pdf_bytes(_with_path(20))
    first, second = _page(pdf, 1), _page(pdf, 2)

    assert any("(chemin vers le label ci-dessous)" in line for line in first)
    assert "Chemin vers le label" in first  # on page 1, under the three priorities
    heading = next(line for line in first if line.endswith(("priorité", "priorités")))
    assert first.index(heading) < first.index("Chemin vers le label")
    shown = _step_lines(first)
    assert len(shown) >= 2
    assert MORE.format(20 - len(shown)) in first
    # page 2 goes on with the rest, then the label's reasons: no page of the chemin alone
    assert second[0] == "Chemin vers le label (suite)"
    rest = _step_lines(second)
    assert [s.split(" ")[0] for s in shown + rest] == [f"1.{k}.1" for k in range(1, 21)]
    assert second.index("Labellisation\u00a0: Non éligible") > second.index(rest[-1])
    assert "Points forts" in second


def test_a_short_chemin_is_whole_on_page_1():
    pdf = restitution_pdf_bytes(_data("beta"))  # three steps
    first = _page(pdf, 1)
    assert "Chemin vers le label" in first
    assert any(line.startswith("Chapitre 2 Parcours\u00a0: chapitre pas encore") for line in first)
    assert not any("page suivante" in line for line in first)
    assert not any("(suite)" in line for line in _shown_lines(pdf))
    assert _page(pdf, 2)[0] == "Labellisation\u00a0: Non éligible"
    assert _pages(pdf) == 2


def test_an_eligible_structure_has_no_chemin():
    data = dataclasses.replace(_data("beta"), label=ELIGIBLE, path=[])
    pdf = restitution_pdf_bytes(data)
    lines = _shown_lines(pdf)
    assert not any("Chemin vers le label" in line for line in lines)
    assert "Labellisation\u00a0: Éligible" in _page(pdf, 1)
    assert _page(pdf, 2)[0] == "Labellisation\u00a0: Éligible"


def _example_chapters() -> list[ChapterLine]:
    chapters = load_referentiel(EXAMPLE).chapters
    return [ChapterLine(c.id, c.title, 2.4, 2.1, 1.0, previous=1.9) for c in chapters]


def test_nothing_on_page_1_is_cut_next_to_an_earlier_restitution():
    data = dataclasses.replace(
        _data("beta"),
        structure_name="Atelier Textile Solidaire de Limoges",
        chapters=_example_chapters(),
        previous_date=dt.date(2026, 12, 2),
        previous_overall=1.94,
        path=_steps(12),
    )
    first = _page(pdf := restitution_pdf_bytes(data), 1)
    drawn = [line for line in first if not line.endswith("· page 1")]  # the footer may cut
    assert not [line for line in drawn if line.endswith("…")]
    for c in load_referentiel(EXAMPLE).chapters:  # whole, on one line
        assert f"{c.id} — {c.title}" in first
    # the legend next to the chart: the name whole, on two lines
    legend = first.index("Atelier Textile Solidaire de")
    assert first[legend + 1 : legend + 3] == ["Limoges", "Moyenne du collectif"]
    assert _pages(pdf) >= 2


def test_the_earlier_restitution_column_says_what_it_is_and_its_global_score():
    data = dataclasses.replace(
        _data("beta"),
        previous_date=dt.date(2026, 12, 2),
        previous_overall=2.26,
        previous_label=ELIGIBLE,
        chapters=[dataclasses.replace(c, previous=2.0) for c in _data("beta").chapters],
    )
    first = _page(restitution_pdf_bytes(data), 1)
    at = first.index("Chapitre")
    assert first[at : at + 6] == [
        "Chapitre",
        "Restitution du",
        "02/12/2026",
        "Structure",
        "Moy. collectif",
        "Complétude",
    ]
    total = first.index("Score global")
    assert first[total + 1] == "2,3"  # then, next to today's
    said = "Labellisation à la restitution du 02/12/2026\u00a0: Éligible."
    assert said in first
    assert typography_faults(said) == []

    unknown = dataclasses.replace(data, previous_overall=None, previous_label=data.label)
    first = _page(restitution_pdf_bytes(unknown), 1)
    assert first[first.index("Score global") + 1] == "—"  # an old log: not known
    assert not any(line.startswith("Labellisation à la restitution") for line in first)


def _gap(kind: str, **values: object) -> GapLine:
    base = GapLine("1.1.1", "Projet formalisé", kind, 3.0, None, None, None, None,
                   "à discuter", "", "")  # fmt: skip
    return dataclasses.replace(base, **values)  # type: ignore[arg-type]


def test_each_gap_says_what_the_retained_level_was_compared_to():
    gaps = [
        _gap("entre répondant·e·s", low=1.0, high=3.0, gap=2.0),
        _gap(RETAINED_VS_GROUP, gap=2.0),  # the group's median: 3 − 2
        _gap(RETAINED_VS_GROUP, retained=2.0, gap=-1.5),
        _gap(SELF_VS_TIERS, review=1.0, gap=2.0, review_comment="Preuves à compléter."),
        _gap(SELF_VS_PAIR, retained=2.0, review=4.0, gap=-2.0, review_comment="Très bien."),
    ]
    text = " ".join(_shown_lines(restitution_pdf_bytes(dataclasses.replace(_data(), gaps=gaps))))
    section = text[text.index("Écarts à discuter") :]
    for said in (
        "entre répondant·e·s\u00a0: niveaux de 1 - Émergent à 3 - Maîtrisé",
        "niveau retenu / groupe\u00a0: niveau retenu 3 - Maîtrisé, médiane du groupe 1 - Émergent",
        "médiane du groupe 3,5 (entre 3 - Maîtrisé et 4 - Exemplaire)",
        "auto-évaluation / tiers\u00a0: niveau retenu 3 - Maîtrisé, tiers 1 - Émergent",
        "Commentaire du tiers\u00a0: Preuves à compléter.",
        "auto-évaluation / pair\u00a0: niveau retenu 2 - Structuré, pair 4 - Exemplaire",
        "Commentaire du pair\u00a0: Très bien.",
    ):
        assert said in section, said
    assert "tiers / pair —" not in section and "tiers / pair 1" not in section
    assert typography_faults(section) == []
