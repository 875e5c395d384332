"""``capsync import``: put grids that came back by e-mail in place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from capsync.backends.factory import open_backend
from capsync.cli.common import CliState, pass_state
from capsync.errors import ImportRefused
from capsync.jobs.import_grids import import_grid
from capsync.locking import campaign_lock


@click.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--collective", "collective", metavar="ID", help="Refuse grids of any other collectif."
)
@pass_state
def import_(state: CliState, files: tuple[str, ...], collective: str | None) -> None:
    """Put returned grids (any file name) in place of their structure's grid, keeping a backup.

    Each file is recognised by its hidden identity sheet. Exits 1 when any file
    was refused, after importing the others.

    \b
    Example:
        capsync import ~/Téléchargements/grille-remplie.xlsx
        capsync import --collective occitanie retours/*.xlsx
    """
    campaign = state.campaign()
    backend = open_backend(campaign)
    now = dt.datetime.now()
    refused = 0
    with campaign_lock(campaign.data_dir):
        for name in files:
            try:
                done = import_grid(Path(name), campaign, backend, collective=collective, now=now)
            except ImportRefused as exc:
                refused += 1
                click.echo(f"Refusé — {exc}", err=True)
                continue
            if done.unchanged:
                click.echo(f"{done.file.name} : déjà en place ({done.location}).")
            elif done.backup:
                click.echo(
                    f"{done.file.name} → {done.location} "
                    f"(grille précédente gardée : {done.backup})."
                )
            else:
                click.echo(f"{done.file.name} → {done.location}.")
    if refused:
        n = len(files)
        click.echo(f"{refused} fichier(s) refusé(s) sur {n}.", err=True)
        raise SystemExit(1)


commands = [import_]
