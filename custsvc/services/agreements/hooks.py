"""What service agreements register on the bus (registered by ``custsvc.bootstrap``): ``customer
show`` lists the customer's agreements with their status today."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from custsvc.events import Bus
from custsvc.models import Agreement
from custsvc.services.batch import select_in


def customer_agreements(ctx: Any, accounts: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per customer, its agreements (templates too, as such), the earliest start first."""
    from custsvc.services.agreements.catalog import status

    found: dict[str, list[dict[str, Any]]] = {account: [] for account in accounts}
    query = select(Agreement).order_by(Agreement.start, Agreement.agreement)
    for (row,) in select_in(ctx, query, Agreement.customer, accounts):
        found[row.customer].append(
            {
                "agreement": row.agreement,
                "group": row.agreement_group,
                "start": row.start,
                "end": row.end,
                "status": status(row, ctx.today),
            }
        )
    return {account: {"agreements": rows} for account, rows in found.items()}


def register(bus: Bus) -> None:
    bus.contribute("customer-detail", ("agreements",), customer_agreements)
