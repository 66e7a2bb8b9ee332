"""vecguard: catch vendor email compromise by learning what is normal for each correspondent."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
