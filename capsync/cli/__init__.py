"""The ``capsync`` command line: parse options, call the library, print.

Each module of this package holds the commands of one concern and lists them
in a module-level ``commands``; :data:`COMMANDS` says which module holds which
command, and a command's module is imported only when that command runs (or
``--help`` lists them all). A cron run of ``capsync -q sync`` thus loads
neither the Google audit nor the import, restitution or export code, which
cost 30–90 ms of a 0.3–0.5 s run. A test checks the table against what the
modules declare. Nothing outside this package prints.

Click's usage errors (a missing option, a refused value, an unknown command…) come out
in French with exit code 1, like every other mistake of an admin: the group parses and
runs its commands inside :func:`capsync.cli.usage_errors.french_usage_errors`, so the
console script and ``CliRunner().invoke(main, …)`` say the same.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import logging
from typing import Any

import click

from capsync import __version__
from capsync.cli.common import CapsyncGroup, CliState
from capsync.cli.usage_errors import ARGV, french_usage_errors

COMMANDS = {
    "check": "check",
    "schema": "schema_cmd",
    "referentiel": "referentiel_cmd",
    "nouvelle-campagne": "campaign_cmd",
    "generate": "grids_generate",
    "import": "grids_import",
    "pull": "grids_pull",
    "history": "grids_pull",
    "sync": "sync_cmd",
    "daemon": "sync_cmd",
    "status": "sync_cmd",
    "demo": "sync_cmd",
    "restitution": "outputs_cmd",
    "regroupement": "outputs_cmd",
    "notify": "notify_cmd",
    "reseau": "network_cmd",
    "audit": "google_audit",
}
"""Each command's module in this package: imported when the command is asked for."""


class LazyGroup(CapsyncGroup):
    """The top-level group: a command's module is imported when the command is looked up;
    click's usage errors, its own and its commands', are said in French (exit code 1)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[ARGV] = list(args)  # to find again the value a refused option was given
        with french_usage_errors(ctx):
            return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        with french_usage_errors(ctx):
            return super().invoke(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module = importlib.import_module(f"{__name__}.{COMMANDS[cmd_name]}")
            for command in module.commands:
                self.add_command(command)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
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
    # Python's last collection, at exit, walks every object still alive (the modules,
    # pydantic's validators) to free nothing the system would not take back: frozen,
    # they are left out. 40 ms of a 0.45 s cron run; registered once however often called.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
