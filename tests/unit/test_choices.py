"""The fixed sets the command line offers are the sets the domain and services accept."""

from typing import get_args

from custsvc.commands import _choices as c
from custsvc.domain import checks, orders, periods
from custsvc.domain import returns as return_rules
from custsvc.domain import sla as sla_rules
from custsvc.services.agreements.catalog import STATUSES as AGREEMENT_STATUSES
from custsvc.services.orders.listing import SLA_STATUSES, SORTS
from custsvc.services.repairs.codes import KINDS as REPAIR_CODE_KINDS
from custsvc.services.repairs.report import BY as REPAIR_REPORT_BY
from custsvc.services.sla.compliance import REPORT_COLUMNS
from custsvc.services.subscriptions.catalog import STATUSES as SUBSCRIPTION_STATUSES


def test_choices_match_what_the_services_accept():
    assert get_args(c.Priority) == orders.PRIORITIES
    assert get_args(c.LineType) == orders.LINE_TYPES
    assert get_args(c.Combine) == orders.COMBINE_RULES
    assert get_args(c.Role) == checks.ROLES == tuple(r.value for r in c.Roles)
    assert get_args(c.Period) == periods.UNITS
    assert get_args(c.Accrue) == periods.UNITS
    assert get_args(c.AccrueOrNone) == (*periods.UNITS, "none")
    assert get_args(c.Align) == periods.ALIGNS
    assert get_args(c.Proration) == periods.PRORATIONS
    assert get_args(c.AgreementStatus) == AGREEMENT_STATUSES
    assert get_args(c.SubscriptionStatus) == SUBSCRIPTION_STATUSES
    assert get_args(c.ReportBy) == tuple(REPORT_COLUMNS)
    assert get_args(c.OrderSort) == SORTS
    assert get_args(c.RepairCodeKind) == REPAIR_CODE_KINDS
    assert get_args(c.RepairReportBy) == REPAIR_REPORT_BY
    assert get_args(c.ReturnStatus) == return_rules.STATUSES
    assert get_args(c.ReturnAction) == return_rules.ACTIONS
    assert set(get_args(c.SlaStatus)) == set(SLA_STATUSES) == {*sla_rules.STATUSES, "none"}


def test_help_lists_the_choices_and_flags_show_no_value(cli):
    text = cli("order", "list", "--help", env={"COLUMNS": "200"}).stdout
    assert "<high|normal|low>" in text and "<order|date|customer|priority|stage|total|time-left|created>" in text
    assert "<bool>" not in text
    for args in (["--help"], ["worker", "add", "--help"], ["subscription", "group", "add", "--help"]):
        assert "<bool>" not in cli(*args, env={"COLUMNS": "200"}).stdout
    assert "technician|dispatcher|manager" in cli("worker", "add", "--help", env={"COLUMNS": "200"}).stdout


def test_a_choice_is_case_insensitive_and_anything_else_a_usage_error(cli):
    cli("customer", "add", "C-1", "--name", "Bakery")
    assert cli.json("order", "create", "--customer", "C-1", "--priority", "HIGH")["priority"] == "high"
    result = cli("order", "create", "--customer", "C-1", "--priority", "urgent", code=2)
    assert result.stderr == "error: invalid --priority 'urgent': must be one of high, normal or low\n"


def test_no_help_page_shows_a_flag_value_or_doubled_brackets(cli):
    from custsvc.cli import iter_commands

    for path, _command in iter_commands():
        text = cli(*path, "--help", env={"COLUMNS": "200"}).stdout
        usage = next(line for line in text.splitlines() if "Usage:" in line)
        assert "[[" not in usage, usage
        assert "<bool>" not in text, path
