"""With ``respondents_by_role``, what the direction reads about its respondents' personal
files — its « À corriger » file and mail — names them by role and never quotes their answer.
The whole chain through the command line: generate --individuel, files typed, sync, notify."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from capsync.cli import main

from .filled_grids import editing, put
from .grid_campaign import config, write_campaign

SOPHIE = "r:sophie-marchand"
NAMES = ("sophie", "marchand")


def run(config_path: Path, *args: str) -> None:
    result = CliRunner().invoke(main, ["--config", str(config_path), *args])
    assert result.exit_code == 0, result.output


def campaign(folder: Path, *, by_role: bool) -> Path:
    cfg = config()
    cfg["collectives"][0]["respondents_by_role"] = by_role
    cfg["collectives"][0]["structures"][0]["contacts"] = ["direction@aci-une.example"]
    cfg["mail"] = {"sender": "cap@example.org"}
    write_campaign(folder, cfg=cfg)
    path = folder / "capsync.yaml"
    run(path, "generate", "--individuel")
    grids = folder / "data" / "test-na" / "grilles"
    with editing(grids / "aci-une" / "sophie-marchand.xlsx") as wb:
        put(wb["Chapitre 1"], "1.1.2", SOPHIE, "pas vraiment")  # her own answer, unreadable
    run(path, "sync")
    run(path, "notify")
    return folder / "data"


def to_fix_mail(data: Path) -> str:
    for path in sorted((data / "outbox").glob("*a-corriger*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if str(message["To"]) == "direction@aci-une.example":
            return str(message.get_body(("plain",)).get_content())
    raise AssertionError("no « À corriger » mail to the direction")


def to_fix_file(data: Path) -> str:
    book = openpyxl.load_workbook(data / "test-na" / "structures" / "aci-une" / "a-corriger.xlsx")
    return "\n".join(
        str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
        if v is not None
    )  # fmt: skip


def test_the_direction_reads_the_role_never_the_name_nor_the_answer(tmp_path: Path) -> None:
    data = campaign(tmp_path, by_role=True)
    for text in (to_fix_mail(data), to_fix_file(data)):
        assert not [n for n in NAMES if n in text.casefold()], text
        assert "pas vraiment" not in text
        assert "Direction 1" in text  # which file: by role and number
        assert "elle n'est pas citée ici" in text


def test_without_the_option_the_direction_reads_the_file_and_what_to_fix(tmp_path: Path) -> None:
    data = campaign(tmp_path, by_role=False)
    for text in (to_fix_mail(data), to_fix_file(data)):
        assert "sophie-marchand.xlsx" in text and "pas vraiment" in text
