"""On Google, through the command line and the test server: what a command prints is the
link of the file it wrote, the files uploaded beside the workbooks are named as a person
opening the folder expects (and found again, whatever their name), and a root folder
Drive does not know is an admin's error, not an empty campaign."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from google.oauth2.credentials import Credentials

from capsync.backends.google import GoogleBackend
from capsync.backends.google.listing import PROP_KEY, app_properties
from capsync.backends.google.root_folder import RootFolderMissing
from capsync.backends.local import LocalBackend
from capsync.campaign.config import Config, GoogleSettings
from capsync.campaign.validation import load_campaign
from capsync.cli import main
from capsync.jobs.generate import generate
from capsync.jobs.structure_calendars import structure_calendar_ref
from capsync.workbook.refs import Kind, WorkbookRef, restitution_ref
from tests.google_api.fixtures import GoogleApi
from tests.google_api.state import SPREADSHEET_MIME, DriveFile

from .french_output import plain
from .test_google_audit_folders import _on_shared_drive
from .test_google_backend import NOW, SA, campaign

COLLECTIVE = "test-na"
SERVICE_ACCOUNT = "capsync@p.iam.gserviceaccount.com"  # the CLI's key (tests/test_google_failures)
SHEET_LINK = re.compile(r"https://docs\.google\.com/spreadsheets/d/([^/\s]+)")
FILE_LINK = re.compile(r"https://drive\.google\.com/file/d/([^/\s]+)/view")
KIT = "chapitre-1-2025-06-11"  # the test collectif's regroupement of chapter 1
CALENDAR = structure_calendar_ref(COLLECTIVE, "aci-une")
RESTITUTION = restitution_ref(COLLECTIVE, "aci-une", "restitution-chapitre-2-2026-03-03")


def on_drive(google_api: GoogleApi, tmp_path: Path) -> Path:
    """The CLI's configuration of a campaign generated on a shared drive, with its data
    folder (the store), as ``capsync generate`` leaves them."""
    config_path, _ = _on_shared_drive(google_api, tmp_path)
    load_campaign(config_path).data_dir.mkdir(parents=True, exist_ok=True)
    return config_path


def run(config_path: Path, *args: str) -> Result:
    result = CliRunner().invoke(main, ["--config", str(config_path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def printed(result: Result, start: str) -> str:
    """What the line starting with ``start`` says after it."""
    (line,) = [li for li in plain(result.output).splitlines() if li.startswith(start)]
    return line.removeprefix(start)


def spent(api: GoogleApi, before: Counter[str]) -> Counter[str]:
    return Counter(api.stats.by_method) - before


def in_folder(api: GoogleApi, folder_id: str) -> dict[str, DriveFile]:
    return {f.name: f for f in api.state.files.values() if folder_id in f.parents}


def set_root(config_path: Path, root: str) -> None:
    cfg = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    cfg["backend"]["google"]["root_folder_id"] = root
    config_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")


# 1. the links the command line prints -------------------------------------------------
def test_regroupement_prints_the_links_of_its_sheet_and_of_its_pdf_on_drive(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    config_path = on_drive(google_api, tmp_path)
    before = Counter(google_api.stats.by_method)
    result = run(config_path, "regroupement", "--collective", COLLECTIVE, "--chapitre", "1")
    assert result.exit_code == 0, result.output
    sheet = SHEET_LINK.fullmatch(printed(result, "Kit du regroupement produit : "))
    pdf = FILE_LINK.fullmatch(printed(result, "Son PDF : "))
    assert sheet and pdf, result.output
    book, made = google_api.state.files[sheet[1]], google_api.state.files[pdf[1]]
    assert book.mime_type == SPREADSHEET_MIME and book.name.endswith(f"[{KIT}]")
    assert (made.name, made.mime_type) == (f"{KIT}.pdf", "application/pdf")
    assert made.content and made.content.startswith(b"%PDF")
    assert made.parents == book.parents  # beside its sheet, in « Regroupements »
    # the links come from what the writes answered: not one request more to learn them
    assert spent(google_api, before)["files.get"] == 0


def test_reseau_prints_the_sheet_s_link_written_or_unchanged(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    config_path = on_drive(google_api, tmp_path)
    written = run(config_path, "reseau")
    assert written.exit_code == 0, written.output
    link = printed(written, "Vue réseau écrite : ")
    found = SHEET_LINK.fullmatch(link)
    assert found, written.output
    view = google_api.state.files[found[1]]
    assert view.mime_type == SPREADSHEET_MIME and view.name.endswith("[reseau]")
    again = run(config_path, "reseau")  # same content: not rewritten, the same link said
    assert again.exit_code == 0, again.output
    assert printed(again, "Vue réseau inchangée : ") == link


# 2. the names of the uploaded files ---------------------------------------------------
@pytest.fixture
def backend(google_api: GoogleApi, tmp_path: Path) -> GoogleBackend:
    """The test campaign's grids on a shared drive (so its folders exist)."""
    camp = campaign(tmp_path)
    root = google_api.state.add_shared_drive_folder("CAP RSE 2026")
    made = fresh(google_api, camp.config, root)
    generate(camp, made, workers=1, now=NOW)
    return made


def fresh(api: GoogleApi, config: Config | None, root: str) -> GoogleBackend:
    """A backend as a new process opens it: nothing known of the tree yet."""
    settings = GoogleSettings(endpoint=api.url, root_folder_id=root, requests_per_minute=50)
    return GoogleBackend(settings, Credentials(token="t"), config=config,
                         service_account_email=SA, clock=api.clock,
                         sleep=api.clock.advance)  # fmt: skip


def again(api: GoogleApi, backend: GoogleBackend) -> GoogleBackend:
    return fresh(api, backend.config, backend.root)


@pytest.mark.parametrize(
    ("ref", "extension", "name"),
    [
        (CALENDAR, "ics", "calendrier.ics"),
        (RESTITUTION, "pdf", "restitution-chapitre-2-2026-03-03.pdf"),
        (WorkbookRef(COLLECTIVE, Kind.CALENDAR), "ics", "calendrier.ics"),
        (WorkbookRef(COLLECTIVE, Kind.REGROUPEMENT, KIT), "pdf", f"{KIT}.pdf"),
    ],
)
def test_an_uploaded_file_has_the_local_name_and_is_replaced_in_place(
    google_api: GoogleApi,
    backend: GoogleBackend,
    tmp_path: Path,
    ref: WorkbookRef,
    extension: str,
    name: str,
) -> None:
    assert LocalBackend(tmp_path / "local").path(ref).with_suffix(f".{extension}").name == name
    backend.write_file(ref, extension, b"first")
    folder = backend.parent(ref)
    made = in_folder(google_api, folder)[name]
    assert made.content == b"first" and made.app_properties[PROP_KEY] == ref.name
    link = FILE_LINK.fullmatch(backend.file_location(ref, extension))
    assert link and link[1] == made.id  # the link a message gives: the file's own

    before = Counter(google_api.stats.by_method)
    backend.write_file(ref, extension, b"second")  # the next cycle's: ONE request
    assert spent(google_api, before) == Counter({"files.update": 1})
    later = again(google_api, backend)  # a new process, the listing read anew
    later.write_file(ref, extension, b"third")
    kept = [f for f in google_api.state.files.values() if folder in f.parents
            and f.name.endswith(f".{extension}")]  # fmt: skip
    assert [(f.id, f.name, f.content) for f in kept] == [(made.id, name, b"third")]


def test_a_file_uploaded_under_its_key_is_found_and_renamed_when_written(
    google_api: GoogleApi, backend: GoogleBackend
) -> None:
    folder = backend.structure_folder(COLLECTIVE, "aci-une")
    # as capsync named them before: the calendar with its properties, and a PDF from
    # before the properties, known by its name and folder only
    props = app_properties(backend.root, CALENDAR, shared=True)
    old = backend.drive.upload("aci-une/calendrier.ics", "text/calendar", b"old", [folder],
                               None, props)  # fmt: skip
    older = backend.drive.upload(f"{RESTITUTION.name}.pdf", "application/pdf", b"old", [folder])
    files = len(google_api.state.files)
    later = again(google_api, backend)
    before = Counter(google_api.stats.by_method)
    later.write_file(CALENDAR, "ics", b"BEGIN:VCALENDAR")
    later.write_file(RESTITUTION, "pdf", b"%PDF-1.4")
    assert spent(google_api, before) == Counter({"files.list": 1, "files.update": 2})
    assert len(google_api.state.files) == files  # nothing made beside them
    renamed = google_api.state.files[old["id"]], google_api.state.files[older["id"]]
    assert [(f.name, f.content) for f in renamed] == [
        ("calendrier.ics", b"BEGIN:VCALENDAR"),
        ("restitution-chapitre-2-2026-03-03.pdf", b"%PDF-1.4"),
    ]
    assert renamed[1].app_properties == {  # now known by its properties, whatever its name
        k: v for k, v in app_properties(backend.root, RESTITUTION, True).items()
        if k != "capsyncShared"}  # fmt: skip
    backend.drive.update(older["id"], {"name": "Restitution ACI Une.pdf"})  # a person's
    again(google_api, backend).write_file(RESTITUTION, "pdf", b"%PDF-1.5")
    assert len(google_api.state.files) == files
    assert (renamed[1].name, renamed[1].content) == (
        "restitution-chapitre-2-2026-03-03.pdf", b"%PDF-1.5")  # fmt: skip


# 3. a root folder Drive does not know ---------------------------------------------------
UNKNOWN_ROOT = "1AbCdEfGhIjKlMnOpQrStUvWxYz-inconnu"  # a mistyped id


def _unknown_root(google_api: GoogleApi) -> str:
    return UNKNOWN_ROOT


def _unshared_root(google_api: GoogleApi) -> str:
    root = google_api.state.add_shared_drive_folder("CAP RSE 2026 (autre drive)")
    google_api.state.files[root].foreign = True  # the service account was never added
    return root


@pytest.mark.parametrize("wrong", [_unknown_root, _unshared_root], ids=["unknown", "unshared"])
@pytest.mark.parametrize("ran_before", [False, True], ids=["first-sync", "after-syncs"])
def test_sync_with_a_root_drive_does_not_show_says_what_to_check_and_exits_1(
    google_api: GoogleApi, tmp_path: Path, wrong: Callable[[GoogleApi], str], ran_before: bool
) -> None:
    config_path = on_drive(google_api, tmp_path)
    if ran_before:  # grids read: the cycle itself meets the wrong root
        assert run(config_path, "sync").exit_code == 0
    root = wrong(google_api)
    set_root(config_path, root)
    before = Counter(google_api.stats.by_method)
    result = run(config_path, "sync")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    said = plain(result.output)
    assert (
        f"Le dossier racine de la campagne (backend.google.root_folder_id : « {root} ») est "
        "introuvable sur Google Drive (Google a répondu 404) : vérifiez qu'il est partagé "
        f"avec le compte de service ({SERVICE_ACCOUNT}), comme « Gestionnaire de contenu » de "
        "son drive partagé, et que l'identifiant est bien celui copié de l'adresse du dossier "
        "(https://drive.google.com/drive/folders/<identifiant>). Rien n'a été lu ni écrit ; "
        "« capsync check --google » vérifie la configuration."
    ) in said
    assert said.count("introuvable sur Google Drive") == 1  # said once, not per collectif
    drive = {k: v for k, v in spent(google_api, before).items() if k != "oauth2.token"}
    # one listing, one files.get of the root (answered 404), then nothing more
    assert drive == {"files.list": 1, "drive.error": 1}


def test_a_root_that_is_a_file_or_in_the_trash_is_said(
    google_api: GoogleApi, backend: GoogleBackend
) -> None:
    grid = backend.file_id(WorkbookRef(COLLECTIVE, Kind.GRID, "aci-une"))
    assert grid is not None
    with pytest.raises(RootFolderMissing, match="désigne un fichier, pas un dossier"):
        fresh(google_api, backend.config, grid).versions(COLLECTIVE, Kind.GRID)
    empty = google_api.state.add_shared_drive_folder("Vide")
    google_api.state.files[empty].trashed = True
    with pytest.raises(RootFolderMissing, match="est dans la corbeille de Google Drive"):
        fresh(google_api, backend.config, empty).versions(COLLECTIVE, Kind.GRID)


def test_an_empty_root_is_a_new_campaign_asked_about_once(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    config_path = on_drive(google_api, tmp_path)
    set_root(config_path, google_api.state.add_shared_drive_folder("CAP RSE 2027"))
    before = Counter(google_api.stats.by_method)
    result = run(config_path, "sync")  # nothing generated there yet: the usual advice
    assert result.exit_code == 1
    assert "lancez d'abord « capsync generate »" in plain(result.output)
    assert "root_folder_id" not in result.output
    assert spent(google_api, before)["files.get"] == 1
    generated = run(config_path, "generate")  # and it works there
    assert generated.exit_code == 0, generated.output


def test_a_campaign_with_files_never_asks_for_its_root(
    google_api: GoogleApi, backend: GoogleBackend
) -> None:
    before = Counter(google_api.stats.by_method)
    later = again(google_api, backend)
    later.versions(COLLECTIVE, Kind.GRID)
    later.refresh()
    assert spent(google_api, before) == Counter({"files.list": 2})


def test_the_daemon_reports_a_wrong_root_at_each_cycle_and_goes_on(
    google_api: GoogleApi, tmp_path: Path
) -> None:
    config_path = on_drive(google_api, tmp_path)
    set_root(config_path, UNKNOWN_ROOT)
    before = Counter(google_api.stats.by_method)
    result = run(config_path, "daemon", "--every", "1s", "--max-cycles", "2")
    assert result.exit_code == 0, result.output
    drive = {k: v for k, v in spent(google_api, before).items() if k != "oauth2.token"}
    assert drive == {"files.list": 2, "drive.error": 2}  # each cycle asks again, once
    status = run(config_path, "status")
    said = plain(status.output)
    assert "cycles effectués : 2" in said
    assert "backend.google.root_folder_id" in said and "en erreur" in said
