"""Column helpers shared by the model modules."""
from datetime import datetime

from sqlalchemy import DateTime, func
from sqlalchemy.orm import mapped_column

TZ = DateTime(timezone=True)


def now_column():
    return mapped_column(TZ, server_default=func.now(), nullable=False)


def in_list(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK constraint that limits a text column to the given values."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def max_chars(column: str, limit: int) -> str:
    """SQL for a CHECK constraint on a text column's length in characters (NULL passes)."""
    return f"char_length({column}) <= {limit}"


__all__ = ["TZ", "now_column", "in_list", "max_chars", "datetime"]
