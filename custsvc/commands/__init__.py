"""One module per command group.  Commands parse, open one session, call one service, render.

No SQL and no business rule here; services are imported inside the command functions so that
``--help`` never loads SQLModel.
"""

#: the command groups: (name, module, help panel, help text). A group's module is imported only when
#: the group is used, so `custsvc customer list` does not pay for building every other group.
GROUPS: list[tuple[str, str, str, str]] = [
    (
        "order",
        "order",
        "Service orders",
        "Service orders: create, add lines, move through stages, sign off and post to an invoice.",
    ),
    (
        "agreement",
        "agreement",
        "Service orders",
        "Service agreements: recurring work for a customer that generates service orders.",
    ),
    ("invoice", "invoice", "Service orders", "Invoices and credit notes: list, show, export for accounting, credit."),
    (
        "return",
        "returns",
        "Returns and repairs",
        "Returns (RMA): return orders with a deadline for the goods, their lines, reasons and dispositions.",
    ),
    (
        "repair",
        "repair",
        "Returns and repairs",
        "Repairs: coded findings on service orders, part swaps, warranty, repair history, failure reports.",
    ),
    (
        "bom",
        "bom",
        "Installed base",
        "Bills of materials: template BOMs with dated versions, and each service object's own BOM with its history.",
    ),
    (
        "stock",
        "stock",
        "Installed base",
        "Parts stock: receive, adjust and move parts; on-hand per location from the ledger of movements.",
    ),
    ("serial", "serial", "Installed base", "Serial numbers: one unit's whole life, where it is now, its warranty."),
    (
        "dispatch",
        "dispatch",
        "Dispatch",
        "Dispatch: teams, assignments checked against calendars, absences and skills, the board, "
        "schedules and suggestions.",
    ),
    (
        "subscription",
        "subscription",
        "Subscriptions",
        "Service subscriptions: periodic fees invoiced by an idempotent, catch-up, cron-safe run; "
        "reductions, indexation, credits, accruals.",
    ),
    (
        "sla",
        "sla",
        "Service levels",
        "Service-level agreements: response and resolution targets in business time, the clock of each order, "
        "compliance reports.",
    ),
    (
        "calendar",
        "calendar",
        "Service levels",
        "Working calendars: time zone, working windows per weekday, public and explicit holidays.",
    ),
    (
        "customer",
        "customer",
        "Master data",
        "Customers: account, name, tier (gold, silver, bronze ...), time zone and contact.",
    ),
    (
        "object",
        "service_object",
        "Master data",
        "Service objects: the things serviced, with customer, item and serial number.",
    ),
    ("item", "item", "Master data", "Items: parts and products (number, name, unit, price)."),
    ("task", "task", "Master data", "Service tasks: kinds of work with default hours and the skill they need."),
    (
        "worker",
        "worker",
        "Master data",
        "Workers: technicians, dispatchers and managers, with skills and dispatch team.",
    ),
    (
        "config",
        "config",
        "Set-up",
        "Shop settings: time zone, currency, sign-off, working days, SLA risk share and dispatch defaults.",
    ),
    ("db", "dbcmd", "Set-up", "The database: location, schema upgrades, integrity checks."),
]


def group_help(name: str) -> str:
    """A group's help text: one text for the root's list and the group's own --help."""
    return next(text for group, _module, _panel, text in GROUPS if group == name)
