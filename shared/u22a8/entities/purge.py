"""A zero-data-retention purge in progress, as the model item's ``purge_pending`` marker says."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PendingPurge:
    handle: str
    token: str  # the ``purge_pending`` value the batch is for
    data_epoch: str
