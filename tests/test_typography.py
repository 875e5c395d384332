"""French typography in what capsync writes for people: no-break spaces before « : ; ! ? »
and inside guillemets, thousands separated, and text a person typed left exactly as typed.

The scan reads the outputs of a real cycle of the example campaign (the restitutions of a
regroupement and of the close, workbooks and PDFs, and the « À corriger » workbooks) and
removes only what a person typed in their grid before looking.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from capsync.backends.local import LocalBackend
from capsync.backends.xlsx_read import read_workbook
from capsync.campaign.validation import load_campaign
from capsync.cli import main
from capsync.french import NBSP, NNBSP, de, thousands, typeset, typography_faults
from capsync.jobs.sync import run_cycle, state_path
from capsync.layout.restitution import PERSON_COLUMNS
from capsync.layout.tables import FIRST_ROW
from capsync.store.database import Store
from capsync.store.sync_state import SyncState
from capsync.workbook.grid_schema import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    KEY_ROW,
    RESPONDENT_PREFIX,
    TITLE_ROW,
)

from .example_campaign import REPO, copy_example

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
    long = "Valeur saisie : « " + "x" * 3000 + " » ; à corriger ?"  # past what is remembered
    assert typography_faults(typeset(long)) == [] and typeset(long) == typeset(long)
    assert typeset(long).startswith(f"Valeur saisie{NBSP}: «{NBSP}x")


def test_de_elides_and_contracts_before_a_name() -> None:
    assert de("Intérim Solidaire Poitiers") == "d'Intérim Solidaire Poitiers"
    assert de("AILES Revel") == "d'AILES Revel" and de("Œuvre commune") == "d'Œuvre commune"
    assert de("Le Relais") == "du Relais"
    assert de("Les Jardins de Cocagne") == "des Jardins de Cocagne"
    assert de("La Recyclerie") == "de La Recyclerie" and de("Habitat Jeunes") == "de Habitat Jeunes"
    assert de("Le") == "de Le"  # an article alone is a name


def test_no_de_before_a_vowel_in_what_a_structure_reads(produced: tuple[Path, set[str]]) -> None:
    """« la grille d'Atelier… », never « de Atelier… », in the restitutions and the
    « À corriger » workbooks of the structures whose name starts with a vowel."""
    data, _ = produced
    campaign = load_campaign(data.parent / "config" / "capsync.yaml")
    vowel = [s.name for c in campaign.config.collectives for s in c.structures
             if de(s.name).startswith("d'")]  # fmt: skip
    assert vowel
    texts = [_pdf_text(p.read_bytes()) for p in data.glob("*/structures/*/*.pdf")]
    for book in data.glob("*/structures/*/*.xlsx"):
        texts += [str(v) for rows in read_workbook(book).values() for row in rows for v in row]
    elided = [t for t in texts for name in vowel if f"d'{name}" in t]
    assert elided  # the check below looks at texts that name them
    assert [t for t in texts for name in vowel if f"de {name}" in t] == []


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
    data, typed = produced
    books = sorted(data.glob("*/structures/*/*.xlsx"))
    assert len(books) >= 14
    assert any(book.name == "vue-groupe.xlsx" for book in books)  # a GES's consolidated view
    faults = []
    for book in books:
        for sheet, rows in read_workbook(book).items():
            person = PERSON_COLUMNS.get(sheet, ())
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if r >= FIRST_ROW and value in typed:  # a plan line, as its author typed it
                        continue
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
    assert len(pdfs) == 15  # 14 closing restitutions and the GES's consolidated view
    assert sum(pdf.name == "vue-groupe.pdf" for pdf in pdfs) == 1
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
        faults += [f"{book.name} {f}" for f in _chart_faults(book)]
    assert faults == []


def _chart_faults(book: Path) -> list[str]:
    """The charts' titles and series names (what a person typed excepted: a structure's name)."""
    faults = []
    with zipfile.ZipFile(book) as archive:
        for part in (n for n in archive.namelist() if n.startswith("xl/charts/chart")):
            xml = archive.read(part).decode("utf-8")
            for text in re.findall(r"<(?:a:t|c:v)>([^<]*)</(?:a:t|c:v)>", xml):
                faults += [f"{part}: {f}" for f in typography_faults(html.unescape(text))]
    return faults


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


_CAPSYNC_KEYS = frozenset({"id", "objectif", "critere", "question", "niveaux"})  # not typed


def _grid_faults(book: Path) -> list[str]:
    """A grid's or a personal file's texts, what people type in excepted: with a hidden key
    row, only the title, the fixed headers and the référentiel's columns; without one (the
    « Mode d'emploi », the « Niveaux par critère »), everything; and every note."""
    faults = []
    for sheet, rows in read_workbook(book).items():
        keys = [str(k) for k in rows[KEY_ROW]] if len(rows) > KEY_ROW else []
        keyed = "id" in keys or "critere" in keys
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                key = keys[c] if c < len(keys) else ""
                mine = (
                    not keyed
                    or r == TITLE_ROW
                    or (r == HEADER_ROW and not key.startswith(RESPONDENT_PREFIX))
                    or (r >= FIRST_DATA_ROW and key in _CAPSYNC_KEYS)
                )
                if isinstance(value, str) and mine:
                    faults += [f"{book.name} {sheet}: {f}" for f in typography_faults(value)]
    for ws in openpyxl.load_workbook(book).worksheets:
        for line in ws.iter_rows():
            for cell in line:
                if cell.comment is not None:
                    faults += [f"{book.name} {ws.title} note: {f}"
                               for f in typography_faults(cell.comment.text)]  # fmt: skip
    return faults


def test_every_grid_and_personal_file_is_set_in_french(produced: tuple[Path, set[str]]) -> None:
    """The grids' own texts (titles, headers, notes, « Mode d'emploi », the référentiel as
    displayed) in French spacing; the cells people type in are not capsync's to set."""
    data, _ = produced
    config = data.parent / "config" / "capsync.yaml"
    result = CliRunner().invoke(
        main, ["--config", str(config), "generate", "--individuel", "--structure", "ailes-revel"]
    )
    assert result.exit_code == 0, result.output
    grids = sorted(p for p in data.rglob("grilles/**/*.xlsx") if "sauvegardes" not in p.parts)
    assert len(grids) >= 14 and any(p.parent.name == "ailes-revel" for p in grids)
    faults = [f for grid in grids for f in _grid_faults(grid)]
    assert faults == []


def test_an_upgrade_carries_typed_text_exactly_as_typed(
    tmp_path: Path,
) -> None:
    """What a person typed with plain spaces before « : ; ? » stays byte-identical through
    ``generate --upgrade``: typography is for capsync's own texts only."""
    config = copy_example(tmp_path)
    assert CliRunner().invoke(main, ["--config", str(config), "generate"]).exit_code == 0
    grid = sorted(p for p in tmp_path.rglob("grilles/*.xlsx"))[0]
    typed = "Preuve : la charte ; voir « annexe » ?"
    book = openpyxl.load_workbook(grid)
    sheet = next(ws for ws in book.worksheets if ws.title.startswith("Chapitre"))
    keys = [c.value for c in sheet[KEY_ROW + 1]]
    cell = sheet.cell(FIRST_DATA_ROW + 1, keys.index("justification") + 1)
    cell.value = typed
    book.save(grid)
    result = CliRunner().invoke(main, ["--config", str(config), "generate", "--upgrade"])
    assert result.exit_code == 0, result.output
    again = openpyxl.load_workbook(grid)[sheet.title]
    assert again.cell(FIRST_DATA_ROW + 1, keys.index("justification") + 1).value == typed
    assert typography_faults(str(again.cell(TITLE_ROW + 1, 1).value)) == []


def test_the_sync_summary_separates_thousands(tmp_path: Path) -> None:
    """`capsync sync` after the demo counts thousands of answers: « 3 807 ajoutée(s) », the
    thousands separated by a narrow no-break space, not « 3807 »."""
    config = copy_example(tmp_path)
    said = []
    for command in (["generate"], ["demo"], ["sync"]):
        result = CliRunner().invoke(main, ["--config", str(config), *command])
        assert result.exit_code == 0, result.output
        said.append(result.output)
    summary = said[2].splitlines()[0]
    added = re.search(r"réponses[ \u00a0]: ([\d\u202f]+) ajoutée", summary)
    assert added is not None and NNBSP in added[1], summary  # the demo types thousands


_OTHER_CONVENTIONS = re.compile(
    r"\w\(e\)s\b|\w\.e\.s\b|\w/es?\b|\w·es\b|\b(?:salariés|usagers|administrateurs|encadrants|"
    r"permanents|référents|délégués|répondants)\b"
)


def test_one_inclusive_writing_convention_in_the_referentiel_and_capsync() -> None:
    """« salarié·e·s », « administrateur·rice·s » everywhere (the glossary's ·e·s), never
    « salariés », « salarié(e)s », « salarié.e.s » nor « salarié/es »."""
    sources = [
        REPO / "referentiel" / "cap-rse-exemple.yaml",
        *sorted((REPO / "capsync").rglob("*.py")),
    ]
    found = []
    for source in sources:
        for m in _OTHER_CONVENTIONS.finditer(source.read_text(encoding="utf-8")):
            found.append(f"{source.name}: {m[0]}")
    assert found == []


def test_a_heading_counts_what_follows_it() -> None:
    """« Une priorité » over one line, not « Trois priorités » over one."""
    from capsync.french import heading_for

    assert heading_for(3, "priorité", "priorités", "e") == "Trois priorités"
    assert heading_for(2, "point fort", "points forts") == "Deux points forts"
    assert heading_for(1, "priorité", "priorités", "e") == "Une priorité"
    assert heading_for(1, "point fort", "points forts") == "Un point fort"
    assert heading_for(0, "priorité", "priorités", "e") == "Priorités"
