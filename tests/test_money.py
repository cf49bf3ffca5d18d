from __future__ import annotations

import copy
import decimal
import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from favorpolicy import MINOR_UNITS, CurrencyMismatch, FavorPolicyError, InvalidMoney, Money
from favorpolicy.testing import money


class TestConstruction:
    @pytest.mark.parametrize(
        ("amount", "expected"),
        [("12.5", "12.5"), (12, "12"), (Decimal("12.5"), "12.5"), (" 12.50 ", "12.50"), (0, "0")],
    )
    def test_accepts_str_int_and_decimal(self, amount: str | int | Decimal, expected: str) -> None:
        assert Decimal(expected) == Money(amount, "USD").amount

    @pytest.mark.parametrize(
        ("amount", "fragment"),
        [
            (12.5, "float"),
            (True, "bool"),
            (None, "NoneType"),
            ("abc", "not a number"),
            ("", "not a number"),
            ("NaN", "not finite"),
            (Decimal("sNaN"), "not finite"),
            ("Infinity", "not finite"),
            ("-inf", "not finite"),
            ("1e999999", "too large"),
            (Decimal("1E+18"), "too large"),
            ("1e-19", "decimal places"),
        ],
    )
    def test_refuses_bad_amounts_naming_field_and_value(
        self, amount: object, fragment: str
    ) -> None:
        with pytest.raises(InvalidMoney, match=fragment) as info:
            Money(amount, "USD")  # type: ignore[arg-type]
        assert str(info.value).startswith("amount: ")
        assert repr(amount) in str(info.value)
        assert isinstance(info.value, ValueError)

    @pytest.mark.parametrize("currency", ["XYZ", "", "US", 840, None])
    def test_refuses_unknown_currency(self, currency: object) -> None:
        with pytest.raises(InvalidMoney, match=r"^currency: ") as info:
            Money(1, currency)  # type: ignore[arg-type]
        assert repr(currency) in str(info.value)

    def test_lower_case_codes_are_normalised(self) -> None:
        assert Money(1, "USD") == Money(1, "usd")

    def test_negative_zero_is_zero(self) -> None:
        assert "0.00 USD" == str(Money("-0", "USD"))

    def test_table_covers_at_least_30_currencies_with_the_required_minor_units(self) -> None:
        assert len(MINOR_UNITS) >= 30
        expected = {"USD": 2, "EUR": 2, "BRL": 2, "JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3}
        assert expected == {code: MINOR_UNITS[code] for code in expected}

    def test_is_immutable_hashable_and_picklable(self) -> None:
        price = Money("12.5", "USD")
        with pytest.raises(AttributeError):
            price.amount = Decimal(1)  # type: ignore[misc]
        assert {price: 1}[Money("12.50", "USD")] == 1
        assert price == pickle.loads(pickle.dumps(price))
        assert price == copy.deepcopy(price)


class TestText:
    @pytest.mark.parametrize(
        ("amount", "currency", "text"),
        [
            ("12.5", "USD", "12.50 USD"),
            ("0", "USD", "0.00 USD"),
            ("0.01", "USD", "0.01 USD"),
            ("0.001", "USD", "0.001 USD"),
            ("1500", "JPY", "1500 JPY"),
            ("1.5", "KWD", "1.500 KWD"),
            ("1E+3", "BRL", "1000.00 BRL"),
            ("999999999999999999.99", "USD", "999999999999999999.99 USD"),
        ],
    )
    def test_str_is_readable(self, amount: str, currency: str, text: str) -> None:
        assert text == str(Money(amount, currency))

    @given(
        st.integers(-(10**17), 10**17),
        st.integers(-6, 2),
        st.sampled_from(["USD", "JPY", "KWD", "BRL"]),
    )
    def test_str_shows_the_minor_units_and_every_digit_and_nothing_more(
        self, digits: int, exponent: int, currency: str
    ) -> None:
        amount = Decimal(digits).scaleb(exponent)  # keeps written zeros: 500 and -2 is 5.00
        if abs(amount) >= 10**18:
            return
        text = str(Money(amount, currency))
        shown, code = text.split(" ")
        assert code == currency
        assert Decimal(shown) == amount
        significant = max(-amount.normalize().as_tuple().exponent, 0)  # type: ignore[operator]
        places = MINOR_UNITS[currency]
        assert len(shown.partition(".")[2]) == max(places, significant)
        assert not shown.startswith(".")
        assert "E" not in shown

    def test_repr_round_trips(self) -> None:
        price = Money("12.5", "USD")
        assert "Money('12.5', 'USD')" == repr(price)
        assert price == eval(repr(price))  # noqa: S307  # the repr is the constructor call


class TestRoundUp:
    @pytest.mark.parametrize(
        ("amount", "currency", "rounded"),
        [
            ("0.001", "USD", "0.01"),
            ("0", "USD", "0"),
            ("0.01", "USD", "0.01"),
            ("12.341", "USD", "12.35"),
            ("0.4", "JPY", "1"),
            ("1.0001", "JPY", "2"),
            ("0.0001", "KWD", "0.001"),
            ("1.2345", "KWD", "1.235"),
            ("-0.001", "USD", "0"),
            ("999999999999999998.991", "USD", "999999999999999999.00"),
        ],
    )
    def test_rounds_toward_the_customer(self, amount: str, currency: str, rounded: str) -> None:
        assert Money(rounded, currency) == Money(amount, currency).round_up()

    def test_round_up_ignores_the_callers_decimal_context(self) -> None:
        with decimal.localcontext() as context:
            context.rounding = decimal.ROUND_FLOOR
            context.prec = 3
            assert Money("123456.01", "USD") == Money("123456.001", "USD").round_up()

    @given(money(extra_places=4))
    def test_round_up_is_whole_never_less_and_within_one_minor_unit(self, amount: Money) -> None:
        rounded = amount.round_up()
        assert rounded.is_whole()
        assert amount <= rounded < amount + Money.minor(amount.currency)

    @pytest.mark.parametrize(
        ("currency", "minor"), [("USD", "0.01"), ("JPY", "1"), ("KWD", "0.001")]
    )
    def test_minor_is_one_minor_unit(self, currency: str, minor: str) -> None:
        assert Money(minor, currency) == Money.minor(currency)


class TestArithmetic:
    def test_add_and_subtract_within_a_currency(self) -> None:
        assert Money("3.75", "USD") == Money("1.25", "USD") + Money("2.5", "USD")
        assert Money("-1.25", "USD") == Money("1.25", "USD") - Money("2.5", "USD")

    def test_multiply_by_int_and_decimal_on_either_side(self) -> None:
        assert Money("25", "USD") == Money("12.5", "USD") * 2
        assert Money("1.25", "USD") == Decimal("0.1") * Money("12.5", "USD")

    @pytest.mark.parametrize("factor", [1.5, True, "2", Decimal("NaN"), None])
    def test_multiply_refuses_other_factors(self, factor: object) -> None:
        with pytest.raises(InvalidMoney, match="factor"):
            Money(1, "USD") * factor  # type: ignore[operator]

    def test_products_past_18_places_round_up(self) -> None:
        product = Money("0.000000000000000001", "USD") * Decimal("0.5")
        assert Money("0.000000000000000001", "USD") == product

    def test_huge_results_raise_instead_of_overflowing(self) -> None:
        big = Money("900000000000000000", "USD")
        with pytest.raises(InvalidMoney, match="too large"):
            big + big
        with pytest.raises(InvalidMoney, match="too large"):
            big * 10**6

    @pytest.mark.parametrize(
        "operation",
        [
            lambda a, b: a + b,
            lambda a, b: a - b,
            lambda a, b: a < b,
            lambda a, b: a <= b,
            lambda a, b: a > b,
            lambda a, b: a >= b,
        ],
    )
    def test_mixing_currencies_raises(self, operation: object) -> None:
        with pytest.raises(CurrencyMismatch, match="'USD' is not 'EUR'"):
            operation(Money(1, "USD"), Money(1, "EUR"))  # type: ignore[operator]

    def test_equality_across_currencies_is_false_not_an_error(self) -> None:
        assert Money(1, "USD") != Money(1, "EUR")
        assert Money(1, "USD") != 1

    @pytest.mark.parametrize("other", [1, Decimal(1), "1"])
    def test_combining_with_non_money_is_a_favorpolicy_error(self, other: object) -> None:
        with pytest.raises(FavorPolicyError):
            Money(1, "USD") + other  # type: ignore[operator]
        with pytest.raises(FavorPolicyError):
            Money(1, "USD") < other  # type: ignore[operator]  # noqa: B015

    def test_total_adds_up_and_starts_at_zero(self) -> None:
        assert Money(0, "JPY") == Money.total([], "JPY")
        assert Money(6, "JPY") == Money.total([Money(1, "JPY"), Money(5, "JPY")], "JPY")

    @given(st.data())
    def test_addition_is_exact(self, data: st.DataObject) -> None:
        left = data.draw(money(extra_places=5))
        right = data.draw(money(left.currency, extra_places=5))
        assert left.amount + right.amount == (left + right).amount
        assert left == left + right - right
