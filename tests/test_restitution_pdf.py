"""The restitution PDF: written atomically, two pages or more, named after the structure."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

from capsync.layout.restitution import build_restitution
from capsync.layout.restitution_data import ActionLine
from capsync.restitution_pdf import write_restitution_pdf
from tests import layout_campaign as lc


def _data():
    return build_restitution(
        lc.collective(),
        lc.referentiel(),
        "beta",
        lc.scores(),
        today=lc.TODAY,
        actions=lc.actions(),
        answers=lc.answers(),
        texts=lc.texts(),
    )


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_pdf_has_scores_page_then_text_pages(tmp_path: Path):
    path = tmp_path / "restitutions" / "beta.pdf"
    write_restitution_pdf(_data(), path)
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) == 2
    assert "Restitution CAP RSE — @Bêta Services".encode("utf-16-be") in pdf  # /Title
    assert sorted(p.name for p in path.parent.iterdir()) == ["beta.pdf"]  # no temp file left


def test_a_long_plan_flows_onto_more_pages(tmp_path: Path):
    action = ActionLine(
        criterion="1.1.1",
        action="Réécrire le projet associatif avec les équipes, le CA et les salarié·e·s en "
        "parcours, puis le présenter à chaque nouvel arrivant et aux partenaires du territoire.",
        responsable="Direction",
        echeance=dt.date(2025, 9, 1),
        statut="à faire",
        commentaire="",
        late=False,
    )
    data = dataclasses.replace(_data(), actions=[action] * 60)
    path = tmp_path / "beta.pdf"
    path.write_bytes(b"old version")
    write_restitution_pdf(data, path)
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) >= 4
