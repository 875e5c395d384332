"""French typography in what capsync writes for people: no-break spaces before « : ; ! ? »
and inside guillemets, thousands separated, and text a person typed left exactly as typed.

The scan reads the outputs of a real cycle of the example campaign (the restitutions of a
regroupement and of the close, workbooks and PDFs, and the « À corriger » workbooks) and
removes only what a person typed in their grid before looking.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from capsync.backends.local import LocalBackend
from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.validation import load_campaign
from capsync.cli import main
from capsync.french import NBSP, NNBSP, thousands, typeset, typography_faults
from capsync.jobs.sync import run_cycle, state_path
from capsync.layout.restitution import PERSON_COLUMNS
from capsync.layout.tables import FIRST_ROW
from capsync.store.database import Store
from capsync.store.sync_state import SyncState

from .example_campaign import copy_example

_FOOTER = re.compile(r"^Restitution CAP RSE — .* · page \d+$")
_BLANKS = re.compile(r"[ \n\r\t]+")  # not the no-break spaces: they are what is checked


def test_typeset_puts_the_french_spaces_and_leaves_the_rest() -> None:
    assert typeset("Labellisation : éligible ; bravo ! « oui » ?") == (
        f"Labellisation{NBSP}: éligible{NNBSP}; bravo{NNBSP}! «{NBSP}oui{NBSP}»{NNBSP}?"
    )
    assert typeset("15:30, https://exemple.org/a?b=1 et «déjà»") == (
        f"15:30, https://exemple.org/a?b=1 et «{NBSP}déjà{NBSP}»"
    )
    assert typeset(typeset("a : b")) == typeset("a : b")  # twice changes nothing
    assert thousands(3804) == f"3{NNBSP}804" and thousands(12) == "12"
    assert typography_faults("ok : non") == ["ok : non"]
    assert typography_faults(typeset("ok : « non »")) == []


def _flat(text: str) -> str:
    return _BLANKS.sub(" ", text).strip()


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """The example campaign generated, filled and synced on 23/11/2026: Occitanie's
    regroupement restitutions and Nouvelle-Aquitaine's close restitutions; and every
    text a person typed (justifications, comments, plan rows)."""
    config = copy_example(tmp_path_factory.mktemp("typo"))
    for command in (["generate"], ["demo"]):
        result = CliRunner().invoke(main, ["--config", str(config), *command])
        assert result.exit_code == 0, result.output
    campaign = load_campaign(config)
    with Store.open(campaign.data_dir) as store, SyncState(state_path(campaign.data_dir)) as st:
        report = run_cycle(campaign, LocalBackend(campaign.data_dir), store, st,
                           now=dt.datetime(2026, 11, 23, 9, 0))  # fmt: skip
        assert report.ok, report.errors
        typed = {_flat(str(t)) for t in store.current_texts()["text"] if str(t).strip()}
        actions = store.current_actions()
        for column in ("action", "responsable", "statut", "commentaire"):
            typed |= {_flat(str(t)) for t in actions[column].dropna() if str(t).strip()}
    return campaign.data_dir, typed


def test_every_restitution_workbook_is_set_in_french(produced: tuple[Path, set[str]]) -> None:
    data, _ = produced
    books = sorted(data.glob("*/structures/*/*.xlsx"))
    assert len(books) >= 14
    faults = []
    for book in books:
        for sheet, rows in read_workbook(book).items():
            person = PERSON_COLUMNS.get(sheet, ())
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if isinstance(value, str) and (r < FIRST_ROW or c not in person):
                        faults += [f"{book.name} {sheet}: {f}" for f in typography_faults(value)]
    assert faults == []


def _pdf_text(pdf: bytes) -> str:
    """The text a PDF draws in Helvetica (WinAnsi), its no-break spaces kept (pdftotext turns
    them into plain spaces, which would hide exactly what is checked)."""
    shown = []
    for raw in re.findall(rb"stream\n(.*?)\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(raw)
        except zlib.error:
            content = raw
        for text in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            shown.append(re.sub(rb"\\(.)", lambda m: m[1], text).decode("cp1252"))
    # the page footers, drawn between the lines of a paragraph that crosses a page
    return " ".join(line for line in shown if not _FOOTER.match(line))


def test_every_restitution_pdf_is_set_in_french(produced: tuple[Path, set[str]]) -> None:
    data, typed = produced
    pdfs = sorted(data.glob("*/structures/*/*.pdf"))
    assert len(pdfs) == 14
    faults, scanned = [], 0
    for pdf in pdfs:
        text = _flat(_pdf_text(pdf.read_bytes()))
        scanned += bool(text)
        for person in sorted(typed, key=len, reverse=True):  # what a person typed stays as is
            text = text.replace(person, "")
        faults += [f"{pdf.name}: {f}" for f in typography_faults(text)]
    assert scanned >= 10  # those set in DejaVu (typed text beyond WinAnsi) draw glyph ids
    assert faults == []


def test_what_capsync_says_about_a_restitution_is_set_in_french(
    produced: tuple[Path, set[str]],
) -> None:
    data, _ = produced
    config = data.parent / "config" / "capsync.yaml"
    result = CliRunner().invoke(
        main, ["--config", str(config), "restitution", "--structure", "ailes-revel"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Restitution produite{NBSP}: ")


_OUTPUT_FOLDERS = ("grilles", "sauvegardes")  # the grids people type in are not outputs


def _outputs(data: Path, suffix: str) -> list[Path]:
    return sorted(
        p
        for p in data.rglob(f"*{suffix}")
        if not set(p.relative_to(data).parts) & set(_OUTPUT_FOLDERS)
    )


def test_every_workbook_capsync_writes_is_set_in_french(produced: tuple[Path, set[str]]) -> None:
    """Dashboards, calendars, « À corriger », restitutions, regroupement kits: every text
    capsync composed, what a person typed excepted."""
    data, typed = produced
    books = _outputs(data, ".xlsx")
    names = {p.name for p in books}
    assert {"tableau-de-bord.xlsx", "calendrier.xlsx", "chapitre-4-2026-11-26.xlsx"} <= names
    faults = []
    for book in books:
        for sheet, rows in read_workbook(book).items():
            for row in rows:
                for value in row:
                    if isinstance(value, str) and _flat(value) not in typed:
                        faults += [f"{book.name} {sheet}: {f}" for f in typography_faults(value)]
    assert faults == []


def test_every_kit_calendar_and_message_is_set_in_french(produced: tuple[Path, set[str]]) -> None:
    data, typed = produced
    config = data.parent / "config" / "capsync.yaml"
    result = CliRunner().invoke(main, ["--config", str(config), "notify"])
    assert result.exit_code == 0, result.output
    texts = {p: p.read_text(encoding="utf-8") for p in _outputs(data, ".ics")}
    texts |= {p: p.read_text(encoding="utf-8") for p in _outputs(data, ".eml")}
    assert any(p.suffix == ".eml" for p in texts) and any(p.suffix == ".ics" for p in texts)
    for pdf in _outputs(data, ".pdf"):
        if pdf.parent.name == "regroupements":
            texts[pdf] = _flat(_pdf_text(pdf.read_bytes()).replace("Kit du regroupement", "\n"))
    faults = []
    for path, text in texts.items():
        for person in sorted(typed, key=len, reverse=True):
            text = text.replace(person, "")
        faults += [f"{path.name}: {f}" for f in typography_faults(text)]
    assert faults == []
