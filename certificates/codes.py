"""Certificate codes: 80 random bits in Crockford's base32, grouped for reading.

Crockford's alphabet has no I, L, O or U, so a code read aloud or typed from paper is
hard to get wrong; lookups accept any case, missing or extra dashes and spaces, and the
letters people confuse with digits (O -> 0, I/L -> 1).
"""
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # 16 symbols x 5 bits = 80 bits
GROUP = 4
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_NOISE = re.compile(r"[\s\-_.]")


def new_code():
    """A fresh random code, e.g. ``"7KQ2-M9XD-4TPA-V0BN"``."""
    value = secrets.randbits(LENGTH * 5)
    symbols = []
    for _ in range(LENGTH):
        symbols.append(ALPHABET[value & 31])
        value >>= 5
    return format_code("".join(symbols))


def format_code(compact):
    return "-".join(compact[i:i + GROUP] for i in range(0, len(compact), GROUP))


def normalize(text):
    """The stored form of a typed code, or None when it cannot be one."""
    if not isinstance(text, str):
        return None
    compact = _NOISE.sub("", text).upper().translate(_CONFUSABLE)
    if len(compact) != LENGTH or any(c not in ALPHABET for c in compact):
        return None
    return format_code(compact)
