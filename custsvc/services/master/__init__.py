"""Master data (customers, service objects, items, tasks, workers, teams): add, update, show, list,
remove, and bulk import, all through one validation path (see ``kinds``)."""

from custsvc.services.master.checks import clean_values
from custsvc.services.master.imports import BATCH, import_rows, import_stream
from custsvc.services.master.kinds import KINDS, LABELS, Kind, Spec, kind_of, label
from custsvc.services.master.records import add, get_obj, list_records, records, remove, show, update_record

__all__ = [
    "BATCH",
    "KINDS",
    "Kind",
    "LABELS",
    "Spec",
    "add",
    "clean_values",
    "get_obj",
    "import_rows",
    "import_stream",
    "kind_of",
    "label",
    "list_records",
    "records",
    "remove",
    "show",
    "update_record",
]
