"""custsvc subscription invoice: the invoicing run cron calls (idempotent, catching up missed periods)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from custsvc.commands._common import DATE_HINT, DryRunOpt, FormatOpt, context, fmt_of


def invoice(
    through: Annotated[
        str,
        typer.Option(
            "--through", help=f"Invoice every period starting on or before this day ({DATE_HINT}).", metavar="<date>"
        ),
    ],
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer.")] = None,
    group: Annotated[str | None, typer.Option("--group", help="Only this group.")] = None,
    dry_run: DryRunOpt = False,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Report progress on stderr as the run goes (also without a terminal)."),
    ] = False,
    fmt: FormatOpt = None,
) -> None:
    """The invoicing run (what cron calls): one line per period not yet invoiced, one invoice per customer and currency.

    Safe to run again or at the same time: it catches up missed periods and never invoices a period twice.
    A run that invoiced something says so in one line on stderr (not with --quiet); a run with nothing
    to do prints nothing unless on a terminal, so cron mails only when there is news. --format json
    prints every invoice and line. Exit 4 when some subscriptions were rejected (named on stderr) and
    the rest invoiced.

    Example: custsvc subscription invoice --through today
    """
    from custsvc import output
    from custsvc.errors import EXIT_PARTIAL
    from custsvc.services import subscriptions

    details = output.resolve_format(fmt_of(fmt)) == "json"  # else only the counts are shown
    with _progress(verbose) as progress, context(write=not dry_run) as s:
        result = subscriptions.invoice_run(
            s,
            s.day(through, "through"),
            customer=customer,
            group=group,
            progress=progress,
            dry_run=dry_run,
            details=details,
        )
    _emit_run(result, dry_run, fmt_of(fmt))
    if result["rejected"]:
        raise typer.Exit(EXIT_PARTIAL)


@contextmanager
def _progress(verbose: bool) -> Iterator[Callable[[int, int], None]]:
    """Report the run's progress: lines on stderr with --verbose, else a bar on a terminal (500+ subscriptions)."""
    import sys

    from custsvc import output

    bar: Any = None
    if sys.stderr.isatty() and not verbose and not output.state.current().quiet:
        from rich.progress import Progress

        bar = Progress(console=output.stderr_console(), transient=True)

    def progress(done: int, total: int) -> None:
        if verbose:
            print(f"progress: {done}/{total} subscriptions", file=sys.stderr, flush=True)
        elif bar is not None and total >= 500:
            if not bar.tasks:
                bar.start()
                bar.add_task("invoicing", total=total)
            bar.update(bar.tasks[0].id, completed=done)

    try:
        yield progress
    finally:
        if bar is not None and bar.tasks:
            bar.stop()


def _emit_run(result: dict[str, Any], dry_run: bool, fmt: str | None) -> None:
    """The rejected subscriptions on stderr (always), then, with --format json, every invoice and line
    on stdout; otherwise a summary on stderr when something was invoiced (not with --quiet), and
    "nothing to invoice" only to a person at a terminal: a cron job's successful run prints nothing."""
    import sys

    from custsvc import output

    for rejected in result["rejected"]:
        print(
            f"error: {rejected['subscription']} ({rejected['customer']}) rejected: {rejected['reason']}",
            file=sys.stderr,
        )
    if output.resolve_format(fmt) == "json":
        output.emit_json({**result, "dry_run": dry_run})
    elif result["periods"] or dry_run or sys.stderr.isatty():
        output.message(_summary(result, dry_run))


def _summary(result: dict[str, Any], dry_run: bool) -> str:
    from custsvc.values import counted

    if not result["periods"]:
        return f"nothing to invoice through {result['through']}" + (
            f" ({len(result['rejected'])} rejected)" if result["rejected"] else ""
        )
    totals = ", ".join(f"{amount:,.2f} {currency}" for currency, amount in sorted(result["totals"].items()))
    verb = "would invoice" if dry_run else "invoiced"
    periods, invoices = counted(result["periods"], "period"), counted(len(result["invoices"]), "invoice")
    return f"{verb} {periods} on {invoices}, total {totals}"
