"""Envelope: a frozen snapshot of one SMTP transaction, the only input of the pipeline.

The milter builds it from the callbacks; the offline readers build it from a stored message, taking the
envelope recipients from ``Delivered-To`` / ``X-Original-To`` as Postfix local delivery writes them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Envelope:
    """Raw message bytes plus what the MTA knew about the transaction."""

    raw: bytes
    mail_from: str | None = None
    rcpt_to: tuple[str, ...] = ()
    client_address: str | None = None
    client_name: str | None = None
    helo: str | None = None
    queue_id: str | None = None
    authenticated: bool = False
    source: str | None = None  # where an offline message came from (file path and index), for logs
