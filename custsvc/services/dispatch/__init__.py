"""Dispatch: technicians' availability (``availability``), what orders need (``needs``), checked
assignments (``assignment``) and SLA deadlines (``deadlines``), the queue, board and schedules (``board``),
schedules as iCalendar files (``ical``), and suggested plans (``suggest``)."""

from custsvc.services.dispatch.assignment import (
    assign,
    assignment_record,
    check,
    check_move,
    move,
    open_assignments,
    problems,
    unassign,
)
from custsvc.services.dispatch.availability import (
    DEFAULT_HOURS,
    absence_record,
    add_absence,
    list_absences,
    remove_absence,
    skills_of,
    technician,
    working_calendar,
)
from custsvc.services.dispatch.board import (
    PRIORITY_RANK,
    board,
    queue,
    schedule_rows,
    schedule_technician,
    waiting_orders,
)
from custsvc.services.dispatch.deadlines import late_message
from custsvc.services.dispatch.ical import ics, schedule_file
from custsvc.services.dispatch.needs import Needs, needs, needs_of
from custsvc.services.dispatch.suggest import suggest

__all__ = [
    "DEFAULT_HOURS",
    "Needs",
    "PRIORITY_RANK",
    "absence_record",
    "add_absence",
    "assign",
    "assignment_record",
    "board",
    "check",
    "check_move",
    "ics",
    "late_message",
    "list_absences",
    "move",
    "open_assignments",
    "needs",
    "needs_of",
    "waiting_orders",
    "problems",
    "queue",
    "remove_absence",
    "schedule_file",
    "schedule_rows",
    "schedule_technician",
    "skills_of",
    "suggest",
    "technician",
    "unassign",
    "working_calendar",
]
