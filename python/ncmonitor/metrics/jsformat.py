"""Numbers rounded and printed the way the TypeScript trainer does, so that reports and messages match it exactly.

JavaScript's ``Math.round`` rounds halves up (toward +∞) and ``toFixed``/``toExponential`` round the exact binary
value half away from zero; Python's ``round`` and ``format`` round halves to even. The difference shows only on exact
ties, but a report that must equal the TypeScript one (test/integration/python/metricsParity.test.ts) cannot leave it
to chance.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal


def js_round(value: float) -> float:
    """``Math.round``: the nearest integer, halves toward +∞ (x − floor(x) is exact in binary floating point)."""
    floor = math.floor(value)
    return float(floor + 1 if value - floor >= 0.5 else floor)


def round_to(value: float, precision: float) -> float:
    """``Math.round(value * precision) / precision`` as in src/trainer/metrics/cosineMatrices.ts."""
    return js_round(value * precision) / precision


def to_fixed(value: float, digits: int) -> str:
    """``Number.prototype.toFixed``."""
    if value == 0:
        value = 0.0  # (-0).toFixed(2) is "0.00"
    return str(Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def to_exponential(value: float, digits: int) -> str:
    """``Number.prototype.toExponential``: "1.2e-6", "3.0e+0" (no zero padding of the exponent)."""
    if value == 0:
        return f"{0:.{digits}f}e+0"
    exact = Decimal(abs(value))
    exponent = exact.adjusted()
    mantissa = exact.scaleb(-exponent).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    if mantissa >= 10:
        exponent += 1
        mantissa = (mantissa / 10).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    return f"{sign}{mantissa}e{'+' if exponent >= 0 else '-'}{abs(exponent)}"


def js_string(value: float) -> str:
    """``String(number)`` for the values diagnostics print: integers without ".0"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e21):
        return str(int(value))
    return repr(float(value))
