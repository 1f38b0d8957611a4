"""Backoff between retries, shared by the services we call (the voice service, the language
model): exponential, capped, with full jitter, so many clients that failed together do not all
come back at the same moment."""

from __future__ import annotations

import random

BACKOFF_BASE = 0.5  # seconds before the first retry (at most; full jitter)
BACKOFF_CAP = 30.0


def backoff_seconds(attempt: int, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """How long to wait after failed attempt number `attempt` (0 for the first)."""
    return random.uniform(0, min(cap, base * 2**attempt))
