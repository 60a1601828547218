"""Amounts of money, kept in minor units (cents) so no float ever touches a balance."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

_EXPONENT = {"JPY": 0, "KWD": 3, "BHD": 3}  # ISO 4217 minor units; two for everything else here


def minor_digits(currency: str) -> int:
    return _EXPONENT.get(currency, 2)


@dataclass(frozen=True, order=True)
class Money:
    minor: int
    currency: str = "USD"

    @classmethod
    def parse(cls, text: str, currency: str = "USD") -> Money:
        """'120.50' -> Money(12050). Raises ValueError for anything that is not a plain amount."""
        try:
            value = Decimal(text.strip())
        except (InvalidOperation, AttributeError) as exc:
            raise ValueError(f"not an amount: {text!r}") from exc
        if not value.is_finite():
            raise ValueError(f"not an amount: {text!r}")
        scaled = value.scaleb(minor_digits(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"too many decimals for {currency}: {text!r}")
        return cls(int(scaled), currency)

    def decimal(self) -> Decimal:
        digits = minor_digits(self.currency)
        return (
            Decimal(self.minor)
            .scaleb(-digits)
            .quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
        )

    def __str__(self) -> str:
        """Plain amount as the IVR passes it around: '120.50'."""
        return str(self.decimal())

    def spoken(self) -> str:
        """How the IVR says and writes it: '$1,234.50' (TTS reads the symbol and the thousands
        separator well, and a receipt reads the same as the call)."""
        symbol = {"USD": "$", "GBP": "£", "EUR": "€"}.get(self.currency)
        grouped = f"{self.decimal():,}"
        return f"{symbol}{grouped}" if symbol else f"{grouped} {self.currency}"
