"""``capsync nouvelle-campagne`` never starts again a campaign the structure went through.

Starting « 2027-2028 » again after « 2025-2026 » would overwrite its record (its
answers would drop out of ``history``) and leave the structure stuck (its archive
exists). It is refused, naming the campaigns in order; nothing changes. And a
structure asked with the wrong ``--collective`` is said to belong to its own.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from capsync.backends.local import LocalBackend
from capsync.campaign.validation import Campaign, load_campaign
from capsync.cli import main
from capsync.errors import CapsyncError
from capsync.jobs.generate import generate
from capsync.jobs.new_campaign import Started, start_new_campaigns
from capsync.jobs.pull import pull
from capsync.store.campaigns import campaign_records, start_campaign
from capsync.store.database import Store

from .filled_grids import COLLECTIVE, editing, grid_path, put
from .french_output import plain
from .grid_campaign import config, write_campaign

T0 = dt.datetime(2025, 9, 1, 10, 0)
T1 = dt.datetime(2026, 3, 1, 9, 30)
T2 = dt.datetime(2027, 9, 15, 10, 0)
T3 = dt.datetime(2027, 10, 1, 11, 0)


def _config(aci_campaign: str) -> dict[str, Any]:
    cfg = config()
    cfg["campaign"] = "2027-2028"
    cfg["collectives"][0]["structures"][0]["campaign"] = aci_campaign
    return cfg


def _name(campaign: Campaign, aci_campaign: str) -> Campaign:
    """The admin names aci-une's campaign in the configuration (capsync never does)."""
    text = yaml.safe_dump(_config(aci_campaign), allow_unicode=True)
    campaign.config_path.write_text(text, encoding="utf-8")
    return load_campaign(campaign.config_path)


def _cli(campaign: Campaign, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", str(campaign.config_path), *args])
    return result.exit_code, plain(result.stdout), plain(result.stderr)


def _there_and_back(tmp_path: Path) -> tuple[Campaign, LocalBackend]:
    """aci-une: « 2027-2028 » assessed, then « 2025-2026 » started."""
    campaign = write_campaign(tmp_path, cfg=_config("2027-2028"))
    backend = LocalBackend(campaign.data_dir)
    generate(campaign, backend, workers=1, now=T0)
    with editing(grid_path(backend, "aci-une")) as wb:
        put(wb["Chapitre 1"], "1.1.1", "retenu", 2)
        put(wb["Chapitre 1"], "1.1.1", "justification", "Premier projet écrit.")
    with Store.open(campaign.data_dir) as store:
        pull(campaign, backend, store, now=T1, workers=1)
    campaign = _name(campaign, "2025-2026")
    code, out, err = _cli(campaign, "nouvelle-campagne", "--structure", "aci-une")
    assert (code, err) == (0, ""), out
    return campaign, backend


def _records(campaign: Campaign) -> list[tuple[str, str, int, str, str | None]]:
    with Store.open(campaign.data_dir) as store:
        found = campaign_records(store, COLLECTIVE)
    return [(r.structure, r.campaign, r.first_reading, r.started_at, r.previous) for r in found]


def test_going_back_to_a_campaign_already_gone_through_is_refused(tmp_path: Path) -> None:
    campaign, backend = _there_and_back(tmp_path)
    campaign = _name(campaign, "2027-2028")
    grid = grid_path(backend, "aci-une")
    before, records = grid.read_bytes(), _records(campaign)
    with sqlite3.connect(campaign.data_dir / "capsync.sqlite") as conn:
        archived = conn.execute("SELECT * FROM campaign_archive ORDER BY campaign").fetchall()
    archives = sorted(p.name for p in (campaign.data_dir / COLLECTIVE).rglob("archives/*/*"))

    code, out, err = _cli(campaign, "nouvelle-campagne", "--structure", "aci-une")

    assert code == 1
    assert out == "Nouvelle campagne : 0 structure(s) passée(s) à leur nouvelle campagne.\n"
    assert err == (
        "  test-na/aci-une : La structure « aci-une » a déjà suivi la campagne « 2027-2028 » "
        "(ses campagnes, dans l'ordre : « 2027-2028 » puis « 2025-2026 », la dernière en "
        "cours) : une campagne ne recommence pas. Nommez dans la configuration sa campagne "
        "en cours ou une nouvelle campagne. Rien n'a été changé.\n"
    )
    assert grid.read_bytes() == before and _records(campaign) == records
    assert [r[1] for r in records] == ["2027-2028", "2025-2026"]
    with sqlite3.connect(campaign.data_dir / "capsync.sqlite") as conn:
        assert conn.execute("SELECT * FROM campaign_archive ORDER BY campaign").fetchall() == (
            archived
        )
    assert sorted(p.name for p in (campaign.data_dir / COLLECTIVE).rglob("archives/*/*")) == (
        archives
    )
    # the first campaign's answers are still its own in the history
    code, history, _ = _cli(campaign, "history", "--structure", "aci-une", "--campaign",
                            "2027-2028")  # fmt: skip
    assert code == 0 and "Premier projet écrit." in history


def test_the_structure_can_still_go_on_to_a_new_campaign(tmp_path: Path) -> None:
    campaign, backend = _there_and_back(tmp_path)
    campaign = _name(campaign, "2029-2030")

    with Store.open(campaign.data_dir) as store:
        summary = start_new_campaigns(campaign, backend, store, structure="aci-une", now=T3)

    assert [(r.previous, r.new) for r in summary.of(Started.STARTED)] == [
        ("2025-2026", "2029-2030")
    ]
    assert [r[1] for r in _records(campaign)] == ["2027-2028", "2025-2026", "2029-2030"]


def test_the_store_itself_never_overwrites_a_campaign(tmp_path: Path) -> None:
    campaign, _ = _there_and_back(tmp_path)
    records = _records(campaign)

    with Store.open(campaign.data_dir) as store, pytest.raises(CapsyncError) as caught:
        start_campaign(store, COLLECTIVE, "aci-une", previous="2025-2026", new="2027-2028",
                       at=T2, location="")  # fmt: skip

    assert "a déjà suivi la campagne « 2027-2028 »" in str(caught.value)
    assert _records(campaign) == records


def test_a_structure_of_another_collectif_is_said_to_be_of_its_own(tmp_path: Path) -> None:
    cfg = config()
    other = dict(cfg["collectives"][0], id="test-occ", name="Autre collectif")
    other["structures"] = [{"id": "ei-trois", "name": "EI Trois", "type": "EI"}]
    cfg["collectives"].append(other)
    campaign = write_campaign(tmp_path, cfg=cfg)
    expected = (
        "Erreur : La structure « aci-une » n'est pas du collectif « test-occ » : elle "
        "appartient au collectif « test-na ».\n"
    )

    for command in ("nouvelle-campagne", "restitution"):
        code, out, err = _cli(campaign, command, "--structure", "aci-une", "--collective",
                              "test-occ")  # fmt: skip
        assert (code, out + err) == (1, expected), command
