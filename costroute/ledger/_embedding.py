"""``calls.embedding``: a kept prompt embedding as little-endian IEEE half floats, 2 bytes a
value (schema 8; ``Router(keep_embeddings=True)``). Loaded only where an embedding is kept or
read back."""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["kept_embedding", "pack_embedding", "unpack_embedding"]


def pack_embedding(values: Sequence[float]) -> bytes:
    """``calls.embedding``: the vector as little-endian IEEE half floats, 2 bytes a value."""
    return struct.pack(f"<{len(values)}e", *values)


def unpack_embedding(blob: bytes) -> tuple[float, ...]:
    """The vector of a ``calls.embedding`` value (:func:`pack_embedding`'s inverse)."""
    return struct.unpack(f"<{len(blob) // 2}e", blob)


def kept_embedding(values: Any) -> tuple[float, ...]:
    """The vector as kept: Python floats rounded to half precision (what reading it back gives);
    ``()`` when it is not a non-empty vector of finite numbers that half precision holds."""
    try:
        if isinstance(values, str | bytes | Mapping):
            return ()
        vec = list(values.tolist() if hasattr(values, "tolist") else values)  # numpy: floats
        if vec and all(type(v) in (float, int) and math.isfinite(v) for v in vec):
            return unpack_embedding(pack_embedding(vec))
    except (TypeError, OverflowError, struct.error):
        pass
    return ()
