"""custsvc today: the morning view for the manager and the dispatcher."""

from __future__ import annotations

from typing import Any

from custsvc.commands._common import FormatOpt, fmt_of, run


def today(fmt: FormatOpt = None) -> None:
    """What needs attention today: open orders by stage, orders at risk or breached, today's board in
    short, signed-off work not yet invoiced and subscriptions due, each with the command that shows more.

    Example: custsvc today
    Example: custsvc today --format json
    """
    from custsvc import output
    from custsvc.services.today import today as gather

    view = run(gather, write=False)
    kind = output.resolve_format(fmt_of(fmt))
    if kind in ("json", "csv"):
        output.emit_json(view)  # one object of sections: CSV has no shape for it, JSON is the data
        return
    output.echo(f"Today, {view['date']:%a %Y-%m-%d} (as of {output.text_value(view['now'])[11:]})")
    sections = (
        ("open_orders", _open_orders),
        ("at_risk_or_breached", _attention),
        ("board", _board),
        ("signed_off_not_invoiced", _to_invoice),
        ("subscriptions_due", _subscriptions),
    )
    for key, render in sections:
        output.echo()
        render(view, kind)
        output.echo(f"  more: {view[key]['more']}")


def _heading(text: str, section: dict[str, Any]) -> None:
    from custsvc import output

    output.echo(text)


def _open_orders(view: dict[str, Any], kind: str) -> None:
    from custsvc import output

    section = view["open_orders"]
    _heading(f"Open orders: {section['count']}", section)
    if section["rows"]:
        import textwrap

        text = ", ".join(f"{r['orders']} {r['stage']}" for r in section["rows"])
        width = output.console().width if kind == "table" else 100
        output.echo(textwrap.fill(text, width=max(40, width), initial_indent="  ", subsequent_indent="  "))


def _attention(view: dict[str, Any], kind: str) -> None:
    from custsvc import output
    from custsvc.commands._sla_render import with_time_left

    section = view["at_risk_or_breached"]
    shown = len(section["rows"])
    more = f", the {shown} most urgent" if shown < section["count"] else ""
    _heading(f"At risk or breached: {section['count']}{more}", section)
    output.emit_rows(
        with_time_left(section["rows"]),
        fmt=kind,
        columns=["order", "customer", "stage", "sla_status", "time_left", "assigned"],
        headers={"sla_status": "sla", "time_left": "time left"},
        drop=["stage", "customer"],
    )


def _board(view: dict[str, Any], kind: str) -> None:
    from custsvc import output

    section = view["board"]
    waiting = output.counted(section["not_dispatched"], "order")
    _heading(f"Today's board: {output.counted(section['count'], 'visit')}, {waiting} not dispatched", section)
    rows = [
        {
            "technician": f"{r['technician']} {r['name']}",
            "visits": r["visits"],
            "hours": "absent" if r["absent"] else f"{float(r['booked_hours']):g}/{float(r['available_hours']):g}",
            "first_visit": output.text_value(r["first_visit"])[11:] if r["first_visit"] else "",
        }
        for r in section["rows"]
    ]
    output.emit_rows(rows, fmt=kind, columns=["technician", "visits", "hours", "first_visit"])


def _to_invoice(view: dict[str, Any], kind: str) -> None:
    from custsvc import output

    section = view["signed_off_not_invoiced"]
    _heading(f"Signed off, not invoiced: {output.counted(section['count'], 'order')}", section)
    output.emit_rows(section["rows"], fmt=kind, columns=["customer", "name", "orders", "total"], drop=["name"])


def _subscriptions(view: dict[str, Any], kind: str) -> None:
    from custsvc import output

    section = view["subscriptions_due"]
    periods, invoices = output.counted(section["count"], "period"), output.counted(section["invoices"], "invoice")
    totals = ", ".join(f"{r['total']:,.2f} {r['currency']}" for r in section["rows"])
    line = f"Subscriptions due: {periods} on {invoices}" + (f", {totals}" if totals else "")
    if section["rejected"]:
        line += f" ({section['rejected']} rejected: see the dry run)"
    _heading(line, section)
