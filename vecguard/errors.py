"""The exception hierarchy. The CLI catches VecguardError, prints it on one line and exits 2."""

from __future__ import annotations


class VecguardError(Exception):
    """Base of every error vecguard reports to a user."""


class ConfigError(VecguardError):
    """Bad configuration; carries the file and key path so the message says where to look."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        self.file = file
        self.key = key
        where = ": ".join(part for part in (file, key) if part)
        super().__init__(f"{where}: {message}" if where else message)


class PolicyError(ConfigError):
    """A policy file that does not match the registered signals or the policy schema."""


class StoreError(VecguardError):
    """The history store is unreachable or its URL is invalid."""


class InputError(VecguardError):
    """An unreadable or unrecognised input path."""
