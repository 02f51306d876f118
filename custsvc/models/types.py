"""Column types: exact money as integer cents, quantities as integer thousandths."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, types

from custsvc.domain.money import from_cents, from_milli, to_cents, to_milli


class Money(types.TypeDecorator[Decimal]):
    """``Decimal`` with two places in Python, integer cents in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, int):
            return value * 100
        return to_cents(Decimal(value))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else from_cents(int(value))


class Qty(types.TypeDecorator[Decimal]):
    """``Decimal`` with up to three places in Python, integer thousandths in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        return to_milli(Decimal(value))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else from_milli(int(value))
