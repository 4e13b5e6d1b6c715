"""Derive the 2^(i/128) table of the C library's ``exp`` (glibc 2.28 and later).

``crates/skseal-native/src/libm_exp.rs`` computes glibc's ``exp`` eight lanes
at a time and needs its table: for i in 0..128, the pair (tail, sbits) where
``T`` is the double nearest to 2^(i/128), ``sbits = bits(T) - (i << 45)`` (the
exponent of 2^(k/128) is added back later) and ``tail`` is the double nearest
to ``(2^(i/128) - T) / T``. This script computes both from first principles
with 60-digit decimals and prints the Rust array body;
``tests/test_libm_exp.py`` checks that the Rust source holds exactly this.

Run: ``python scripts/gen_libm_exp_table.py``.
"""

from __future__ import annotations

import struct
from decimal import Decimal, getcontext


def _bits(f: float) -> int:
    return int(struct.unpack("<Q", struct.pack("<d", f))[0])


def table() -> list[int]:
    """The 256 entries, tail then sbits for each i (Decimal to float rounds to nearest)."""
    getcontext().prec = 60
    out: list[int] = []
    for i in range(128):
        exact = Decimal(2) ** (Decimal(i) / Decimal(128))
        t = float(exact)
        tail = float((exact - Decimal(t)) / Decimal(t))
        out += [_bits(tail), (_bits(t) - (i << 45)) % (1 << 64)]
    return out


def rust_body() -> str:
    """The table as the Rust array's lines."""
    t = table()
    return "".join(f"    0x{t[2 * i]:016x}, 0x{t[2 * i + 1]:016x},\n" for i in range(128))


if __name__ == "__main__":
    print(rust_body(), end="")
