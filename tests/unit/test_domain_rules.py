"""Rules moved into the domain: pro-rata credits, exact shares, and the SLA outcome kept between events."""

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from custsvc.domain.money import share_of
from custsvc.domain.periods import cancellation_credit, overlap_days, period_price, prorata, reduction_credit
from custsvc.domain.sla import outcome_as_of

D = Decimal
T0 = datetime(2026, 3, 10, 9, tzinfo=UTC)
H = timedelta(hours=1)


def test_pro_rata_credits():
    assert period_price(D("1000.00"), D(110)) == D("1100.00")
    assert prorata(D("200.00"), 2, 31) == D("12.90")  # the domain page's reduction example
    assert reduction_credit(D("200.00"), D(100), 2, 31) == D("12.90")
    assert reduction_credit(D("189.00"), D("103.5"), 3, 30) == D("19.56")  # 195.615 -> 195.62 first, then 3/30
    assert cancellation_credit(D("310.00"), 10, 31) == D("100.00")
    assert cancellation_credit(D("-0.00"), 5, 31) == D("0.00")


def test_overlap_days():
    d = datetime(2026, 3, 1).date()
    assert overlap_days(d, d + timedelta(days=9), d + timedelta(days=5), d + timedelta(days=20)) == 5
    assert overlap_days(d, d, d + timedelta(days=1), d + timedelta(days=2)) == 0


def test_shares_round_half_up_exactly():
    assert share_of(D("1000.00"), Fraction(1, 3)) == D("333.33")
    assert share_of(D("0.05"), Fraction(1, 2)) == D("0.03")
    assert share_of(D("-0.05"), Fraction(1, 2)) == D("-0.03")
    assert share_of(D("100.00"), Fraction(31, 365)) == D("8.49")


@given(st.integers(-(10**9), 10**9), st.integers(1, 400), st.integers(1, 400))
def test_a_share_is_the_exact_product_rounded_half_up(cents, numerator, denominator):
    weight = Fraction(numerator, denominator)
    exact = Fraction(cents, 100) * weight
    with localcontext() as context:
        context.prec = 60  # far more digits than these fractions need to round the right way
        expected = (D(exact.numerator) / D(exact.denominator)).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert share_of(D(cents) / 100, weight) == expected


def test_an_open_clock_breaches_when_a_deadline_passes():
    kept = {"paused_since": None, "response_due": T0 + H, "responded_at": None, "resolution_due": T0 + 4 * H}
    assert outcome_as_of("open", T0, **kept) == "open"
    assert outcome_as_of("open", T0 + 2 * H, **kept) == "breached"
    assert outcome_as_of("open", T0 + 2 * H, **{**kept, "responded_at": T0}) == "open"
    assert outcome_as_of("met", T0 + 9 * H, **kept) == "met"


def test_breached_while_paused_only_when_the_deadline_passed_before_the_pause():
    late_pause = {"paused_since": T0 + 2 * H, "response_due": T0 + H, "responded_at": None, "resolution_due": None}
    assert outcome_as_of("open", T0 + 30 * H, **late_pause) == "breached"
    early_pause = {**late_pause, "paused_since": T0 + H / 2}
    assert outcome_as_of("open", T0 + 30 * H, **early_pause) == "open"  # the deadline moves while paused
