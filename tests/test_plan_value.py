"""What a paid plan is worth to a member (storeapp.plan_value_rules): what it saved a member who
holds it, what the best plan would have saved one who does not, and the properties both keep
over any purchases — never negative, never more than the sales took off or paid, a missed plan
only when it beats its fee, and more purchases never show less; and the sums a database makes
of the plain sales are the rule's own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from storeapp.money import percent_of
from storeapp.plan_value_rules import (
    MISSED,
    NOTHING,
    SAVED,
    Held,
    PastSale,
    PlanTerms,
    Tally,
    best_offer,
    holding,
    percent_ratio,
    plain_saving,
    plain_share,
    plan_share,
    plan_value,
    tally,
    would_save,
    year_fee,
)
from storeapp.pricing import CouponTerms, PricingRules

NOW = dt.datetime(2026, 3, 10, 2, 0)
DAY = dt.timedelta(days=1)
RULES = PricingRules(points_per_yuan=1, points_fen_per_point=1, points_redeem_min=100,
                     points_redeem_max_pct=50)
PLUS = PlanTerms("PLUS", "PLUS会员", 9_900, 365, Decimal(3))
QUARTER = PlanTerms("Q", "季卡", 2_900, 90, Decimal(5))


HELD = {"PLUS": PLUS, "Q": QUARTER}


def sale(subtotal_fen: int, *, under: str | None = None, discount_fen: int = 0,
         staff_fen: int = 0, coupon: CouponTerms | None = None, coupon_fen: int = 0,
         plan_coupon: bool = False, points: int = 0) -> PastSale:
    """A sale as checkout records it: total = subtotal - discount - coupon - points; ``under``
    the plan it was made under."""
    total = subtotal_fen - discount_fen - coupon_fen - points
    return PastSale(subtotal_fen=subtotal_fen, discount_fen=discount_fen,
                    staff_discount_fen=staff_fen, coupon_fen=coupon_fen, points_redeemed=points,
                    points_fen=points, total_fen=total, plan_code=under, coupon=coupon,
                    plan_coupon=plan_coupon)


def shown(sales: list[PastSale], current: PlanTerms | None = None,
          offered: tuple[PlanTerms, ...] = (PLUS,)) -> object:
    return plan_value(sales, HELD, current, offered, RULES)


# -- what a member sees ---------------------------------------------------------------------------

def test_a_member_without_a_plan_sees_what_plus_would_have_saved() -> None:
    """¥6,200 bought in the year at 3% extra: ¥186 missed, more than the ¥99 fee."""
    value = plan_value([sale(310_000), sale(310_000)], {}, None, [PLUS], RULES)
    assert (value.kind, value.plan_code, value.plan_name) == (MISSED, "PLUS", "PLUS会员")
    assert (value.amount_fen, value.fee_fen) == (18_600, 9_900)


def test_a_missed_plan_is_shown_only_when_it_beats_its_fee() -> None:
    assert shown([sale(330_000)]) is NOTHING  # ¥99 = the fee
    assert plan_value([sale(330_100)], {}, None, [PLUS], RULES).amount_fen == 9_903
    assert shown([]) is NOTHING
    assert shown([sale(1_000_000)], offered=()) is NOTHING  # no plan on sale


def test_the_plan_with_the_best_net_saving_is_shown() -> None:
    """On ¥10,000: PLUS saves 300 - 99 = 201 net; the 90-day plan 500 - 5 × 29 = 355."""
    value = plan_value([sale(1_000_000)], {}, None, [PLUS, QUARTER], RULES)
    assert (value.plan_code, value.amount_fen, value.fee_fen) == ("Q", 50_000, 14_500)
    assert year_fee(QUARTER) == 14_500  # bought 5 times to cover 365 days


def test_a_plan_member_sees_what_the_plan_took_off() -> None:
    """Gold (5%) + PLUS (3%) = 8% recorded; the plan's share is its 3%, plus its coupon."""
    plus_coupon = CouponTerms("C1", "percent_off", 5, 0)
    sales = [sale(100_000, under="PLUS", discount_fen=8_000),
             sale(50_000, under="PLUS", discount_fen=4_000, coupon=plus_coupon,
                  coupon_fen=2_300, plan_coupon=True)]
    value = plan_value(sales, HELD, PLUS, [PLUS, QUARTER], RULES)
    assert (value.kind, value.plan_code, value.amount_fen) == (SAVED, "PLUS", 3_000 + 1_500 + 2_300)


def test_only_sales_under_a_plan_count_as_saved_each_by_its_plan() -> None:
    before = sale(100_000)  # bought before joining: nothing off
    quarter = sale(100_000, under="Q", discount_fen=5_000)  # an earlier 90-day plan: 5%
    after = sale(100_000, under="PLUS", discount_fen=3_000)
    assert tally([before, quarter, after], HELD, [], RULES).saved_fen == 8_000
    assert shown([before], current=PLUS) is NOTHING  # a plan bought today has saved nothing yet


def test_the_plan_share_never_exceeds_the_recorded_discount() -> None:
    """A sale recorded with less off than the plan's percent (its terms raised since) counts
    what it took off, not today's percent."""
    assert plan_share(sale(100_000, under="PLUS", discount_fen=1_000), PLUS) == 1_000


def test_a_staff_priced_sale_gained_nothing_from_the_plan() -> None:
    staff = sale(100_000, under="PLUS", discount_fen=20_000, staff_fen=20_000)
    assert plan_share(staff, PLUS) == 0
    assert would_save(staff, PLUS, RULES) == 0


def test_a_lapsed_member_is_offered_the_plan_on_sales_made_without_it() -> None:
    """Held PLUS for the first months of the window: those sales already had it."""
    value = shown([sale(1_000_000, under="PLUS", discount_fen=30_000), sale(400_000)])
    assert (value.kind, value.amount_fen) == (MISSED, 12_000)


def test_the_period_that_applies_is_the_latest_ending() -> None:
    first = Held(PLUS, NOW - 300 * DAY, NOW + 65 * DAY)
    renewed = Held(QUARTER, NOW - 10 * DAY, NOW + 80 * DAY)
    assert holding([first, renewed], NOW) is renewed
    assert holding([first, renewed], NOW - 100 * DAY) is first
    assert holding([first], NOW + 65 * DAY) is None  # expiry is exclusive, as at checkout


# -- pricing a sale again ----------------------------------------------------------------------

def test_a_coupon_taking_a_percent_takes_less_of_a_smaller_amount() -> None:
    """10% coupon on ¥1,000: the plan's ¥30 lowers the coupon by ¥3, saving ¥27."""
    ten = CouponTerms("C", "percent_off", 10, 0)
    assert would_save(sale(100_000, coupon=ten, coupon_fen=10_000), PLUS, RULES) == 2_700


def test_a_coupon_below_its_minimum_spend_would_not_have_applied() -> None:
    """¥20 off from ¥100: with ¥3 more off the sale is ¥97 and the coupon goes: 0, not -¥17."""
    off = CouponTerms("C", "amount_off", 2_000, 10_000)
    assert would_save(sale(10_000, coupon=off, coupon_fen=2_000), PLUS, RULES) == 0


def test_points_fall_to_the_cap_of_the_smaller_total() -> None:
    """¥100 paid half with 5,000 points: 3% off leaves ¥97, of which points pay at most
    ¥48.50; the total goes from ¥50 to ¥48.50."""
    assert would_save(sale(10_000, points=5_000), PLUS, RULES) == 150


def test_a_free_sale_saves_nothing() -> None:
    off = CouponTerms("C", "amount_off", 50_000, 0)
    assert would_save(sale(10_000, coupon=off, coupon_fen=10_000), PLUS, RULES) == 0


# -- properties ---------------------------------------------------------------------------------

coupons = st.one_of(
    st.none(),
    st.builds(CouponTerms, st.just("C"), st.just("amount_off"), st.integers(1, 50_000),
              st.integers(0, 100_000)),
    st.builds(CouponTerms, st.just("C"), st.just("percent_off"), st.integers(1, 30),
              st.just(0)),
)


@st.composite
def past_sales(draw: st.DrawFn) -> PastSale:
    """A sale priced as checkout prices it: tier (+ plan) percent, a coupon, points, staff
    price; made under PLUS, the 90-day plan or none."""
    subtotal = draw(st.integers(1, 2_000_000))
    under = draw(st.sampled_from([None, None, "PLUS", "Q"]))
    pct = Decimal(draw(st.sampled_from(["0", "2", "5", "10"]))) + (
        HELD[under].extra_discount_pct if under else 0)
    discount = percent_of(subtotal, pct)
    staff = draw(st.integers(0, 5)) == 0
    if staff:
        discount = percent_of(subtotal, 20)
    coupon = draw(coupons)
    after = subtotal - discount
    coupon_fen = 0
    if coupon is not None and after >= coupon.min_spend_fen:
        coupon_fen = (min(coupon.value, after) if coupon.kind == "amount_off"
                      else percent_of(after, coupon.value))
    else:
        coupon = None
    after -= coupon_fen
    points = draw(st.integers(0, after * RULES.points_redeem_max_pct // 100))
    return PastSale(subtotal_fen=subtotal, discount_fen=discount,
                    staff_discount_fen=discount if staff else 0, coupon_fen=coupon_fen,
                    points_redeemed=points, points_fen=points, total_fen=after - points,
                    plan_code=under, coupon=coupon,
                    plan_coupon=coupon is not None and under is not None and draw(st.booleans()))


percents = st.decimals(0, "49.999", places=3, allow_nan=False, allow_infinity=False)
plans_on_sale = st.lists(st.builds(
    PlanTerms, st.sampled_from(["A", "B", "C"]), st.just("plan"), st.integers(1, 50_000),
    st.sampled_from([30, 90, 180, 365, 400]), percents), max_size=3, unique_by=lambda p: p.code)
currents = st.sampled_from([None, PLUS, QUARTER])


@given(st.lists(past_sales(), max_size=12), currents, plans_on_sale)
def test_what_is_shown_is_never_negative_nor_more_than_the_sales_gave(
        sales: list[PastSale], current: PlanTerms | None, offered: list[PlanTerms]) -> None:
    value = plan_value(sales, HELD, current, offered, RULES)
    if value.kind is None:
        assert value.amount_fen == 0
    elif value.kind == SAVED:
        took_off = sum(s.discount_fen + s.coupon_fen for s in sales if s.plan_code)
        assert current is not None and 0 < value.amount_fen <= took_off
    else:
        paid = sum(s.total_fen for s in sales if s.plan_code is None)
        assert current is None and value.fee_fen < value.amount_fen <= paid
    for s in sales:
        for plan in [*offered, PLUS, QUARTER]:
            assert 0 <= would_save(s, plan, RULES) <= s.total_fen
            assert 0 <= plan_share(s, plan) <= s.discount_fen + s.coupon_fen


@given(st.lists(past_sales(), max_size=12), plans_on_sale)
def test_a_missed_plan_is_the_best_net_and_beats_its_fee(sales: list[PastSale],
                                                         offered: list[PlanTerms]) -> None:
    value = plan_value(sales, HELD, None, offered, RULES)
    plain = [s for s in sales if s.plan_code is None]
    nets = [sum(would_save(s, p, RULES) for s in plain) - year_fee(p) for p in offered]
    if value.kind == MISSED:
        assert value.amount_fen - value.fee_fen == max(nets) > 0
    else:
        assert value.kind is None and all(n <= 0 for n in nets)


@given(st.lists(past_sales(), max_size=10), past_sales(), plans_on_sale)
def test_more_purchases_never_show_less(sales: list[PastSale], more: PastSale,
                                        offered: list[PlanTerms]) -> None:
    """Adding a sale never lowers what plans saved, what each plan would have saved, nor the
    best net saving shown."""
    before, after = (tally(x, HELD, offered, RULES) for x in (sales, [*sales, more]))
    assert after.saved_fen >= before.saved_fen
    assert all(after.would_fen[p.code] >= before.would_fen[p.code] for p in offered)
    best_before, best_after = best_offer(before, offered), best_offer(after, offered)
    assert (best_after.net_fen if best_after else 0) >= (best_before.net_fen if best_before
                                                         else 0)


@given(st.lists(past_sales(), max_size=8), st.lists(past_sales(), max_size=8), plans_on_sale)
def test_tallies_add_up(first: list[PastSale], second: list[PastSale],
                        offered: list[PlanTerms]) -> None:
    """The figures of all sales are those of any split of them added: the database may sum the
    plain sales while the rule tallies the rest."""
    whole = tally([*first, *second], HELD, offered, RULES)
    assert tally(first, HELD, offered, RULES) + tally(second, HELD, offered, RULES) == whole
    assert Tally() + whole == whole


@given(past_sales(), percents)
def test_a_plain_sale_reduces_to_the_plain_forms(s: PastSale, pct: Decimal) -> None:
    """Without coupon, points or staff price a sale's figures are the plan's percent within the
    recorded discount, and within what was paid: what the database sums."""
    plan = PlanTerms("P", "P", 100, 365, pct)
    plain = PastSale(s.subtotal_fen, s.discount_fen - s.staff_discount_fen, 0, 0, 0, 0,
                     s.subtotal_fen - s.discount_fen + s.staff_discount_fen, s.plan_code)
    assert plan_share(plain, plan) == plain_share(plain.subtotal_fen, plain.discount_fen, pct)
    assert would_save(plain, plan, RULES) == plain_saving(plain.subtotal_fen, plain.total_fen,
                                                          pct)


@given(st.integers(0, 100_000_000), percents)
def test_the_integer_percent_rounds_as_percent_of(amount: int, pct: Decimal) -> None:
    n, m = percent_ratio(pct)
    assert (2 * amount * n + m) // (2 * m) == percent_of(amount, pct)
    assert 2 * 100_000_000 * n + m < 2**63  # within SQLite's integers
