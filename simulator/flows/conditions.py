"""The condition operators of the flow language, applied to a block's result."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from simulator.flows.model import Condition


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _numeric(test: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    """Number operators are false when either side is not a number."""

    def holds(value: str, operand: str) -> bool:
        left, right = _number(value), _number(operand)
        return left is not None and right is not None and test(left, right)

    return holds


def _equals(value: str, operand: str) -> bool:
    if value == operand:
        return True
    left, right = _number(value), _number(operand)  # CheckMetricData's "0" equals 0.0
    return left is not None and left == right


OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "Equals": _equals,
    "TextStartsWith": lambda value, operand: value.startswith(operand),
    "TextEndsWith": lambda value, operand: value.endswith(operand),
    "TextContains": lambda value, operand: operand in value,
    "NumberGreaterThan": _numeric(lambda left, right: left > right),
    "NumberGreaterOrEqualTo": _numeric(lambda left, right: left >= right),
    "NumberLessThan": _numeric(lambda left, right: left < right),
    "NumberLessOrEqualTo": _numeric(lambda left, right: left <= right),
}


class UnknownOperatorError(ValueError):
    pass


def condition_holds(condition: Condition, value: str) -> bool:
    test = OPERATORS.get(condition.operator)
    if test is None:
        raise UnknownOperatorError(f"unknown condition operator {condition.operator!r}")
    return any(test(value, operand) for operand in condition.operands)


def first_match(conditions: Sequence[Condition], value: str) -> int | None:
    """The index of the first condition that holds; the flow language takes the first."""
    for index, condition in enumerate(conditions):
        if condition_holds(condition, value):
            return index
    return None
