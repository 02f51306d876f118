"""The setup lists returns are coded from: reasons (why a customer sends something back) and
dispositions (what happens to a returned line once inspected, each mapped to one of the actions of
``domain/returns.ACTIONS``). A code in use stays: removing it is refused, naming how often it is used."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from custsvc.context import Context
from custsvc.domain.checks import check_key, check_text
from custsvc.domain.returns import ACTIONS
from custsvc.errors import Duplicate, InvalidInput, NotFound, RuleViolation
from custsvc.models import ReturnDisposition, ReturnLine, ReturnOrder, ReturnReason
from custsvc.values import counted


def _description(description: str) -> str:
    text = check_text(description, "description")
    if not text:
        raise InvalidInput("description", description, "must not be empty")
    return text


def check_action(action: str) -> str:
    text = str(action).strip().lower()
    if text not in ACTIONS:
        raise InvalidInput("action", action, "expected one of " + ", ".join(ACTIONS))
    return text


def _count(ctx: Context, model: Any, column: Any, code: str) -> int:
    return ctx.execute(select(func.count()).select_from(model).where(column == code)).scalar_one()


def _uses(counts: list[tuple[int, str]]) -> str:
    return " and ".join(counted(n, noun) for n, noun in counts if n)


# --- reasons ---------------------------------------------------------------------------------------


def reason_record(row: ReturnReason) -> dict[str, Any]:
    return {"code": row.code, "description": row.description}


def get_reason(ctx: Context, code: str, field: str = "reason") -> ReturnReason:
    key = check_key(code, field)
    row = ctx.get(ReturnReason, key)
    if row is None:
        raise NotFound("return reason", key)
    return row


def add_reason(ctx: Context, code: str, *, description: str) -> dict[str, Any]:
    key = check_key(code, "code")
    text = _description(description)
    if ctx.get(ReturnReason, key) is not None:
        raise Duplicate("return reason", key)
    row = ReturnReason(code=key, description=text, created_at=ctx.now, created_by=ctx.actor)
    ctx.add(row)
    ctx.flush()
    return reason_record(row)


def list_reasons(ctx: Context) -> list[dict[str, Any]]:
    rows = ctx.execute(select(ReturnReason).order_by(ReturnReason.code)).scalars()
    return [reason_record(r) for r in rows]


def update_reason(ctx: Context, code: str, *, description: str | None = None) -> dict[str, Any]:
    row = get_reason(ctx, code, "code")
    if description is not None:
        row.description = _description(description)
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return reason_record(row)


def remove_reason(ctx: Context, code: str) -> dict[str, Any]:
    row = get_reason(ctx, code, "code")
    counts = [
        (_count(ctx, ReturnOrder, ReturnOrder.reason, row.code), "return order"),
        (_count(ctx, ReturnLine, ReturnLine.reason, row.code), "return line"),
    ]
    if any(n for n, _ in counts):
        raise RuleViolation(
            "reason-in-use", f"return reason {row.code} is used by {_uses(counts)}; it cannot be removed"
        )
    record = reason_record(row)
    ctx.delete(row)
    ctx.flush()
    return record


# --- dispositions ----------------------------------------------------------------------------------


def disposition_record(row: ReturnDisposition) -> dict[str, Any]:
    return {"code": row.code, "action": row.action, "description": row.description, "fee": row.fee}


def _fee(fee: str | None, action: str) -> Any:
    """A handling fee (empty: none), only for goods shipped back as they are."""
    from custsvc.domain.money import parse_money

    if fee is None or not str(fee).strip():
        return None
    if action != "return-to-customer":
        raise InvalidInput("fee", fee, "a handling fee goes with the action return-to-customer only")
    return parse_money(fee, "fee")


def get_disposition(ctx: Context, code: str, field: str = "disposition") -> ReturnDisposition:
    key = check_key(code, field)
    row = ctx.get(ReturnDisposition, key)
    if row is None:
        raise NotFound("return disposition", key)
    return row


def add_disposition(
    ctx: Context, code: str, *, action: str, description: str, fee: str | None = None
) -> dict[str, Any]:
    key = check_key(code, "code")
    kind = check_action(action)
    text = _description(description)
    charge = _fee(fee, kind)
    if ctx.get(ReturnDisposition, key) is not None:
        raise Duplicate("return disposition", key)
    row = ReturnDisposition(
        code=key, action=kind, description=text, fee=charge, created_at=ctx.now, created_by=ctx.actor
    )
    ctx.add(row)
    ctx.flush()
    return disposition_record(row)


def list_dispositions(ctx: Context, action: str | None = None) -> list[dict[str, Any]]:
    query = select(ReturnDisposition)
    if action is not None:
        query = query.where(ReturnDisposition.action == check_action(action))
    order = {a: n for n, a in enumerate(ACTIONS)}
    rows = sorted(ctx.execute(query).scalars(), key=lambda r: (order.get(r.action, len(order)), r.code))
    return [disposition_record(r) for r in rows]


def update_disposition(
    ctx: Context, code: str, *, action: str | None = None, description: str | None = None, fee: str | None = None
) -> dict[str, Any]:
    row = get_disposition(ctx, code, "code")
    if description is not None:
        row.description = _description(description)
    if action is not None:
        kind = check_action(action)
        used = _count(ctx, ReturnLine, ReturnLine.disposition, row.code)
        if kind != row.action and used:
            raise RuleViolation(
                "disposition-action-fixed-once-used",
                f"return disposition {row.code} is used by {counted(used, 'return line')}; its action stays "
                f"{row.action}",
            )
        row.action = kind
    if fee is not None or row.action != "return-to-customer":
        row.fee = _fee(fee, row.action) if fee is not None else None
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return disposition_record(row)


def remove_disposition(ctx: Context, code: str) -> dict[str, Any]:
    row = get_disposition(ctx, code, "code")
    used = _count(ctx, ReturnLine, ReturnLine.disposition, row.code)
    if used:
        raise RuleViolation(
            "disposition-in-use",
            f"return disposition {row.code} is used by {counted(used, 'return line')}; it cannot be removed",
        )
    record = disposition_record(row)
    ctx.delete(row)
    ctx.flush()
    return record
