"""``capsync audit``: compare every workbook's sharing on Google Drive with the configuration."""

from __future__ import annotations

import click

from capsync.campaign.config import BackendKind
from capsync.cli.common import CliState, pass_state


@click.command()
@click.option("--fix", "apply_fix", is_flag=True, help="Remove over-shares, grant what is missing.")
@pass_state
def audit(state: CliState, apply_fix: bool) -> None:
    """List every Drive permission that differs from the configuration.

    Anyone-with-the-link, domain-wide sharing, people absent from the
    configuration, a structure on another structure's file, a délégué·e of
    another collectif or with the wrong role, and missing grants. Exits 1 when
    something differs and --fix was not given.

    \b
    Example:
        capsync audit
        capsync audit --fix
    """
    campaign = state.campaign()
    if campaign.config.backend.kind != BackendKind.GOOGLE:
        click.echo("Rien à auditer : les classeurs sont des fichiers locaux (backend local).")
        return
    from capsync.backends.google.backend import GoogleBackend
    from capsync.backends.google.sharing import audit as run_audit
    from capsync.backends.google.sharing import fix

    backend = GoogleBackend.from_campaign(campaign)
    findings = run_audit(backend, campaign.config)
    if not findings:
        click.echo("Partages conformes à la configuration.")
        return
    if not apply_fix:
        for finding in findings:
            click.echo(finding.message)
        n = len(findings)
        click.echo(f"{n} écart{'s' if n > 1 else ''} avec la configuration (capsync audit --fix).")
        raise SystemExit(1)
    done = fix(backend, findings)
    for line in done:
        click.echo(line)
    if any(line.startswith("Échec") for line in done):
        raise SystemExit(1)  # what failed is still shared wrongly


commands = [audit]
