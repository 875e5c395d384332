"""The ``--google`` part of ``capsync check``: the Google set-up, read only."""

from __future__ import annotations

import click

from capsync.campaign.config import BackendKind
from capsync.campaign.validation import Campaign
from capsync.cli.common import say


def check_google(campaign: Campaign) -> bool:
    """Print one line per check (French); True when capsync can work on this set-up."""
    if campaign.config.backend.kind != BackendKind.GOOGLE:
        say("Rien à vérifier sur Google : la campagne utilise le backend local.")
        return True
    from capsync.backends.google.backend import GoogleBackend
    from capsync.backends.google.preflight import preflight

    findings = preflight(GoogleBackend.from_campaign(campaign))
    for finding in findings:
        say(("OK — " if finding.ok else "Problème — ") + finding.message)
    return all(f.ok for f in findings)


commands: list[click.Command] = []
