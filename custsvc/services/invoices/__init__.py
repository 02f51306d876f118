"""Invoices and credit notes: one writer numbers and writes every invoice (``writer``), credit notes
(``credits``), and reading them (``reading``)."""

from custsvc.services.invoices.credits import credit, reopen_sources
from custsvc.services.invoices.reading import credited_amounts, export_lines, get, line_record, list_invoices, show
from custsvc.services.invoices.writer import DraftInvoice, DraftLine, Written, write, write_one

__all__ = [
    "DraftInvoice",
    "DraftLine",
    "Written",
    "credit",
    "credited_amounts",
    "export_lines",
    "get",
    "line_record",
    "list_invoices",
    "reopen_sources",
    "show",
    "write",
    "write_one",
]
