"""Exact money and quantities.

Money is ``Decimal`` with two places in the domain and integer cents in the database.
Quantities (hours, pieces) are ``Decimal`` with up to three places, stored as thousandths.
Rounding is half-up ("commercial"), done explicitly where an amount is computed.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from custsvc.errors import InvalidInput

CENT = Decimal("0.01")
#: every amount custsvc keeps (a price, a line, an invoice's total) is below this: 9,999,999,999,999.99
#: fits the store's integer cents many times over, also summed over an invoice's lines
MONEY_LIMIT = Decimal(10) ** 13
#: quantities (hours, pieces) are below this
QTY_LIMIT = Decimal(10) ** 9
MONEY_PLACES = 2
QTY_PLACES = 3
QTY_SCALE = 10**QTY_PLACES
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")  # ASCII digits only: not ١٢


def _decimal(text: object, field: str, what: str) -> Decimal:
    if isinstance(text, Decimal):
        if not text.is_finite():
            raise InvalidInput(field, text, f"expected {what} such as 12.50")
        return text
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):
        raise InvalidInput(field, text, f"{what} must be given as text or Decimal, not float")
    value = str(text).strip().replace("_", "")
    if not _NUMBER.fullmatch(value):
        raise InvalidInput(field, text, f"expected {what} such as 12.50")
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern already guards this
        raise InvalidInput(field, text, f"expected {what} such as 12.50") from None


def parse_money(text: object, field: str = "amount", *, allow_negative: bool = False) -> Decimal:
    """A money amount with at most two decimals (``12.5`` -> ``12.50``)."""
    value = _decimal(text, field, "an amount")
    if value.as_tuple().exponent < -MONEY_PLACES:  # type: ignore[operator]
        raise InvalidInput(field, text, "an amount has at most 2 decimals")
    if value < 0 and not allow_negative:
        raise InvalidInput(field, text, "must not be negative")
    if abs(value) >= MONEY_LIMIT:
        raise InvalidInput(field, text, f"amount too large (at most {MONEY_LIMIT - CENT})")
    return value.quantize(CENT)


def parse_quantity(text: object, field: str = "quantity", *, allow_zero: bool = True) -> Decimal:
    """A non-negative quantity with at most three decimals."""
    value = _decimal(text, field, "a number")
    if value.as_tuple().exponent < -QTY_PLACES:  # type: ignore[operator]
        raise InvalidInput(field, text, "at most 3 decimals")
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(field, text, "must be positive" if not allow_zero else "must not be negative")
    if value >= QTY_LIMIT:
        raise InvalidInput(field, text, f"number too large (at most {QTY_LIMIT - 1})")
    return normalize_qty(value)


def normalize_qty(value: Decimal) -> Decimal:
    """``1.500`` -> ``1.5``, ``2.000`` -> ``2``; never scientific notation."""
    value = value.quantize(Decimal(1).scaleb(-QTY_PLACES)).normalize()
    if value.as_tuple().exponent > 0:  # type: ignore[operator]
        value = value.quantize(Decimal(1))
    return value


def check_amount(value: Decimal, field: str, given: object = None) -> Decimal:
    """``value`` if it is an amount custsvc can keep, else ``InvalidInput`` naming ``field`` and what
    was given (default: the amount itself)."""
    if abs(value) >= MONEY_LIMIT:
        shown = format(value, "f") if given is None else given
        raise InvalidInput(field, shown, f"makes {value}, more than the largest amount {MONEY_LIMIT - CENT}")
    return value


def round_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def share_of(amount: Decimal, weight: Fraction) -> Decimal:
    """``amount`` x ``weight``, rounded half-up to cents, computed exactly (no float, no decimal
    division that stops after 28 digits)."""
    cents = Fraction(to_cents(amount)) * weight
    whole, rest = divmod(abs(cents), 1)
    rounded = int(whole) + (1 if rest >= Fraction(1, 2) else 0)
    return from_cents(rounded if cents >= 0 else -rounded)


def to_cents(value: Decimal) -> int:
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{value} has more than two decimals; round it first")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def to_milli(value: Decimal) -> int:
    scaled = value * QTY_SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than three decimals")
    return int(scaled)


def from_milli(milli: int) -> Decimal:
    return normalize_qty(Decimal(milli) / QTY_SCALE)


def format_money(value: Decimal, *, thousands: bool = False) -> str:
    return f"{value:,.2f}" if thousands else f"{value:.2f}"
