"""``capsync check``: validate the configuration and the référentiel together."""

from __future__ import annotations

import click

from capsync.cli.common import CliState, pass_state, say
from capsync.errors import ValidationFailed
from capsync.jobs.referentiel_guard import referentiel_switches


@click.command()
@click.option("--google", "google", is_flag=True, help="Also check the Google set-up (read only).")
@pass_state
def check(state: CliState, google: bool) -> None:
    """Validate the configuration, its référentiel and the data folder; list every problem.

    Exits 0 when all are valid, 1 otherwise, each problem with its file, line
    and key. The data folder (backend.data_dir) must be a folder capsync can
    write to, or one it can create.

    \b
    Example:
        capsync --config config/capsync.yaml check
        capsync check --google   # credentials, APIs, root folder; writes nothing
    """
    campaign = state.campaign()
    switched = referentiel_switches(campaign)
    if switched:
        raise ValidationFailed(switched)
    structures = sum(len(c.structures) for c in campaign.config.collectives)
    described = [
        f"« {ref.id} » v{ref.version}, {len(ref.chapters)} chapitres, {len(ref.criteria)} critères"
        for ref in campaign.all_referentiels().values()
    ]
    say(
        f"Configuration valide : {campaign.config_path.name} — "
        f"{len(campaign.config.collectives)} collectifs, {structures} structures ; "
        f"référentiel{'s' if len(described) > 1 else ''} {' ; '.join(described)} ; "
        f"dossier de données {campaign.data_dir}."
    )
    if google:
        from capsync.cli.google_check import check_google

        if not check_google(campaign):
            raise SystemExit(1)


commands = [check]
