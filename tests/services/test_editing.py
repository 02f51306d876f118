"""Fixing records after creation: agreements and their lines, SLAs, subscription groups (issue 11, point 12)."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from custsvc.errors import BadUsage, InvalidInput, NotFound, RuleViolation, Usage
from custsvc.models import AgreementLine, OrderSla, SlaAssignment, SlaTarget, SubscriptionGroup
from custsvc.services import agreements, calendars, master, orders, subscriptions
from custsvc.services import sla as slas
from custsvc.services.agreements import editing
from custsvc.services.sla import definitions
from custsvc.services.subscriptions import catalog


@pytest.fixture
def shop(ctx):
    master.add(ctx, "worker", {"worker": "T-1", "name": "Anna", "roles": ["technician"]})
    master.add(ctx, "worker", {"worker": "T-2", "name": "Martins", "roles": ["technician"]})
    master.add(ctx, "worker", {"worker": "M-1", "name": "Ilze", "roles": ["manager"]})
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
    master.add(ctx, "customer", {"account": "C-2", "name": "Cafe"})
    master.add(ctx, "task", {"task": "CHECK", "description": "Inspection", "hours": "2", "price": "50.00"})
    master.add(ctx, "item", {"item": "FILTER", "name": "Filter", "price": "5.00"})
    master.add(ctx, "object", {"object": "X-1", "customer": "C-1"})
    master.add(ctx, "object", {"object": "X-2", "customer": "C-1"})
    master.add(ctx, "object", {"object": "Y-1", "customer": "C-2"})
    return ctx


@pytest.fixture
def agr(shop):
    """A-1 for C-1 from 2026-01-01, combined by object: line 1 weekly from 5 January, line 2 a monthly filter."""
    agreements.create(shop, "A-1", customer="C-1", start="2026-01-01", combine_rule="object", group="gold")
    agreements.add_line(shop, "A-1", type="hour", task="CHECK", obj="X-1", every="1 week", start="2026-01-05")
    agreements.add_line(shop, "A-1", type="item", item="FILTER", obj="X-2", every="1 month", start="2026-01-10")
    return shop


def generate(ctx, lo, hi, agreement="A-1"):
    return agreements.generate(
        ctx, agreement=agreement, date_from=date.fromisoformat(lo), date_to=date.fromisoformat(hi)
    )


def count(ctx, model, *where):
    return ctx.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


# --- agreement update ---------------------------------------------------------------------------


def test_update_changes_only_what_is_given_and_records_who_and_when(agr):
    before = agreements.show(agr, "A-1")
    after = editing.update(agr, "A-1", description="Bakery upkeep", end="2026-12-31", technician="T-1")
    assert (after["description"], after["end"], after["technician"]) == ("Bakery upkeep", date(2026, 12, 31), "T-1")
    assert (after["group"], after["combine"], after["start"]) == ("gold", "object", date(2026, 1, 1))
    assert after["updated_by"] == "tester" and after["updated_at"] == agr.now
    assert after["line_items"] == before["line_items"]


def test_update_clears_optional_fields_with_an_empty_value(agr):
    editing.update(agr, "A-1", description="x", end="2026-12-31", technician="T-1")
    after = editing.update(agr, "A-1", description="", end="", technician="", group="")
    assert (after["description"], after["end"], after["technician"], after["group"]) == (None, None, None, None)


def test_update_without_an_option_is_a_usage_error(agr):
    with pytest.raises(Usage, match="nothing to change"):
        editing.update(agr, "A-1")
    with pytest.raises(NotFound, match="A-9"):
        editing.update(agr, "A-9", description="x")


def test_the_end_may_not_fall_before_the_start_or_a_generated_visit(agr):
    with pytest.raises(InvalidInput, match="end '2025-12-31': is before the start 2026-01-01"):
        editing.update(agr, "A-1", end="2025-12-31")
    generate(agr, "2026-01-01", "2026-01-31")  # line 1: 5, 12, 19, 26 January; line 2: 10 January
    with pytest.raises(RuleViolation, match="latest visit already generated for A-1, on 2026-01-26") as refused:
        editing.update(agr, "A-1", end="2026-01-20", description="not written")
    assert refused.value.rule == "end-after-generated-visits"
    assert agreements.show(agr, "A-1")["end"] is None
    assert agreements.show(agr, "A-1")["description"] is None
    assert editing.update(agr, "A-1", end="2026-01-26")["end"] == date(2026, 1, 26)


def test_the_technician_must_hold_the_technician_role(agr):
    with pytest.raises(RuleViolation, match="'M-1' does not have the technician role") as refused:
        editing.update(agr, "A-1", technician="M-1")
    assert refused.value.rule == "technician-role"
    with pytest.raises(NotFound, match="T-9"):
        editing.update(agr, "A-1", technician="T-9")


def test_the_combine_rule_changes_only_until_orders_were_generated(agr):
    assert editing.update(agr, "A-1", combine_rule="Task")["combine"] == "task"
    with pytest.raises(InvalidInput, match="combine 'weekly'"):
        editing.update(agr, "A-1", combine_rule="weekly")
    generate(agr, "2026-01-01", "2026-01-31")
    with pytest.raises(RuleViolation, match="combine 'object': A-1 has generated 5 order") as refused:
        editing.update(agr, "A-1", combine_rule="object")
    assert refused.value.rule == "combine-fixed-once-generated"
    assert editing.update(agr, "A-1", combine_rule="task")["combine"] == "task"  # the same rule is no change


def test_update_applies_an_sla_like_sla_apply_and_an_empty_one_removes_it(agr):
    calendars.add(agr, "office", timezone="Europe/Riga", hours=["mon-fri 08:00-17:00"])
    slas.add(agr, "gold", calendar="office", response=["2h"], resolution=["8h"])
    assert editing.update(agr, "A-1", sla="gold")["sla"] == "gold"
    assert slas.resolve(agr, customer="C-1", agreement="A-1") == "gold"
    with pytest.raises(NotFound, match="SLA 'platinum'"):
        editing.update(agr, "A-1", sla="platinum", description="not written")
    assert agreements.show(agr, "A-1")["description"] is None
    assert editing.update(agr, "A-1", sla="")["sla"] is None
    assert count(agr, SlaAssignment) == 0
    assert editing.update(agr, "A-1", sla="")["sla"] is None  # nothing to remove: no error


def test_templates_can_be_updated(shop):
    agreements.create(shop, "TPL-1", customer="C-1", start="2026-01-01", template=True, description="Template: x")
    out = editing.update(shop, "TPL-1", description="Template: boilers", technician="T-2", combine_rule="task")
    assert (out["template"], out["description"], out["technician"], out["combine"]) == (
        True,
        "Template: boilers",
        "T-2",
        "task",
    )


def test_update_warns_of_lines_that_start_after_the_new_end(agr):
    agreements.add_line(agr, "A-1", type="fee", price="10", start="2026-09-01")
    out = editing.update(agr, "A-1", end="2026-06-30")
    assert out["warnings"] == ["line 3 starts on 2026-09-01, after the end 2026-06-30: it generates nothing"]


# --- agreement remove -----------------------------------------------------------------------------


def test_remove_takes_the_lines_and_the_sla_with_it(agr):
    calendars.add(agr, "office", timezone="Europe/Riga", hours=["mon-fri 08:00-17:00"])
    slas.add(agr, "gold", calendar="office", response=["2h"], resolution=["8h"])
    slas.apply(agr, "gold", "agreement", "A-1")
    assert editing.remove(agr, "A-1") == {"agreement": "A-1", "removed": True, "lines": 2}
    assert count(agr, AgreementLine) == 0 and count(agr, SlaAssignment) == 0
    with pytest.raises(NotFound):
        agreements.show(agr, "A-1")
    agreements.create(agr, "A-1", customer="C-1", start="2026-01-01")  # the key is free again


def test_remove_is_refused_while_service_orders_refer_to_the_agreement(agr):
    generate(agr, "2026-01-01", "2026-01-31")
    orders.create(agr, customer="C-1", agreement="A-1")
    with pytest.raises(RuleViolation, match="6 service orders refer to agreement A-1") as refused:
        editing.remove(agr, "A-1")
    assert refused.value.rule == "agreement-without-orders"
    assert count(agr, AgreementLine) == 2


def test_remove_counts_a_hand_made_order_too(agr):
    orders.create(agr, customer="C-1", agreement="A-1")
    with pytest.raises(RuleViolation, match="1 service order refers"):
        editing.remove(agr, "A-1")


# --- agreement line update ------------------------------------------------------------------------


def test_line_update_changes_what_is_given(agr):
    out = editing.update_line(agr, "A-1", 2, quantity="3", price="4.50", description="Filters", window="week")
    assert (out["quantity"], out["price"], out["description"], out["window"]) == (
        Decimal("3"),
        Decimal("4.50"),
        "Filters",
        "week",
    )
    assert (out["item"], out["object"], out["every"], out["start"]) == ("FILTER", "X-2", "1 month", date(2026, 1, 10))
    assert out["updated_by"] == "tester" and agreements.show(agr, "A-1")["updated_at"] == agr.now
    cleared = editing.update_line(agr, "A-1", 2, quantity="", price="", description="", window="")
    assert (cleared["quantity"], cleared["price"], cleared["description"], cleared["window"]) == (None,) * 4


def test_line_update_checks_as_line_add_does(agr):
    with pytest.raises(RuleViolation, match="'Y-1' belongs to C-2"):
        editing.update_line(agr, "A-1", 1, obj="Y-1")
    with pytest.raises(NotFound, match="service task 'NOPE'"):
        editing.update_line(agr, "A-1", 1, task="NOPE")
    with pytest.raises(NotFound, match="worker 'W-9'"):
        editing.update_line(agr, "A-1", 1, worker="W-9")
    with pytest.raises(InvalidInput, match="an item line needs --item"):
        editing.update_line(agr, "A-1", 2, item="")
    with pytest.raises(InvalidInput, match="a hour line without an item or task needs --price"):
        editing.update_line(agr, "A-1", 1, task="")
    with pytest.raises(InvalidInput, match="qty '0'"):
        editing.update_line(agr, "A-1", 1, quantity="0")
    with pytest.raises(InvalidInput, match="price '1,5'"):
        editing.update_line(agr, "A-1", 1, price="1,5")
    with pytest.raises(BadUsage, match="either --every or --rrule"):
        editing.update_line(agr, "A-1", 1, every="1 week", rrule="FREQ=DAILY")
    with pytest.raises(InvalidInput, match="every 'fortnightly-ish'"):
        editing.update_line(agr, "A-1", 1, every="fortnightly-ish")
    with pytest.raises(InvalidInput, match="end '2026-01-01': is before the start 2026-01-05"):
        editing.update_line(agr, "A-1", 1, end="2026-01-01")
    editing.update(agr, "A-1", end="2026-06-30")
    with pytest.raises(InvalidInput, match="start '2026-07-01': is after the agreement's end 2026-06-30"):
        editing.update_line(agr, "A-1", 1, start="2026-07-01")
    with pytest.raises(NotFound, match="A-1/7"):
        editing.update_line(agr, "A-1", 7, quantity="1")
    with pytest.raises(Usage, match="nothing to change"):
        editing.update_line(agr, "A-1", 1)
    assert agreements.show(agr, "A-1")["line_items"][0]["updated_at"] is None


def test_line_update_before_generation_may_move_the_start_and_change_the_interval(agr):
    out = editing.update_line(agr, "A-1", 1, start="2026-01-06", every="2 weeks", obj="", task="CHECK")
    assert (out["start"], out["every"], out["object"]) == (date(2026, 1, 6), "2 weeks", None)
    out = editing.update_line(agr, "A-1", 1, rrule="FREQ=MONTHLY;BYDAY=1MO")
    assert (out["every"], out["rrule"]) == (None, "FREQ=MONTHLY;BYDAY=1MO")
    assert editing.update_line(agr, "A-1", 1, rrule="")["schedule"] == "once"
    assert [o["date"] for o in generate(agr, "2026-01-01", "2026-01-31")["orders"] if o["lines"][0]["task"]] == [
        date(2026, 1, 6)
    ]


def test_once_generated_a_line_keeps_its_start_and_interval(agr):
    generate(agr, "2026-01-01", "2026-01-31")
    with pytest.raises(RuleViolation, match="start 2026-01-06: the start 2026-01-05 is the anchor") as refused:
        editing.update_line(agr, "A-1", 1, start="2026-01-06")
    assert refused.value.rule == "start-fixed-once-generated"
    assert "agreement line stop A-1 1" in str(refused.value)
    with pytest.raises(RuleViolation, match="every '2 weeks': line 1 of A-1 has generated visits") as refused:
        editing.update_line(agr, "A-1", 1, every="2 weeks", quantity="5")
    assert refused.value.rule == "interval-fixed-once-generated"
    assert "add a new line" in str(refused.value)
    with pytest.raises(RuleViolation, match="rrule 'FREQ=WEEKLY'"):
        editing.update_line(agr, "A-1", 1, rrule="FREQ=WEEKLY")
    with pytest.raises(
        RuleViolation, match="end 2026-01-20 is before the latest visit .* line 1 of A-1, on 2026-01-26"
    ):
        editing.update_line(agr, "A-1", 1, end="2026-01-20")
    line = agreements.show(agr, "A-1")["line_items"][0]
    assert (line["start"], line["every"], line["quantity"], line["end"]) == (date(2026, 1, 5), "1 week", None, None)
    # the same interval in other words, the window, the end after the visits and the amounts may change
    out = editing.update_line(agr, "A-1", 1, every="weekly", start="2026-01-05", end="2026-02-28", window="days:2")
    assert (out["every"], out["end"], out["window"]) == ("1 week", date(2026, 2, 28), "days:2")
    assert editing.update_line(agr, "A-1", 1, quantity="3")["quantity"] == Decimal("3")


def test_a_stopped_lines_object_that_moved_on_is_not_checked_again(agr):
    agreements.stop_line(agr, "A-1", 1)
    master.update_record(agr, "object", "X-1", {"customer": "C-2"})
    assert editing.update_line(agr, "A-1", 1, description="old")["description"] == "old"


# --- agreement line remove ------------------------------------------------------------------------


def test_line_remove_only_before_the_line_made_order_lines(agr):
    generate(agr, "2026-01-01", "2026-01-08")  # only line 1 (5 January)
    with pytest.raises(RuleViolation, match="line 1 of A-1 generated 1 order line") as refused:
        editing.remove_line(agr, "A-1", 1)
    assert refused.value.rule == "line-without-order-lines"
    assert "agreement line stop A-1 1" in str(refused.value)
    assert editing.remove_line(agr, "A-1", 2) == {"agreement": "A-1", "line": 2, "removed": True}
    assert [line["line"] for line in agreements.show(agr, "A-1")["line_items"]] == [1]
    assert agreements.show(agr, "A-1")["updated_at"] == agr.now
    with pytest.raises(NotFound, match="A-1/2"):
        editing.remove_line(agr, "A-1", 2)


# --- agreement copy of a template -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "copied"),
    [
        ("Template: yearly boiler service", "yearly boiler service"),
        ("Template - yearly boiler service", "yearly boiler service"),
        ("template:yearly", "yearly"),
        ("Templates are great", "Templates are great"),
        ("Boiler template: yearly", "Boiler template: yearly"),
        ("Template:", None),
    ],
)
def test_a_copy_of_a_template_drops_the_template_prefix(shop, description, copied):
    agreements.create(shop, "TPL-1", customer="C-1", start="2026-01-01", template=True, description=description)
    assert agreements.copy(shop, "TPL-1", "A-2")["description"] == copied
    assert agreements.copy(shop, "TPL-1", "TPL-2", as_template=True)["description"] == description


def test_a_copy_takes_the_description_given(shop):
    agreements.create(shop, "TPL-1", customer="C-1", start="2026-01-01", template=True, description="Template: x")
    agreements.create(shop, "A-1", customer="C-1", start="2026-01-01", description="Template: kept")
    assert agreements.copy(shop, "TPL-1", "A-2", description="Bakery boilers")["description"] == "Bakery boilers"
    assert agreements.copy(shop, "A-1", "A-3")["description"] == "Template: kept"  # not from a template
    with pytest.raises(InvalidInput, match="description"):
        agreements.copy(shop, "TPL-1", "A-4", description="two\nlines")


# --- sla update ---------------------------------------------------------------------------------------


@pytest.fixture
def sla_shop(shop):
    calendars.add(shop, "office", timezone="Europe/Riga", hours=["mon-fri 08:00-17:00"])
    calendars.add(shop, "always", timezone="Europe/Riga", hours=["mon-sun 00:00-24:00"])
    slas.add(shop, "gold", calendar="office", response=["high=1h", "2h"], resolution=["high=4h", "8h"])
    return shop


def test_sla_update_replaces_the_targets_given_and_keeps_the_others(sla_shop):
    out = definitions.update(sla_shop, "gold", response=["high=30m", "1h"], description="Faster")
    assert (out["response_high"], out["response_normal"], out["resolution_high"], out["resolution_low"]) == (
        "30m",
        "1h",
        "4h",
        "8h",
    )
    assert (out["description"], out["updated_by"], out["updated_at"]) == ("Faster", "tester", sla_shop.now)
    out = definitions.update(sla_shop, "gold", resolution=["low=2d", "6h"], calendar="always")
    assert (out["resolution_high"], out["resolution_normal"], out["resolution_low"]) == ("6h", "6h", "48h")
    assert (out["response_high"], out["response_normal"], out["calendar"]) == ("30m", "1h", "always")
    assert definitions.update(sla_shop, "gold", description="")["description"] is None


def test_sla_update_checks_as_sla_add_does(sla_shop):
    with pytest.raises(InvalidInput, match="resolution '1h': is shorter than the response target 2h"):
        definitions.update(sla_shop, "gold", resolution=["1h"])
    with pytest.raises(InvalidInput, match="response '9h': is longer than the resolution target 8h"):
        definitions.update(sla_shop, "gold", response=["9h"])
    with pytest.raises(InvalidInput, match="response 'urgent=1h'"):
        definitions.update(sla_shop, "gold", response=["urgent=1h"])
    with pytest.raises(InvalidInput, match="no target for priority normal"):
        definitions.update(sla_shop, "gold", response=["high=1h"])
    with pytest.raises(NotFound, match="calendar 'nope'"):
        definitions.update(sla_shop, "gold", calendar="nope")
    with pytest.raises(NotFound, match="SLA 'tin'"):
        definitions.update(sla_shop, "tin", description="x")
    with pytest.raises(Usage):
        definitions.update(sla_shop, "gold")
    assert slas.record(sla_shop, slas.get(sla_shop, "gold"))["response_normal"] == "2h"
    assert count(sla_shop, SlaTarget) == 2


def test_orders_keep_the_targets_they_were_created_with(sla_shop):
    old = orders.create(sla_shop, customer="C-1", priority="high", sla="gold")["order"]
    definitions.update(sla_shop, "gold", response=["15m"], resolution=["1h"], calendar="always")
    new = orders.create(sla_shop, customer="C-1", priority="high", sla="gold")["order"]
    kept = sla_shop.get(OrderSla, old)
    assert (kept.response_target, kept.resolution_target, kept.calendar) == (3600, 4 * 3600, "office")
    fresh = sla_shop.get(OrderSla, new)
    assert (fresh.response_target, fresh.resolution_target, fresh.calendar) == (900, 3600, "always")


# --- subscription groups ------------------------------------------------------------------------------


@pytest.fixture
def groups(shop):
    subscriptions.add_group(shop, "monthly", period="month", align="calendar", proration="daily", accrue="month")
    subscriptions.add_group(shop, "spare", period="month")
    return shop


def test_group_update_changes_what_is_given(groups):
    out = catalog.update_group(groups, "monthly", description="Support", proration="full", accrue="day")
    assert (out["description"], out["proration"], out["accrue"], out["period"]) == ("Support", "full", "day", "month")
    assert (out["updated_by"], out["updated_at"], out["subscriptions"]) == ("tester", groups.now, 0)
    out = catalog.update_group(
        groups, "monthly", period="year", every=2, align="anniversary", accrue="", description=""
    )
    assert (out["period"], out["every"], out["align"], out["accrue"], out["description"]) == (
        "year",
        2,
        "anniversary",
        None,
        None,
    )


def test_group_update_checks_its_values(groups):
    with pytest.raises(InvalidInput, match="proration 'some'"):
        catalog.update_group(groups, "monthly", proration="some")
    with pytest.raises(InvalidInput, match="accrue 'year': accrual periods must fit"):
        catalog.update_group(groups, "monthly", accrue="year")
    with pytest.raises(InvalidInput, match="accrue 'month': accrual periods must fit the invoicing period"):
        catalog.update_group(groups, "monthly", period="week")  # the accrual it has no longer fits
    with pytest.raises(InvalidInput, match="every '0'"):
        catalog.update_group(groups, "monthly", every=0)
    with pytest.raises(NotFound, match="subscription group 'nope'"):
        catalog.update_group(groups, "nope", description="x")
    with pytest.raises(Usage):
        catalog.update_group(groups, "monthly")
    assert groups.get(SubscriptionGroup, "monthly").updated_at is None


def test_period_every_and_align_stay_once_a_subscription_was_billed(groups):
    subscriptions.create(groups, "S-1", customer="C-1", group="monthly", fee="49.00", start=date(2026, 1, 1))
    assert catalog.update_group(groups, "monthly", align="anniversary")["align"] == "anniversary"  # nothing billed
    catalog.update_group(groups, "monthly", align="calendar")
    subscriptions.invoice_run(groups, date(2026, 1, 31))
    for change, shown in (
        ({"period": "quarter"}, "period quarter"),
        ({"every": 2}, "every 2"),
        ({"align": "anniversary"}, "align anniversary"),
    ):
        with pytest.raises(RuleViolation, match=f"{shown}: 1 subscription of group monthly was billed") as refused:
            catalog.update_group(groups, "monthly", description="not written", **change)
        assert refused.value.rule == "policy-fixed-once-billed"
    assert groups.get(SubscriptionGroup, "monthly").description is None
    out = catalog.update_group(groups, "monthly", period="month", every=1, proration="none", accrue="day")
    assert (out["proration"], out["accrue"]) == ("none", "day")


def test_the_accrual_stays_once_accruals_were_posted(groups):
    subscriptions.create(groups, "S-1", customer="C-1", group="monthly", fee="49.00", start=date(2026, 1, 1))
    subscriptions.invoice_run(groups, date(2026, 1, 31))
    subscriptions.accruals(groups, date(2026, 1, 31), post=True)
    with pytest.raises(RuleViolation, match="accrue 'day': 1 accrual part of group monthly was posted") as refused:
        catalog.update_group(groups, "monthly", accrue="day")
    assert refused.value.rule == "accrual-fixed-once-posted"
    assert catalog.update_group(groups, "monthly", accrue="month", proration="full")["proration"] == "full"


def test_group_remove_only_without_subscriptions(groups):
    subscriptions.create(groups, "S-1", customer="C-1", group="monthly", fee="49.00", start=date(2026, 1, 1))
    with pytest.raises(RuleViolation, match="1 subscription is in group monthly") as refused:
        catalog.remove_group(groups, "monthly")
    assert refused.value.rule == "group-without-subscriptions"
    assert catalog.remove_group(groups, "spare") == {"group": "spare", "removed": True}
    assert groups.get(SubscriptionGroup, "spare") is None
    with pytest.raises(NotFound):
        catalog.remove_group(groups, "spare")
