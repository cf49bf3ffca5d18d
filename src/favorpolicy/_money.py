"""Money: an exact Decimal amount in one ISO 4217 currency.

Floats are refused at the door because they cannot hold most cent amounts
exactly. Arithmetic runs in a private Decimal context, so a caller's own
``decimal.getcontext()`` never changes an answer, and rounding that reaches the
customer always goes up (:meth:`Money.round_up`).
"""

from __future__ import annotations

import decimal
import functools
import re
from collections.abc import Callable, Iterable
from decimal import ROUND_CEILING, Decimal
from typing import Final, ParamSpec, Self, TypeVar, final

from ._show import show
from .exceptions import CurrencyMismatch, InvalidMoney

__all__ = [
    "CONTEXT",
    "MAX_AMOUNT",
    "MAX_PLACES",
    "MINOR_UNITS",
    "MIN_AMOUNT",
    "Money",
    "format_amount",
    "in_own_context",
    "minor_units",
    "total_of",
    "trusted_money",
]

#: Minor units (digits after the decimal point) per ISO 4217 code.
MINOR_UNITS: Final[dict[str, int]] = {
    # three decimals
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    # no decimals
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    # two decimals
    "AED": 2, "ARS": 2, "AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "COP": 2,
    "CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2,
    "ILS": 2, "INR": 2, "MAD": 2, "MXN": 2, "MYR": 2, "NGN": 2, "NOK": 2, "NZD": 2,
    "PEN": 2, "PHP": 2, "PKR": 2, "PLN": 2, "RON": 2, "SAR": 2, "SEK": 2, "SGD": 2,
    "THB": 2, "TRY": 2, "TWD": 2, "UAH": 2, "USD": 2, "ZAR": 2,
}  # fmt: skip

#: Amounts must be smaller than this in absolute value.
MAX_AMOUNT: Final = Decimal(10) ** 18
#: Amounts must be larger than this.
MIN_AMOUNT: Final = -MAX_AMOUNT
#: Amounts may carry at most this many decimal places.
MAX_PLACES: Final = 18

# 60 digits hold 18 integer and 18 fractional digits with room for a rate, so
# sums and products stay exact; if a product ever is inexact it rounds toward
# +infinity, which is the customer's side for every amount paid out.
CONTEXT: Final = decimal.Context(
    prec=60,
    rounding=ROUND_CEILING,
    Emax=999_999,
    Emin=-999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
_MIN_EXPONENT: Final = -MAX_PLACES
_NOT_FINITE: Final = frozenset({"nan", "snan", "inf", "infinity"})
_MAX_INT: Final = 10**18  # an int compared with a Decimal is converted to one first
# An amount written as text: ASCII digits, at most 40 before the point and 40 after it, and
# an exponent of at most 10 digits; the range is checked once it is read.
_NUMBER: Final = re.compile(
    r"[+-]?(?:[0-9]{1,40}(?:\.[0-9]{0,40})?|\.[0-9]{1,40})(?:[eE][+-]?[0-9]{1,10})?"
)
_QUANTA: Final = {places: Decimal(1).scaleb(-places) for places in range(4)}
_PLACES_QUANTUM: Final = Decimal(1).scaleb(_MIN_EXPONENT)


def minor_units(currency: str) -> int:
    """Return the number of decimal places of *currency*.

    Raises :class:`InvalidMoney` for a code that is not in :data:`MINOR_UNITS`.
    """
    try:
        return MINOR_UNITS[currency]
    except (KeyError, TypeError):
        raise InvalidMoney(
            f"currency: {show(currency)} is not a known ISO 4217 code "
            f"(known: {', '.join(sorted(MINOR_UNITS))})"
        ) from None


def _to_currency(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidMoney(f"currency: {show(value)} is not a str ISO 4217 code such as 'USD'")
    code = value.strip().upper()
    minor_units(code)
    return code


def _to_amount(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidMoney(
            f"amount: {show(value)} is a {type(value).__name__}; use a str, int or Decimal "
            "(floats cannot hold most amounts exactly)"
        )
    if (
        isinstance(value, str)
        and not _NUMBER.fullmatch(value.strip())
        and value.strip().lstrip("+-").lower() not in _NOT_FINITE  # refused below, by name
    ):
        # Decimal() also reads "1_000", "١٢" and "Infinity"; and a long text costs time.
        raise InvalidMoney(
            f"amount: {show(value)} is not a number written with the digits 0-9, "
            "an optional point and an optional exponent"
        )
    if isinstance(value, int) and not -_MAX_INT < value < _MAX_INT:
        # Checked before Decimal() reads it: a million-digit int takes seconds to convert.
        raise InvalidMoney(f"amount: {show(value)} is too large; the limit is below 10**18")
    amount = Decimal(value.strip() if isinstance(value, str) else value)
    _check_range(amount, value)
    if amount.is_zero():
        # "-0" is 0, and a zero's exponent is kept within the places money may have:
        # "0e-999999999" would otherwise be a billion digits when printed.
        exponent: int = amount.as_tuple().exponent  # type: ignore[assignment]  # finite
        return Decimal((0, (0,), min(max(exponent, _MIN_EXPONENT), 0)))
    return amount


def _check_range(amount: Decimal, shown: object) -> None:
    if not amount.is_finite():
        raise InvalidMoney(f"amount: {show(shown)} is not finite; NaN and infinities are not money")
    if amount.copy_abs() >= MAX_AMOUNT:
        raise InvalidMoney(f"amount: {show(shown)} is too large; the limit is below 10**18")
    if not amount.is_zero() and amount.as_tuple().exponent < _MIN_EXPONENT:  # type: ignore[operator]
        # The exponent of a finite Decimal is always an int.
        raise InvalidMoney(f"amount: {show(shown)} has more than {MAX_PLACES} decimal places")


_P = ParamSpec("_P")
_R = TypeVar("_R")


def in_own_context(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """*function*, run in favorpolicy's Decimal context: the caller's never changes a sum.

    Not for generators: the context would be the caller's between two items.
    """

    @functools.wraps(function)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with decimal.localcontext(CONTEXT):
            return function(*args, **kwargs)

    return run


def total_of(amounts: Iterable[Decimal]) -> Decimal:
    """The exact sum of *amounts*, in favorpolicy's context whatever the caller's is."""
    total = Decimal(0)
    add = CONTEXT.add
    for amount in amounts:
        total = add(total, amount)
    return total


def trusted_money(amount: Decimal, currency: str) -> Money:
    """A Money of an amount favorpolicy computed in a known currency, checking only its range."""
    if not MIN_AMOUNT < amount < MAX_AMOUNT:
        raise InvalidMoney(
            f"amount: {show(amount)} {currency} is too large; the limit is below 10**18"
        )
    money = _new(Money)
    _set_amount(money, amount)
    _set_currency(money, currency)
    return money


@final
class Money:
    """An exact amount of one currency.

    >>> str(Money("12.5", "USD"))
    '12.50 USD'
    >>> Money("0.001", "USD").round_up()
    Money('0.01', 'USD')
    """

    __slots__ = ("amount", "currency")

    amount: Decimal
    currency: str

    def __init__(self, amount: str | int | Decimal, currency: str) -> None:
        object.__setattr__(self, "currency", _to_currency(currency))
        object.__setattr__(self, "amount", _to_amount(amount))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Money is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Money is immutable; cannot delete {name!r}")

    def __reduce__(self) -> tuple[type[Money], tuple[str, str]]:
        return (Money, (str(self.amount), self.currency))

    @classmethod
    def zero(cls, currency: str) -> Self:
        """Return nothing, in *currency*."""
        return cls(0, currency)

    @classmethod
    def minor(cls, currency: str) -> Money:
        """Return one minor unit of *currency*: 0.01 USD, 1 JPY, 0.001 KWD."""
        code = _to_currency(currency)
        return trusted_money(_QUANTA[MINOR_UNITS[code]], code)

    @classmethod
    def total(cls, amounts: Iterable[Money], currency: str) -> Money:
        """Add up *amounts*, all in *currency*; an empty iterable gives zero."""
        result = cls.zero(currency)
        if isinstance(amounts, str | bytes) or not isinstance(amounts, Iterable):
            raise InvalidMoney(f"amounts: {show(amounts)} is not an iterable of Money")
        for amount in amounts:
            result = result + amount
        return result

    @property
    def minor_units(self) -> int:
        """The currency's number of decimal places: 2 for USD, 0 for JPY, 3 for KWD."""
        return MINOR_UNITS[self.currency]

    def round_up(self) -> Money:
        """Round up to a whole number of minor units.

        Every amount favorpolicy pays to a customer goes through this, so a
        fraction of a cent is always a whole cent more, never a cent less.
        """
        quantum = _QUANTA[MINOR_UNITS[self.currency]]
        if self.amount.as_tuple().exponent >= quantum.as_tuple().exponent:  # type: ignore[operator]
            return self
        rounded = self.amount.quantize(quantum, rounding=ROUND_CEILING, context=CONTEXT)
        return trusted_money(rounded.copy_abs() if rounded.is_zero() else rounded, self.currency)

    def is_whole(self) -> bool:
        """Tell whether the amount is a whole number of minor units."""
        quantum = _QUANTA[MINOR_UNITS[self.currency]]
        return self.amount == self.amount.quantize(quantum, context=CONTEXT)

    def _same_currency(self, other: Money, operation: str) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"cannot {operation} {self} and {other}: currency {self.currency!r} "
                f"is not {other.currency!r}"
            )

    def _other(self, other: object, operation: str) -> Money:
        if not isinstance(other, Money):
            raise InvalidMoney(
                f"cannot {operation} Money and {type(other).__name__} {show(other)}; "
                "both sides must be Money"
            )
        self._same_currency(other, operation)
        return other

    def _checked(self, amount: Decimal, operation: str) -> Money:
        if amount.copy_abs() >= MAX_AMOUNT:
            raise InvalidMoney(
                f"amount: the result of {operation} is too large; the limit is below 10**18"
            )
        return trusted_money(amount, self.currency)

    def __add__(self, other: Money) -> Money:
        other = self._other(other, "add")
        return self._checked(CONTEXT.add(self.amount, other.amount), "add")

    def __sub__(self, other: Money) -> Money:
        other = self._other(other, "subtract")
        amount = CONTEXT.subtract(self.amount, other.amount)
        return self._checked(amount.copy_abs() if amount.is_zero() else amount, "subtract")

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int | Decimal):
            raise InvalidMoney(
                f"factor: {show(factor)} is a {type(factor).__name__}; Money multiplies by "
                "an int or Decimal only"
            )
        if isinstance(factor, Decimal) and not factor.is_finite():
            raise InvalidMoney(f"factor: {show(factor)} is not finite")
        try:
            amount = CONTEXT.multiply(self.amount, Decimal(factor))
        except decimal.Overflow:
            raise InvalidMoney(f"amount: {self} times {show(factor)} is too large") from None
        if amount.as_tuple().exponent < _MIN_EXPONENT:  # type: ignore[operator]
            amount = amount.quantize(_PLACES_QUANTUM, rounding=ROUND_CEILING, context=CONTEXT)
        if amount.is_zero():
            amount = amount.copy_abs()
        return self._checked(amount, "multiply")

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.currency == other.currency and self.amount == other.amount

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._other(other, "compare").amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._other(other, "compare").amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._other(other, "compare").amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._other(other, "compare").amount

    def __repr__(self) -> str:
        return f"Money({str(self.amount)!r}, {self.currency!r})"

    def __str__(self) -> str:
        return format_amount(self.amount, self.currency)


# Money's slots, set directly: Money.__setattr__ refuses every change.
_new: Final = object.__new__
_set_amount: Final = Money.__dict__["amount"].__set__
_set_currency: Final = Money.__dict__["currency"].__set__


def format_amount(amount: Decimal, currency: str) -> str:
    """Show *amount* with at least the currency's minor units, never hiding a digit."""
    places = MINOR_UNITS[currency]
    text = format(amount, "f")
    dot = len(text) - places - 1
    if places and dot > 0 and text[dot] == ".":
        return f"{text} {currency}"  # the usual case: exactly the minor units
    whole, _, fraction = text.partition(".")
    if len(fraction) > places:
        # Digits past the minor unit are shown, but not zeros that add nothing.
        fraction = fraction.rstrip("0")
    if len(fraction) >= places:
        return f"{whole}.{fraction} {currency}" if fraction else f"{whole} {currency}"
    if not places:
        return f"{whole} {currency}"
    return f"{whole}.{fraction.ljust(places, '0')} {currency}"
