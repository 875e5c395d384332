"""What a sync logs when a collectif fails: capsync's own errors on one French line, bugs with
their traceback.

A :class:`~capsync.errors.CapsyncError` already says in French what went wrong and what
to do; its traceback printed above the summary only buried that. An unexpected exception
is a bug: its traceback stays in the log, where the summary sends the admin.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from capsync.backends.local import LocalBackend
from capsync.campaign.validation import Campaign
from capsync.errors import CapsyncError
from capsync.jobs import sync
from capsync.jobs.cycle_refresh import Refresh, write_collective_files
from capsync.jobs.generate import generate
from capsync.jobs.sync import run_cycle
from capsync.store.database import Store
from capsync.store.sync_state import SyncState

from .french_output import plain
from .grid_campaign import config, write_campaign

FIRST, SECOND = "test-na", "test-oc"
NOW = dt.datetime(2026, 3, 2, 9, 0)
DASHBOARD = "tableau-de-bord.xlsx"


def two_collectives(folder: Path) -> Campaign:
    """The test campaign with a second collectif of two structures, its grids generated."""
    cfg = config()
    other = copy.deepcopy(cfg["collectives"][0])
    other.update(id=SECOND, name="Second collectif", region="Occitanie")
    for structure, sid in zip(other["structures"], ("aci-trois", "ai-quatre"), strict=True):
        structure.update(id=sid, name=sid.replace("-", " ").title())
    cfg["collectives"].append(other)
    campaign = write_campaign(folder, cfg=cfg)
    generate(campaign, LocalBackend(campaign.data_dir), workers=1, now=NOW)
    return campaign


def test_a_collectif_whose_outputs_cannot_be_written_is_one_french_line_no_traceback(
    tmp_path: Path,
) -> None:
    campaign = two_collectives(tmp_path)
    data = campaign.data_dir
    blocked = data / FIRST / "structures"  # a file where the structures' folders go: no
    blocked.write_text("pas un dossier", encoding="utf-8")  # mkdir under it, even as root

    result = subprocess.run(
        [sys.executable, "-m", "capsync", "--config", str(campaign.config_path), "sync"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()  # one line in the log, nothing above it
    assert line.startswith(f"ERROR capsync: collective {FIRST} failed: Impossible d'utiliser ")
    assert f" {blocked}/" in line
    assert line.endswith(
        "(un élément du chemin est un fichier et non un dossier) : vérifiez ce fichier et son "
        "dossier, puis relancez la commande."
    )
    said = plain(result.stdout).splitlines()
    assert "1 collectif en erreur" in said[0]
    assert [s for s in said if s.startswith(f"Collectif {FIRST} : ")] == [
        f"Collectif {FIRST} : {line.split(' failed: ', 1)[1]}"
    ]
    assert (data / SECOND / DASHBOARD).is_file()  # the other collectif is written all the same
    assert blocked.read_text(encoding="utf-8") == "pas un dossier"


def _fail_first(error: Exception) -> Callable[[Refresh, dt.datetime], object]:
    """``write_collective_files`` failing with ``error`` for the first collectif only."""

    def writing(started: Refresh, now: dt.datetime) -> object:
        if started.collective.id == FIRST:
            raise error
        return write_collective_files(started, now)

    return writing


@pytest.mark.parametrize(
    ("error", "traceback", "cause"),
    [
        (
            RuntimeError("index hors limites"),
            True,
            "erreur inattendue (RuntimeError : index hors limites), détails dans le journal",
        ),
        (
            CapsyncError("Le dossier est plein."),
            False,
            "Le dossier est plein.",
        ),
    ],
)
def test_a_bug_keeps_its_traceback_in_the_log_a_capsync_error_does_not(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    traceback: bool,
    cause: str,
) -> None:
    campaign = two_collectives(tmp_path)
    monkeypatch.setattr(sync, "write_collective_files", _fail_first(error))
    backend = LocalBackend(campaign.data_dir)
    caplog.set_level(logging.WARNING, logger="capsync")  # what an admin sees without -v

    with (
        Store.open(campaign.data_dir) as store,
        SyncState(sync.state_path(campaign.data_dir)) as st,
    ):
        report = run_cycle(campaign, backend, store, st, now=NOW)

    assert report.errors[FIRST] == cause
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.getMessage() == (
        f"collective {FIRST} failed" if traceback else f"collective {FIRST} failed: {cause}"
    )
    assert (record.exc_info is not None) == traceback
    assert (campaign.data_dir / SECOND / DASHBOARD).is_file()


def test_a_network_view_that_cannot_be_written_is_one_french_line_no_traceback(
    tmp_path: Path,
) -> None:
    """The network step fails after the collectifs are written: its capsync error is said on
    one line, like a collectif's (it used to print its whole traceback above the summary)."""
    cfg = config()
    cfg["national"] = [{"name": "Hélène Moreau", "email": "helene.moreau@coorace.example"}]
    campaign = write_campaign(tmp_path, cfg=cfg)
    generate(campaign, LocalBackend(campaign.data_dir), workers=1, now=NOW)
    blocked = campaign.data_dir / "reseau"  # a file where the network view's folder goes
    blocked.write_text("pas un dossier", encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "capsync", "--config", str(campaign.config_path), "sync"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert "Traceback" not in result.stderr, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("ERROR capsync: network workbook failed: Impossible d'utiliser ")
    assert (campaign.data_dir / FIRST / DASHBOARD).is_file()  # the collectif is written
