"""The zero-data-retention purge: delete, in bounded batches, every sample and dataset snapshot a
model stored up to its retention epoch.

Nothing here has to be fast for the API: the PATCH that turned retention on already hid every such
sample (``data_epoch``), so a batch only ever deletes what nobody can read any more. One batch is
one stream record's work (``PurgeSamplesFunction``); the scheduled sweep restarts a purge whose
stream chain broke (retries exhausted). See docs/training-design.md, "Zero-data-retention".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from u22a8.data import purge_repo
from u22a8.entities.purge import PendingPurge
from u22a8.observability import logger

# Sample items deleted per batch: a few seconds of BatchWriteItem, far inside the timeout.
BATCH_SIZE = 500


class BatchOutcome(StrEnum):
    CONTINUES = "continues"  # a batch was deleted and the next one queued (the marker moved)
    FINISHED = "finished"  # nothing was left: the marker is removed
    STALE = "stale"  # the marker was finished or replaced meanwhile: nothing to do


@dataclass(frozen=True)
class BatchReport:
    outcome: BatchOutcome
    samples_deleted: int = 0
    snapshots_deleted: int = 0


def purge_batch(purge: PendingPurge, batch_size: int = BATCH_SIZE) -> BatchReport:
    """Delete one batch of the purge, then record it (queueing the next) or finish.

    Samples first, then snapshots; the marker moves only after the deletes, so a crash half way
    leaves the marker as it was and the retry deletes again from the start (what was deleted is
    simply no longer listed).
    """
    samples = purge_repo.delete_samples_before(purge.handle, purge.data_epoch, batch_size)
    snapshots = 0
    if samples < batch_size:
        snapshots = purge_repo.delete_snapshots_before(purge.handle, purge.data_epoch)
    if samples == 0 and snapshots == 0:
        if not purge_repo.finish(purge.handle, purge.token):
            return BatchReport(BatchOutcome.STALE)
        logger.info("purge finished", extra={"handle": purge.handle})
        return BatchReport(BatchOutcome.FINISHED)
    recorded = purge_repo.record_batch(purge.handle, purge.token, samples)
    outcome = BatchOutcome.CONTINUES if recorded else BatchOutcome.STALE
    return BatchReport(outcome, samples, snapshots)


def sweep(batch_size: int = BATCH_SIZE) -> list[BatchReport]:
    """One batch of every pending purge: each recorded batch restarts that purge's stream chain."""
    return [purge_batch(purge, batch_size) for purge in purge_repo.pending()]
