"""Arguments and choices the order commands share."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands._choices import LineType as LineTypeChoice
from custsvc.commands._choices import OrderSort as SortChoice
from custsvc.commands._choices import Priority as PriorityChoice
from custsvc.commands._choices import SlaStatus as SlaStatusChoice

OrderArg = Annotated[str, typer.Argument(help="Service order number, e.g. SO-000001.", metavar="ORDER")]
LineArg = Annotated[int, typer.Argument(help="Line number on the order.", metavar="LINE", min=1, max=1_000_000)]

__all__ = ["LineArg", "LineTypeChoice", "OrderArg", "PriorityChoice", "SlaStatusChoice", "SortChoice"]
