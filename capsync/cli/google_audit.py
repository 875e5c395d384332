"""``capsync audit``: compare every workbook's sharing on Google Drive with the configuration."""

from __future__ import annotations

import click

from capsync.campaign.config import BackendKind
from capsync.cli.common import CliState, pass_state, say


@click.command()
@click.option("--fix", "apply_fix", is_flag=True, help="Remove over-shares, grant what is missing.")
@pass_state
def audit(state: CliState, apply_fix: bool) -> None:
    """List every Drive permission that differs from the configuration.

    Anyone-with-the-link, domain-wide sharing, people absent from the
    configuration, a structure on another structure's file, a délégué·e of
    another collectif or with the wrong role, and missing grants — on every
    workbook, on each collectif's and each structure's folder (whose grants
    every file in it inherits) and on the sub-folders, which should have none.
    Also reports the shared drive's settings that would make a grant fail
    (members only, organisation only, folders shared by managers only), which
    --fix cannot change. Exits 1 when something differs and --fix was not
    given, or when such a setting was found.

    \b
    Example:
        capsync audit
        capsync audit --fix
    """
    campaign = state.campaign()
    if campaign.config.backend.kind != BackendKind.GOOGLE:
        say("Rien à auditer : les classeurs sont des fichiers locaux (backend local).")
        return
    from capsync.backends.google.audit_drive import drive_settings
    from capsync.backends.google.backend import GoogleBackend
    from capsync.backends.google.sharing import audit as run_audit
    from capsync.backends.google.sharing import fix

    backend = GoogleBackend.from_campaign(campaign)
    blocking = drive_settings(backend.drive, backend.root, campaign.config)
    for line in blocking:
        say(f"Réglage — {line}")
    findings = run_audit(backend, campaign.config)
    if not findings:
        if not blocking:
            say("Partages conformes à la configuration.")
        raise SystemExit(1 if blocking else 0)
    if not apply_fix:
        for finding in findings:
            say(finding.message)
        n = len(findings)
        say(f"{n} écart{'s' if n > 1 else ''} avec la configuration (capsync audit --fix).")
        raise SystemExit(1)
    done = fix(backend, findings)
    for line in done:
        say(line)
    if blocking or any(line.startswith("Échec") for line in done):
        raise SystemExit(1)  # what failed is still shared wrongly


commands = [audit]
