"""Shared bits of the travel-time sources: id lists for warnings and errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _name_ids(ids: Sequence[Any], limit: int = 20) -> str:
    """'a, b, c' — at most ``limit`` ids, then 'and N more'."""
    ids = [str(i) for i in ids]
    head = ", ".join(ids[:limit])
    return head + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _rows_text(rows: np.ndarray, limit: int = 20) -> str:
    return _name_ids([int(r) for r in rows], limit)
