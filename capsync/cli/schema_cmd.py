"""``capsync schema``: (re)write the JSON Schemas that editors use to check the YAML files."""

from __future__ import annotations

from pathlib import Path

import click

from capsync.campaign.schemas import schema_files, stale_schemas, write_schemas
from capsync.campaign.validation import referentiel_path
from capsync.cli.common import CliState, pass_state


def _targets(config_path: Path) -> dict[Path, str]:
    """Schema files next to the configuration and next to the référentiel it names."""
    return schema_files(config_path.parent, referentiel_path(config_path).parent)


@click.command()
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if stale.")
@pass_state
def schema(state: CliState, check_only: bool) -> None:
    """Write config/schema.json and referentiel/schema.json from the models.

    Each schema is written next to the YAML file it describes (the configuration
    given by --config, and the référentiel it names), where the first line
    `# yaml-language-server: $schema=schema.json` points editors at it.
    With --check nothing is written and the exit code is 1 when a file is stale.

    \b
    Example:
        capsync schema
        capsync schema --check
    """
    files = _targets(Path(state.config_path))
    if check_only:
        stale = stale_schemas(files)
        for path in stale:
            click.echo(f"stale: {path} (run `capsync schema`)", err=True)
        if stale:
            raise SystemExit(1)
        if not state.quiet:
            click.echo(f"up to date: {', '.join(str(p) for p in files)}")
        return
    written = write_schemas(files)
    if not state.quiet:
        for path in files:
            click.echo(f"{'written' if path in written else 'unchanged'}: {path}")


commands = [schema]
