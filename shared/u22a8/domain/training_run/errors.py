"""Errors a training step ends with, as Step Functions sees them.

Step Functions names a Lambda failure after the exception's class (the runtime's ``errorType``):
``TransientError`` is what the state machine's ``Retry`` lists, everything else goes to
``Record failure``, which turns the class name and message into the run's ``{code, message}``
(:mod:`u22a8.domain.training_run.failures`). The messages of the user-facing errors here are
shown to users as they are, so they name no sample text, only counts, criteria and ids.
"""

from __future__ import annotations


class StepError(Exception):
    """Base of the errors our steps raise on purpose; ``code`` is the run's error code."""

    code = "internal-error"


class TransientError(StepError):
    """A dependency throttled or failed for a moment; the state machine retries the step."""

    code = "service-unavailable"


class StepFailed(StepError):
    """An unexpected failure, with the details left in the function's log, not in the history
    (an exception's message could quote anything, and the history keeps it for 90 days)."""

    code = "internal-error"


class RunSuperseded(StepError):
    """The run no longer holds its model (cancelled, archived, or released by the reconciler);
    whoever released the model has already finished the run."""

    code = "run-superseded"

    def __init__(self, handle: str, run_id: str) -> None:
        super().__init__(f"Run {run_id} no longer holds model '{handle}'; nothing was changed.")


class ZeroDataRetentionOn(StepError):
    """The model retains no samples, so there is nothing to train on (or no longer is)."""

    code = "zero-data-retention"

    def __init__(self, handle: str) -> None:
        super().__init__(
            f"Model '{handle}' has zero-data-retention on: its samples are not retained, so "
            "there is nothing to train on and no new version was published. Turn "
            "zero-data-retention off with PATCH and add samples to train it."
        )


class SamplesUnavailable(StepError):
    """The run's snapshot of the samples is gone (purged, or the run outlived it)."""

    code = "samples-unavailable"

    def __init__(self, handle: str) -> None:
        super().__init__(
            f"The samples of model '{handle}' that this run was training on are no longer "
            "available; no new version was published. Train again."
        )
