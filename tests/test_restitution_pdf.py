"""The restitution PDF: written atomically, two pages or more, every word and accent kept."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zlib
from pathlib import Path

import pytest
from fpdf import FPDF

from capsync.french import heading_for
from capsync.layout.restitution import build_restitution
from capsync.layout.restitution_data import ActionLine, ChapterLine, RestitutionData
from capsync.render.pdf_text import close_fonts
from capsync.render.restitution_pdf import (
    _Document,
    _width,
    restitution_pdf_bytes,
    write_restitution_pdf,
)
from tests import layout_campaign as lc

FRENCH = "Œuvre « collective » · salarié·e·s — l’équipe à Besançon, où 5 € … • ça avance"


def _data(structure: str = "beta") -> RestitutionData:
    return build_restitution(
        lc.collective(),
        lc.referentiel(),
        structure,
        lc.scores(),
        today=lc.TODAY,
        actions=lc.actions(),
        answers=lc.answers(),
        texts=lc.texts(),
    )


def _action(text: str, **changes) -> ActionLine:
    action = ActionLine(
        criterion="1.1.1",
        action=text,
        responsable="Direction",
        echeance=dt.date(2025, 9, 1),
        statut="à faire",
        commentaire="",
        late=False,
    )
    return dataclasses.replace(action, **changes)


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def _title(pdf: bytes) -> str:
    found = re.search(rb"/Title <feff([0-9a-f]*)>", pdf)
    assert found, "no /Title"
    return bytes.fromhex(found.group(1).decode()).decode("utf-16-be")


def _streams(pdf: bytes) -> list[bytes]:
    found = []
    for raw in re.findall(rb"stream\n(.*?)\nendstream", pdf, re.S):
        try:
            found.append(zlib.decompress(raw))
        except zlib.error:
            found.append(raw)
    return found


def _shown_lines(pdf: bytes, *, first_page_only: bool = False) -> list[str]:
    """Every string drawn in Helvetica (WinAnsi), in drawing order."""
    lines = []
    streams = _streams(pdf)
    for content in streams[:1] if first_page_only else streams:
        for shown in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            unescaped = re.sub(rb"\\(.)", lambda m: b"\r" if m[1] == b"r" else m[1], shown)
            lines.append(unescaped.decode("cp1252"))
    return lines


def test_pdf_has_scores_page_then_text_pages(tmp_path: Path):
    path = tmp_path / "restitutions" / "beta.pdf"
    write_restitution_pdf(_data(), path)
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) == 2
    assert _title(pdf) == "Restitution CAP RSE — @Bêta Services"
    lines = _shown_lines(pdf)
    for expected in (
        "Restitution CAP RSE",
        "@Bêta Services",
        "Labellisation\u00a0: Non éligible",
        "Points forts",
        "Points faibles",
        "Écarts à discuter",
        "Offre de services",
        "Plan de progrès",
        "1.1.1 Écrire le projet, CA, échéance 01/05/2025 (à faire)",
        "Moyenne du collectif",
        "Score global",
    ):
        assert any(expected in line for line in lines), expected
    assert sorted(p.name for p in path.parent.iterdir()) == ["beta.pdf"]  # no temp file left


def test_a_structure_without_answers_gets_a_pdf_that_says_so_plainly():
    data = _data("gamma")
    pdf = restitution_pdf_bytes(data)
    text = " ".join(_shown_lines(pdf))
    assert (
        "Rien n'a encore été renseigné dans la grille de Gamma Emploi\u00a0: cette restitution "
        "se remplira avec ses premières réponses." in text
    )
    assert "Points faibles" not in text and "Score global" not in text  # no empty radar
    assert _pages(pdf) == 1


def test_the_first_page_says_so_what(tmp_path: Path):
    data = dataclasses.replace(
        _data("beta"),
        occasions=["regroupement du chapitre 1 du 10/04/2025"],
        previous_date=dt.date(2025, 1, 1),
        chapters=[dataclasses.replace(c, previous=1.2) for c in _data("beta").chapters],
    )
    pdf = restitution_pdf_bytes(data)
    first = _shown_lines(pdf, first_page_only=True)
    text = " ".join(first)
    assert "3 étapes la séparent du label" in text
    assert "Produite pour\u00a0: regroupement du chapitre 1 du 10/04/2025" in text
    strong, weak = len(data.strengths), len(data.weak_points)
    assert heading_for(min(strong, 3), "point fort", "points forts") in first
    assert heading_for(min(weak, 3), "priorité", "priorités", "e") in first  # as many as follow
    assert "1.1.1 Projet formalisé — 1 - Émergent" in first  # levels with their names
    assert "Chemin vers le label" in first
    assert any("passer de 1 - Émergent à 2 - Structuré" in line for line in first)
    assert any("Chapitre 2 Parcours\u00a0: chapitre pas encore évalué" in line for line in first)
    assert any("non évalué" in line for line in first)  # chapter 2, not a point at the centre
    assert "01/01/2025" in text  # the earlier restitution, before / after


def test_a_long_plan_flows_onto_more_pages_and_keeps_every_word(tmp_path: Path):
    long_text = " ".join(
        f"Étape {i} : réécrire le projet associatif avec les équipes et le CA." for i in range(80)
    )
    url = "https://exemple.org/" + "chemin-sans-espace-" * 20
    plan = [
        _action("Présenter le projet aux partenaires du territoire et aux salarié·e·s.")
    ] * 60 + [_action(long_text), _action(url, criterion="2.1.1")]
    path = tmp_path / "beta.pdf"
    path.write_bytes(b"old version")
    write_restitution_pdf(dataclasses.replace(_data(), actions=plan), path)
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) >= 4
    lines = _shown_lines(pdf)
    drawn = " ".join(lines)
    assert drawn.count("Présenter le projet aux partenaires") == 60
    body = " ".join(line for line in lines if not re.search(r"· page \d+$", line))
    for i in range(80):  # a page's footer may fall between two words of one step
        assert f"Étape {i} : réécrire" in body
    assert url in "".join(_shown_lines(pdf))  # cut across lines, every character kept
    assert "page 4" in drawn


def test_a_referentiel_of_four_chapters_gets_a_filled_radar_and_a_cut_legend():
    """The real référentiel has more than two chapters: the structure's area is shaded,
    a chapter without a score shows « — », and a long name is cut with « … » in the legend
    and the footer, never drawn over the chart."""
    name = " ".join(["Association intermédiaire de la vallée"] * 4)
    chapters = [
        ChapterLine(str(i), f"Chapitre {i}", score, mean, 0.5)
        for i, (score, mean) in enumerate([(3.0, 2.0), (1.0, 2.5), (None, 2.0), (4.0, 3.0)], 1)
    ]
    pdf = restitution_pdf_bytes(
        dataclasses.replace(_data(), chapters=chapters, structure_name=name)
    )
    assert b"/ca 0.18" in pdf  # the translucent fill of the structure's polygon
    assert b"/ca 0.18" not in restitution_pdf_bytes(_data())  # two chapters: no area to fill
    lines = _shown_lines(pdf)
    assert [f"Ch. {i}" for i in range(1, 5)] == [line for line in lines if line.startswith("Ch. ")]
    third = lines.index("3 — Chapitre 3")
    # « 50 % » with a no-break space: never « 50 » at a line's end and « % » below
    assert lines[third + 1 : third + 4] == ["non évalué", "2,0", "50\u00a0%"]
    assert "Association intermédiaire de la…" in lines  # the legend, next to the chart
    footers = [line for line in lines if line.endswith("· page 1")]
    assert footers and footers[0].startswith("Restitution CAP RSE — Association")
    assert "…" in footers[0]
    assert _title(pdf) == f"Restitution CAP RSE — {name}"  # the full name, in the metadata


def test_every_french_character_is_printed_as_typed():
    data = dataclasses.replace(
        _data(),
        structure_name="Œuvre « Ça » — Bêta’s",
        actions=[_action(FRENCH, responsable="Zoë", commentaire="«\u202fOK\u202f»")],
    )
    pdf = restitution_pdf_bytes(data)
    lines = _shown_lines(pdf)
    assert "Œuvre « Ça » — Bêta’s" in lines
    drawn = " ".join(lines)
    assert FRENCH in drawn
    assert "Zoë" in drawn
    # the typed comment stays as typed (its narrow no-break spaces shown as no-break spaces)
    assert "Commentaire\u00a0: «\u00a0OK\u00a0»" in drawn
    assert _title(pdf) == "Restitution CAP RSE — Œuvre « Ça » — Bêta’s"
    assert b"/FontFile2" not in pdf  # Helvetica, built into every PDF reader


def test_typed_text_is_data_not_markup():
    typed = "Tab\there (parenthèse) \\ {nb} **gras**\r\nligne 2\x07"
    pdf = restitution_pdf_bytes(dataclasses.replace(_data(), actions=[_action(typed)]))
    lines = _shown_lines(pdf)
    assert "1.1.1 Tab here (parenthèse) \\ {nb} **gras**" in lines
    assert "ligne 2 , Direction, échéance 01/09/2025 (à faire)" in lines


def test_characters_beyond_winansi_switch_to_dejavu_sans():
    typed = "Objectif ≥ 3 → atteint ✓ (Ω)"
    pdf = restitution_pdf_bytes(dataclasses.replace(_data(), actions=[_action(typed)]))
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) == 2
    assert b"DejaVuSans" in pdf
    assert b"/FontFile2" in pdf  # embedded, so it shows the same everywhere
    cmaps = b"".join(s for s in _streams(pdf) if b"beginbfchar" in s)
    for char in "≥→✓Ω":
        assert f"<{ord(char):04X}>".encode() in cmaps, char


@pytest.mark.parametrize("unicode_font", [False, True])
def test_fast_text_width_matches_fpdf2(unicode_font: bool):
    """The wrapping measures words without ``get_string_width``: same numbers, or lines overflow."""
    pdf = _Document(_data(), unicode_font=unicode_font)
    pdf.add_page()
    reference = FPDF()
    reference.core_fonts_encoding = pdf.core_fonts_encoding
    if unicode_font:
        for style, font in zip(("", "B"), pdf.fonts.values(), strict=True):
            reference.add_font("ref", style, font.ttffile)
    for bold in (False, True):
        for size in (8.5, 12.5):
            pdf.use_font(size, bold=bold)
            reference.set_font("ref" if unicode_font else "helvetica", "B" if bold else "", size)
            assert _width(pdf, FRENCH) == pytest.approx(reference.get_string_width(FRENCH))
    close_fonts(pdf)
    close_fonts(reference)
