"""Shared bits of the travel-time sources: the :class:`SitingWarning` class and id lists."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np


class SitingWarning(UserWarning):
    """A data problem siting worked around and names (a point far from any street, a dropped line)."""


def _name_ids(ids: Sequence[Any], limit: int = 20) -> str:
    """'a, b, c' — at most ``limit`` ids, then 'and N more'."""
    ids = [str(i) for i in ids]
    head = ", ".join(ids[:limit])
    return head + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _rows_text(rows: np.ndarray, limit: int = 20) -> str:
    return _name_ids([int(r) for r in rows], limit)
