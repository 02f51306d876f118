"""Service-level agreements: definitions (``definitions``), the clock of each order (``clock``), its
status and explanation (``status``) and reports (``reports``).

The SLA package plugs into the order lifecycle through ``hooks`` (registered by ``custsvc.bootstrap``):
``services/orders`` does not know it exists.
"""

from custsvc.services.sla.clock import clock_start, on_sign_off, on_stage_change, refresh, start_clocks, state_of
from custsvc.services.sla.compliance import report
from custsvc.services.sla.definitions import (
    SCOPES,
    add,
    apply,
    assignments,
    get,
    list_slas,
    parse_targets,
    record,
    resolve,
    set_suspended,
    target_for,
    targets,
    unapply,
)
from custsvc.services.sla.reports import at_risk, breaches
from custsvc.services.sla.status import (
    explain,
    log_entries,
    respond,
    start,
    states_of,
    status,
    status_record,
    stop,
    summaries,
)

__all__ = [
    "SCOPES",
    "add",
    "apply",
    "assignments",
    "at_risk",
    "breaches",
    "clock_start",
    "explain",
    "get",
    "list_slas",
    "log_entries",
    "on_sign_off",
    "on_stage_change",
    "parse_targets",
    "record",
    "refresh",
    "report",
    "resolve",
    "respond",
    "set_suspended",
    "start",
    "start_clocks",
    "state_of",
    "states_of",
    "status",
    "status_record",
    "stop",
    "summaries",
    "target_for",
    "targets",
    "unapply",
]
