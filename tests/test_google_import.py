"""Mixed entry: a structure on Google Sheets sends back an Excel or LibreOffice file.

The returned file is read like a local grid, recorded by the ownership rules, and its
answers are typed into the structure's live Google Sheet — into empty cells only: a
cell where a person typed something else keeps it, and the conflict is an anomaly
naming both files. Checked as people would: the Sheet read back through the API.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gspread
import pytest
from google.oauth2.credentials import Credentials

from capsync.backends.google import GoogleBackend
from capsync.backends.google.cell_writes import raw_value, values_body
from capsync.backends.google.http import sheets_client
from capsync.backends.local import LocalBackend
from capsync.campaign.validation import Campaign
from capsync.cli.grids_import import imported_line
from capsync.errors import BackendError, ImportRefused
from capsync.jobs.generate import generate
from capsync.jobs.import_grids import import_grid
from capsync.jobs.pull import pull
from capsync.parse.answers import AnomalyKind
from capsync.parse.sheet_patch import typed_value
from capsync.store.database import Store
from capsync.workbook.grid_schema import PLAN_SHEET
from capsync.workbook.refs import Kind, WorkbookRef
from tests.google_api.fixtures import GoogleApi

from .filled_grids import editing, find_col, find_row, put
from .test_google_backend import NOW, campaign, fill_google, google, locate

LATER = NOW + dt.timedelta(hours=2)
SOPHIE, KARIM = "r:sophie-marchand", "r:karim-benali"


@dataclass
class Mixed:
    camp: Campaign
    backend: GoogleBackend
    store: Store
    local: LocalBackend  # where the structures' offline copies come from
    person: gspread.Client
    inbox: Path

    def ref(self, structure: str) -> WorkbookRef:
        return WorkbookRef("test-na", Kind.GRID, structure)

    def offline_copy(self, structure: str, name: str) -> Path:
        """The grid as a structure downloads it to fill offline (an .xlsx capsync made)."""
        self.inbox.mkdir(exist_ok=True)
        copy = self.inbox / name
        shutil.copy(self.local.path(self.ref(structure)), copy)
        return copy

    def sheet(self, structure: str, sheet: str) -> list[list[str]]:
        """What a person sees in the Google Sheet."""
        book = self.person.open_by_key(self.backend.file_id(self.ref(structure)))
        return book.worksheet(sheet).get_all_values()

    def seen(self, structure: str, sheet: str, criterion: str, key: str) -> str:
        raw = self.backend.read(self.ref(structure))
        row, col = locate(raw[sheet], criterion, key)
        rows = self.sheet(structure, sheet)
        return rows[row][col] if row < len(rows) and col < len(rows[row]) else ""

    def current(self, structure: str) -> dict[tuple[str, str], str]:
        return self.store.structure_cells("test-na", structure)


@pytest.fixture
def mixed(google_api: GoogleApi, tmp_path: Path) -> Iterator[Mixed]:
    camp = campaign(tmp_path)
    backend = google(google_api, camp)
    generate(camp, backend, workers=1, now=NOW)
    fill_google(google_api, backend)  # aci-une: Sophie 3 and Karim 2 on 1.1.1, retenu 3…
    local = LocalBackend(tmp_path / "hors-ligne")
    generate(camp, local, workers=1, now=NOW)
    person = sheets_client(Credentials(token="structure"), endpoint=google_api.url)
    with Store(tmp_path / "capsync.sqlite") as store:
        pull(camp, backend, store, now=NOW)
        yield Mixed(camp, backend, store, local, person, tmp_path / "courriel")


def test_an_excel_copy_fills_the_google_grid_and_a_conflict_is_shown_not_written(
    google_api: GoogleApi, mixed: Mixed
) -> None:
    copy = mixed.offline_copy("aci-une", "Grille ACI remplie hors ligne.xlsx")
    with editing(copy) as wb:
        ws = wb["Chapitre 1"]
        put(ws, "1.1.2", KARIM, 4)  # empty on Google: brought in
        put(ws, "1.2.1", "justification", "Procédure écrite, validée en CA")
        put(ws, "1.1.1", SOPHIE, 1)  # Google says 3: a conflict, the Sheet keeps 3
        plan = wb[PLAN_SHEET]
        row = find_row(plan, "critere") + 2  # the first row of the plan
        plan.cell(row, find_col(plan, "action")).value = "Former l'équipe à l'accueil"
        plan.cell(row, find_col(plan, "statut")).value = "à faire"
        plan.cell(row, find_col(plan, "echeance")).value = dt.date(2026, 6, 30)

    done = import_grid(copy, mixed.camp, mixed.backend, mixed.store, now=LATER)

    url = mixed.backend.location(mixed.ref("aci-une"))
    assert imported_line(done) == (
        f"Grille ACI remplie hors ligne.xlsx → {url} (fusionnée avec les réponses déjà relevées)."
    )
    assert mixed.seen("aci-une", "Chapitre 1", "1.1.2", KARIM) == "4"
    assert mixed.seen("aci-une", "Chapitre 1", "1.2.1", "justification") == (
        "Procédure écrite, validée en CA"
    )
    assert mixed.seen("aci-une", "Chapitre 1", "1.1.1", SOPHIE) == "3"  # never overwritten
    plan_rows = mixed.sheet("aci-une", PLAN_SHEET)
    assert [v for v in plan_rows[row - 1] if v in ("Former l'équipe à l'accueil", "à faire")] == [
        "Former l'équipe à l'accueil",
        "à faire",
    ]
    (conflict,) = [a for a in done.anomalies if a.kind == AnomalyKind.CONFLICTING_COPIES]
    assert "« Grille ACI remplie hors ligne.xlsx » indique « 1 »" in conflict.message
    assert f"alors que « {url} » indiquait « 3 »" in conflict.message
    shown = mixed.store.current_anomalies("test-na")
    assert AnomalyKind.CONFLICTING_COPIES in set(shown["kind"])

    # the next pull reads back what was typed: nothing new, nothing counted twice
    again = pull(mixed.camp, mixed.backend, mixed.store, now=LATER + dt.timedelta(minutes=15))
    assert (again.read, again.added, again.changed, again.removed) == (1, 0, 0, 0)
    assert not [a for a in again.anomalies if a.kind == AnomalyKind.CONFLICTING_COPIES]
    cells = mixed.current("aci-une")
    assert cells[("1.1.2", KARIM)] == "4" and cells[("1.1.1", KARIM)] == "2"
    actions = mixed.store.current_actions("test-na")
    assert list(actions["action"]).count("Former l'équipe à l'accueil") == 1


def test_a_libreoffice_copy_is_read_by_content_and_fills_the_google_grid(
    google_api: GoogleApi, mixed: Mixed, tmp_path: Path
) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    copy = mixed.offline_copy("ai-deux", "retour-ai.xlsx")
    with editing(copy) as wb:
        put(wb["Chapitre 1"], "1.1.1", "r:1", 3)
        put(wb["Chapitre 2"], "2.1.1", "retenu", 2)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "ods", "--outdir", str(mixed.inbox), str(copy)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    ods = mixed.inbox / "retour-ai.ods"
    ods.rename(mixed.inbox / "retour AI (LibreOffice).xlsx")  # a name that lies: read by content

    done = import_grid(mixed.inbox / "retour AI (LibreOffice).xlsx", mixed.camp,
                       mixed.backend, mixed.store, now=LATER)  # fmt: skip

    assert done.merged and done.backup is None and done.anomalies == ()
    assert mixed.seen("ai-deux", "Chapitre 1", "1.1.1", "r:1") == "3"
    assert mixed.seen("ai-deux", "Chapitre 2", "2.1.1", "retenu") == "2"
    assert mixed.seen("ai-deux", "Chapitre 1", "1.1.3", "retenu") == "2"  # the Sheet's own
    cells = mixed.current("ai-deux")
    assert cells[("1.1.1", "r:1")] == "3" and cells[("2.1.1", "retenu")] == "2"


def test_a_cell_typed_in_the_sheet_just_before_the_import_keeps_the_person_s_value(
    google_api: GoogleApi, mixed: Mixed
) -> None:
    copy = mixed.offline_copy("aci-une", "copie.xlsx")
    with editing(copy) as wb:
        put(wb["Chapitre 1"], "1.2.1", SOPHIE, 4)
        put(wb["Chapitre 1"], "1.1.2", KARIM, 1)
    # Sophie types 2 on 1.2.1 in the browser after the last sync, while her copy says 4
    raw = mixed.backend.read(mixed.ref("aci-une"))
    book = mixed.person.open_by_key(mixed.backend.file_id(mixed.ref("aci-une")))
    row, col = locate(raw["Chapitre 1"], "1.2.1", SOPHIE)
    book.worksheet("Chapitre 1").update_cell(row + 1, col + 1, "2")

    done = import_grid(copy, mixed.camp, mixed.backend, mixed.store, now=LATER)

    assert mixed.seen("aci-une", "Chapitre 1", "1.2.1", SOPHIE) == "2"  # the person's
    assert mixed.seen("aci-une", "Chapitre 1", "1.1.2", KARIM) == "1"  # empty: brought in
    assert done.location == mixed.backend.location(mixed.ref("aci-une"))
    # the pull before the import read the person's 2: the copy's 4 replaced it in the store,
    # and the conflict names both files
    (conflict,) = [a for a in done.anomalies if a.kind == AnomalyKind.CONFLICTING_COPIES]
    assert "« copie.xlsx » indique « 4 »" in conflict.message


def test_importing_into_a_grid_not_yet_on_drive_is_refused_and_nothing_recorded(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    camp = campaign(tmp_path)
    local = LocalBackend(tmp_path / "hors-ligne")
    generate(camp, local, workers=1, now=NOW)
    backend = google(google_api, camp)
    with Store(tmp_path / "capsync.sqlite") as store, pytest.raises(ImportRefused) as refused:
        import_grid(local.path(WorkbookRef("test-na", Kind.GRID, "aci-une")), camp, backend,
                    store, now=NOW)  # fmt: skip
    assert str(refused.value) == (
        "aci-une.xlsx : la grille de « aci-une » n'existe pas encore sur google : lancez "
        "« capsync generate », puis relancez l'import."
    )


def test_a_local_backend_never_types_cells_and_values_go_raw(tmp_path: Path) -> None:
    local = LocalBackend(tmp_path)
    with pytest.raises(BackendError, match="il se remplace en entier"):
        local.write_cells(WorkbookRef("c", Kind.GRID, "s"), {("Chapitre 1", 3, 5): 2})
    body = values_body({("Plan de progrès", 4, 3): dt.date(2026, 6, 30),
                        ("L'onglet", 0, 0): "=IMPORTXML(\"x\")"})  # fmt: skip
    assert body["valueInputOption"] == "RAW"  # text stays text, never a formula
    assert [d["range"] for d in body["data"]] == ["'L''onglet'!A1", "'Plan de progrès'!D5"]
    assert raw_value(dt.time(12, 0)) == 0.5 and raw_value(None) == ""
    assert typed_value(SOPHIE, "0,5") == 0.5 and typed_value("retenu", "3") == 3
    assert typed_value(SOPHIE, "NA") == "NA" and typed_value("justification", "3") == "3"
