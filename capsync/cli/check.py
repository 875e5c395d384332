"""``capsync check``: validate the configuration and the référentiel together."""

from __future__ import annotations

import click

from capsync.cli.common import CliState, pass_state


@click.command()
@pass_state
def check(state: CliState) -> None:
    """Validate the configuration and its référentiel; list every problem at once.

    Exits 0 when both are valid, 1 otherwise, each problem with its file, line
    and key.

    \b
    Example:
        capsync --config config/capsync.yaml check
    """
    campaign = state.campaign()
    ref = campaign.referentiel
    structures = sum(len(c.structures) for c in campaign.config.collectives)
    click.echo(
        f"OK: {campaign.config_path.name} — {len(campaign.config.collectives)} collectifs, "
        f"{structures} structures; référentiel « {ref.id} » v{ref.version}, "
        f"{len(ref.chapters)} chapitres, {len(ref.criteria)} critères."
    )


commands = [check]
