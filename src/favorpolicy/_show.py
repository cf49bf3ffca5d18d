"""How a bad value is shown in an error message: short, and safe for any value."""

from __future__ import annotations

from typing import Final

__all__ = ["one_line", "show"]

_SHOWN_LENGTH: Final = 80


def show(value: object) -> str:
    """repr() for error messages: short, and safe for any value a caller might pass."""
    if isinstance(value, int) and value.bit_length() > 256:
        return f"<an int of about {int(value.bit_length() * 0.30103)} digits>"
    if isinstance(value, str | bytes) and len(value) > _SHOWN_LENGTH:
        # Only the part shown is copied: a long text would cost its length twice over.
        head, tail = value[: _SHOWN_LENGTH - 10], value[-3:]
        return f"{head!r}...{tail!r} ({len(value)} characters)"
    try:
        text = repr(value)
    except Exception:  # a repr that fails must not hide the real error
        return f"<unprintable {type(value).__name__}>"
    if len(text) > _SHOWN_LENGTH:
        return f"{text[: _SHOWN_LENGTH - 5]}...{text[-2:]}"
    return text


def one_line(text: str) -> str:
    """*text* with each character that is not printable (a newline, a carriage return, an
    escape) written as its escape, so that a message naming a caller's key stays one line."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
