"""Progress bars: on a terminal each batch is counted; under cron or --quiet, nothing."""

from __future__ import annotations

import io

from rich.console import Console

from capsync.cli.progress import progress_bar


def terminal(out: io.StringIO) -> Console:
    return Console(file=out, force_terminal=True, width=100, color_system=None)


def test_a_terminal_sees_each_batch_counted() -> None:
    out = io.StringIO()
    with progress_bar(False, terminal(out)) as report:
        assert report is not None
        report("Grilles", 1, 3)
        report("Grilles", 3, 3)
        report("Restitutions", 2, 14)
    shown = out.getvalue()
    assert "Grilles" in shown and "3/3" in shown
    assert "Restitutions" in shown and " 2/14" in shown


def test_quiet_gets_no_bar_even_on_a_terminal() -> None:
    out = io.StringIO()
    with progress_bar(True, terminal(out)) as report:
        assert report is None
    assert out.getvalue() == ""


def test_cron_gets_no_bar() -> None:
    """Not a terminal (a pipe, a cron mail): the command gets no callback, nothing is drawn."""
    out = io.StringIO()
    with progress_bar(False, Console(file=out)) as report:
        assert report is None
    assert out.getvalue() == ""
