"""The ``capsync`` command line: parse options, call the library, print.

Each module of this package holds the commands of one concern and lists them
in a module-level ``commands``; :func:`main` registers every one, so adding a
command never means editing a central file. Nothing outside this package prints.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil

import click

from capsync import __version__
from capsync.cli.common import CapsyncGroup, CliState


@click.group(
    cls=CapsyncGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="capsync")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default="config/capsync.yaml",
    envvar="CAPSYNC_CONFIG",
    show_default=True,
    help="Configuration file (env CAPSYNC_CONFIG).",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Print only what needs a look: errors, and a sync's summary when there are new "
    "anomalies, failures or late structures (for cron).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what each step does (in English).")
@click.pass_context
def main(ctx: click.Context, config_path: str, quiet: bool, verbose: bool) -> None:
    """Run the CAP RSE self-assessment campaign through spreadsheets.

    \b
    Example:
        capsync check
        capsync --config config/capsync.yaml sync
    """
    # Logs are English and for debugging; what the campaign's people need is printed in
    # French by the commands. So by default only warnings are logged, never next to it.
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = CliState(config_path=config_path, quiet=quiet)


def _register() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "common":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for command in getattr(module, "commands", []):
            main.add_command(command)


_register()
