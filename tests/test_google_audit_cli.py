"""``capsync audit`` on a campaign whose backend is local: nothing to audit, said in French."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from capsync.cli import main

from .french_output import plain
from .grid_campaign import write_campaign


def test_audit_on_the_local_backend_says_there_is_nothing_to_audit(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    result = CliRunner().invoke(main, ["--config", str(campaign.config_path), "audit"])
    assert result.exit_code == 0
    assert plain(result.output) == (
        "Rien à auditer : les classeurs sont des fichiers locaux (backend local).\n"
    )
