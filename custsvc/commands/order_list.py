"""custsvc order list: which orders, filtered and sorted (the service is ``services/orders/listing``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands._common import DATE_HINT, FormatOpt, LimitOpt, context, fmt_of
from custsvc.commands._order_options import PriorityChoice, SlaStatusChoice, SortChoice

LIST_COLUMNS = [
    "order",
    "service_date",
    "customer",
    "stage",
    "priority",
    "sla_status",
    "time_left",
    "assigned",
    "total",
    "progress",
    "technician",
    "objects",
]
LIST_HEADERS = {"service_date": "date", "sla_status": "sla", "technician": "preferred", "time_left": "time left"}
#: what a narrow terminal leaves out first: the time left, SLA and technician stay longest
LIST_DROP = ["objects", "technician", "progress", "total", "service_date", "priority", "stage"]
#: every field of an order record, for the header of an empty CSV
LIST_FIELDS = [
    "order",
    "customer",
    "agreement",
    "priority",
    "stage",
    "progress",
    "technician",
    "service_date",
    "preferred_at",
    "description",
    "address",
    "objects",
    "lines",
    "total",
    "open_total",
    "sla",
    "sla_status",
    "time_left",
    "time_left_seconds",
    "time_left_for",
    "resolution_due",
    "assigned",
    "visit_start",
    "visit_end",
    "requires_sign_off",
    "signed_off_at",
    "signed_off_by",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
]
TechnicianOpt = Annotated[
    str | None, typer.Option("--technician", help="Only orders assigned to this technician (see --preferred).")
]
PreferredOpt = Annotated[
    bool, typer.Option("--preferred", help="--technician (or --mine) means the preferred technician instead.")
]
MineOpt = Annotated[
    bool, typer.Option("--mine", help="Only orders assigned to the acting worker (--as / CUSTSVC_USER).")
]
PriorityOpt = Annotated[
    PriorityChoice | None, typer.Option("--priority", help="Only this priority.", case_sensitive=False)
]
SlaStatusOpt = Annotated[
    SlaStatusChoice | None,
    typer.Option("--sla-status", help="Only orders whose SLA is in this state.", case_sensitive=False),
]
SearchOpt = Annotated[
    str | None,
    typer.Option("--search", "-s", help="Only orders whose number, description, address or customer holds this."),
]
FromOpt = Annotated[
    str | None,
    typer.Option(
        "--from", help=f"Only orders with a service date on or after this date ({DATE_HINT}).", metavar="<date>"
    ),
]
ToOpt = Annotated[
    str | None,
    typer.Option(
        "--to", help=f"Only orders with a service date on or before this date ({DATE_HINT}).", metavar="<date>"
    ),
]
SortOpt = Annotated[
    SortChoice,
    typer.Option("--sort", help="Sort by this; time-left puts the most urgent first.", case_sensitive=False),
]


def list_(
    stage: Annotated[str | None, typer.Option("--stage", help="Only orders in this stage.")] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer's orders.")] = None,
    agreement: Annotated[str | None, typer.Option("--agreement", help="Only orders of this agreement.")] = None,
    technician: TechnicianOpt = None,
    preferred: PreferredOpt = False,
    mine: MineOpt = False,
    obj: Annotated[str | None, typer.Option("--object", help="Only orders for this service object.")] = None,
    priority: PriorityOpt = None,
    sla_status: SlaStatusOpt = None,
    search: SearchOpt = None,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only orders in process (not posted, not canceled).")
    ] = False,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    sort: SortOpt = "order",
    reverse: Annotated[bool, typer.Option("--reverse", "-r", help="Reverse the sort.")] = False,
    limit: LimitOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """List service orders.

    Example: custsvc order list --open --customer C-1001
    Example: custsvc order list --open --sort time-left --limit 5
    Example: custsvc --as T-01 order list --mine --open
    """
    given = {k: v for k, v in locals().items() if k not in ("mine", "technician", "date_from", "date_to", "fmt")}
    from custsvc import output
    from custsvc.commands._sla_render import with_time_left
    from custsvc.services import orders

    def work(s: Any) -> Any:
        return orders.iter_orders(
            s,
            **given,
            technician=s.actor if mine else technician,
            date_from=s.day(date_from, "from") if date_from else None,
            date_to=s.day(date_to, "to") if date_to else None,
        )

    kind = output.resolve_format(fmt_of(fmt))
    # JSON and CSV stream while the orders are read; a table needs them all to size its columns
    with context(write=False) as s:
        rows = work(s)
        output.emit_rows(
            rows if kind in ("json", "csv") else with_time_left(list(rows)),
            fmt=kind,
            columns=LIST_COLUMNS,
            headers=LIST_HEADERS,
            empty="no service orders",
            fields=LIST_FIELDS,
            drop=LIST_DROP,
        )
