"""The fixed sets options take, as ``Literal`` types: help lists them, shell completion offers
them, and the parser refuses anything else as a usage error (exit 2) before a command runs.

They are written out here (importing the services that own them would load the database layer for
``--help``); ``tests/unit/test_structure.py`` checks each against the set the domain keeps."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

Priority = Literal["high", "normal", "low"]
LineType = Literal["hour", "expense", "item", "fee"]
Role = Literal["technician", "dispatcher", "manager"]


class Roles(StrEnum):
    """``Role`` for options that repeat (Typer takes a list of an enum, not of a ``Literal``)."""

    technician = "technician"
    dispatcher = "dispatcher"
    manager = "manager"


Combine = Literal["agreement", "task", "worker", "object"]
Period = Literal["day", "week", "month", "quarter", "year"]
Align = Literal["anniversary", "calendar"]
Proration = Literal["full", "daily", "none"]
#: how finely revenue is recognized; ``none`` (in an update) for not at all
Accrue = Literal["day", "week", "month", "quarter", "year"]
AccrueOrNone = Literal["day", "week", "month", "quarter", "year", "none"]
AgreementStatus = Literal["active", "future", "expired", "suspended", "template"]
SubscriptionStatus = Literal["active", "future", "ended", "canceled"]
InvoiceKind = Literal["invoice", "credit"]
ReportBy = Literal["customer", "tier", "technician", "priority", "sla"]
InputFormat = Literal["csv", "json"]
SlaStatus = Literal["on-track", "at-risk", "breached", "paused", "met", "canceled", "none"]
OrderSort = Literal["order", "date", "customer", "priority", "stage", "total", "time-left", "created"]
RepairCodeKind = Literal["condition", "symptom-area", "symptom", "diagnosis-area", "diagnosis", "resolution"]
RepairReportBy = Literal["symptom", "diagnosis", "resolution", "item", "bom-version", "technician", "customer", "part"]
ReturnStatus = Literal["created", "open", "closed", "canceled"]
ReturnAction = Literal[
    "credit", "credit-only", "scrap", "replace-credit", "replace-scrap", "return-to-customer", "repair"
]
