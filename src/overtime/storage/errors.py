"""What the store raises besides domain errors."""

from __future__ import annotations


class StoreUnavailable(Exception):
    """The database cannot be reached right now (restarting, network); nothing was written."""


class StaleWrite(Exception):
    """The row changed since it was read (optimistic concurrency on `version`)."""
