"""Which pages a SQLite write-ahead log holds, read as SQLite's recovery reads it.

The ledger opens a file that is shorter than its header says only when the
log beside it holds every missing page: then a checkpoint was cut short (a
crash copied page 1, with the grown page count, before the pages after it)
and SQLite finishes it from the log. Otherwise pages are lost, and opening
the file would let SQLite's checkpoint fill them with zeros.

The format is SQLite's own (https://www.sqlite.org/fileformat.html, "The
Write-Ahead Log"): a 32-byte header, then frames of a 24-byte header and one
page. A frame counts if its salts match the header's and its running checksum
holds, up to the last frame that ends a transaction.
"""

from __future__ import annotations

import struct
from typing import Final

_MAGIC: Final = {0x377F0682: "<", 0x377F0683: ">"}  # the checksums' byte order
_HEADER: Final = 32
_FRAME_HEADER: Final = 24
_MASK: Final = 0xFFFFFFFF


def _checksum(data: bytes, order: str, s0: int, s1: int) -> tuple[int, int]:
    words = struct.unpack(f"{order}{len(data) // 4}I", data)
    for first, second in zip(words[0::2], words[1::2], strict=True):
        s0 = (s0 + first + s1) & _MASK
        s1 = (s1 + second + s0) & _MASK
    return s0, s1


def committed_pages(log: bytes, page_size: int) -> set[int]:
    """The numbers of the pages that *log* holds in committed frames; empty if it is no log."""
    if len(log) < _HEADER:
        return set()
    magic, _, size, _, salts, stored = struct.unpack(">IIII8s8s", log[:_HEADER])
    order = _MAGIC.get(magic)
    if order is None or size != page_size:
        return set()
    checksum = _checksum(log[:24], order, 0, 0)
    if struct.pack(">II", *checksum) != stored:
        return set()
    pages: set[int] = set()
    pending: set[int] = set()
    frame = _FRAME_HEADER + page_size
    for start in range(_HEADER, len(log) - frame + 1, frame):
        number, commit, frame_salts, frame_sum = struct.unpack(
            ">II8s8s", log[start : start + _FRAME_HEADER]
        )
        if frame_salts != salts:
            break
        checksum = _checksum(log[start : start + 8], order, *checksum)
        checksum = _checksum(log[start + _FRAME_HEADER : start + frame], order, *checksum)
        if struct.pack(">II", *checksum) != frame_sum:
            break
        pending.add(number)
        if commit:  # the last frame of a transaction: what came before it counts
            pages |= pending
            pending = set()
    return pages
