"""custsvc customer: accounts with tier, time zone and contact."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands import group_help
from custsvc.commands._common import FormatOpt, LimitOpt, SearchOpt, fmt_of, run
from custsvc.commands._master import add_common_commands

app = typer.Typer(help=group_help("customer"), no_args_is_help=True)

AccountArg = Annotated[str, typer.Argument(help="Customer account id, e.g. C-1001.", metavar="ACCOUNT")]
NameOpt = Annotated[str | None, typer.Option("--name", help="Customer name.")]
TierOpt = Annotated[str | None, typer.Option("--tier", help="Agreement group / tier, e.g. gold, silver, bronze.")]
ZoneOpt = Annotated[
    str | None, typer.Option("--timezone", help="IANA time zone, e.g. Europe/Riga (default: the shop's).")
]
EmailOpt = Annotated[str | None, typer.Option("--email", help="Contact e-mail address.")]
PhoneOpt = Annotated[str | None, typer.Option("--phone", help="Contact phone number.")]
AddressOpt = Annotated[str | None, typer.Option("--address", help="Service address.")]

COLUMNS = ["account", "name", "tier", "timezone", "email", "phone"]


def _given(**values: object) -> dict[str, object]:
    return {k: v for k, v in values.items() if v is not None}


@app.command("add")
def add(
    account: AccountArg,
    name: Annotated[str, typer.Option("--name", help="Customer name.")],
    tier: TierOpt = None,
    timezone: ZoneOpt = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    address: AddressOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a customer.

    Example: custsvc customer add C-5001 --name "Sigulda Bakery" --tier silver --timezone Europe/Riga
    """
    from custsvc import output
    from custsvc.services import master

    values = _given(account=account, name=name, tier=tier, timezone=timezone, email=email, phone=phone, address=address)
    record = run(lambda s: master.add(s, "customer", values))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"customer {account}")


@app.command("list")
def list_(
    tier: Annotated[str | None, typer.Option("--tier", help="Only customers of this tier.")] = None,
    search: SearchOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """List customers, by account.

    Example: custsvc customer list --tier gold --format json
    """
    from custsvc import output
    from custsvc.services import master

    rows = run(
        lambda s: master.list_records(s, "customer", filters={"tier": tier}, search=search, limit=limit), write=False
    )
    fields = master.kind_of("customer").record_fields
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=COLUMNS, empty="no customers", fields=fields)


@app.command("update")
def update(
    account: AccountArg,
    name: NameOpt = None,
    tier: TierOpt = None,
    timezone: ZoneOpt = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    address: AddressOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a customer; only the options given change ("" clears an optional field).

    Example: custsvc customer update C-1001 --tier silver --phone ""
    """
    from custsvc import output
    from custsvc.services import master

    values = _given(name=name, tier=tier, timezone=timezone, email=email, phone=phone, address=address)
    record = run(lambda s: master.update_record(s, "customer", account, values))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"customer {account}")


add_common_commands(
    app, "customer", "customer", "Customer account id, e.g. C-1001.", "C-1001", 'C-5001 --name "Sigulda Bakery"'
)
