"""Stateful fuzzing against the contract: schemathesis chains requests along the OpenAPI ``links``
of the committed document (``docs/openapi.json``) and sends them to the local stack over HTTP.

A scenario starts at an operation that needs no earlier data (create a model, list models, or a
``POST`` on a generated handle) and follows links from the answers: the handle of a created model
to read, update (with its ETag as ``If-Match``), archive, train or score it and to add, list and
delete its samples; the ``run_id`` of a started run to read or cancel the run; and so on. Every
answer must pass the same checks as the stateless fuzz test (``test_fuzz_contract``): no 5xx, a
status code and content type the document declares, a body that matches the declared schema.

Only the document's own links are followed (schemathesis' link inference is off), so the test
exercises what the document promises, and only valid requests are generated: invalid ones are the
stateless test's job, and here they would mostly end a chain at its first step. As in the stateless
test, a valid handle in a create's body becomes a fresh one of the key's namespace; a valid
``Idempotency-Key`` becomes a fresh one too, and samples added to a model created in the run score
that model's criteria (generated criteria names would be 422 every time).

The run is bounded: suites of scenarios with fixed seeds, each scenario at most
``STEPS_PER_SCENARIO`` steps, until ``SCENARIOS`` scenarios ran (about 30-50 s). The stack answers
from state and time (a run may have ended or not), so Hypothesis can see a replayed prefix behave
differently and end a suite with ``FlakyStrategyDefinition`` (or an assertion inside its data
tree); like schemathesis' own runner, the test then starts the next suite. A failed check is never
swallowed. The test counts the link transitions followed with every parameter taken from the
earlier answer and answered with a success, and fails if there are too few, so that it cannot pass
vacuously (e.g. because every create was refused).
"""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.config import SchemathesisConfig
from schemathesis.core.transport import Response
from schemathesis.generation.stateful.state_machine import APIStateMachine, StepInput, StepOutput

from tests.e2e.conftest import HTTP_TIMEOUT_S, LocalStack, new_handle
from tests.e2e.fuzzing import CONTRACT_CHECKS, OPENAPI
from u22a8.api.idempotency import IDEMPOTENCY_HEADER
from u22a8.domain.handles import is_valid_handle

pytestmark = pytest.mark.e2e

SCENARIOS = 70
STEPS_PER_SCENARIO = 20
MAX_SUITES = 10  # suites cut short by a flaky replay, at most, before the test gives up
# What a run must have done, at least (a run does several times as much).
MIN_FOLLOWED_OK = 40
MIN_DISTINCT_LINKS_OK = 10
MIN_DEEPER_OK = 3
DEEPER_ID = re.compile(r"\{(run_id|sample_id|n)\}")  # a path parameter other than the handle

IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[\x21-\x7e]+$")
CREATE = "POST /v1/models"
ADD_SAMPLES = "POST /v1/models/{handle}/samples"

# Only the links the document declares: inferred ones would test schemathesis' guesses instead.
schema = schemathesis.openapi.from_path(
    OPENAPI,
    config=SchemathesisConfig.from_dict(
        {
            "generation": {"mode": "positive"},
            "phases": {"stateful": {"inference": {"algorithms": []}}},
        }
    ),
)


class Tally:
    """What the state machine did: scenarios started, and link transitions by (link, status),
    counting those where every parameter of the link was taken from the earlier answer
    (schemathesis sometimes generates one instead, to explore)."""

    def __init__(self) -> None:
        self.scenarios = 0
        self.followed: Counter[tuple[str, int]] = Counter()

    def succeeded(self) -> Counter[str]:
        """Link transitions answered with a success (2xx), by link."""
        ok: Counter[str] = Counter()
        for (link, status), count in self.followed.items():
            if status < 400:
                ok[link] += count
        return ok

    def report(self) -> str:
        return "\n".join(
            f"{count:4} x {status} {link}"
            for (link, status), count in sorted(self.followed.items())
        )


def _workflow(stack: LocalStack, tally: Tally) -> type[APIStateMachine]:
    """The document's state machine, pointed at the stack with its key, counting into ``tally``."""
    base: type[APIStateMachine] = schema.as_state_machine()

    criteria: dict[str, list[str]] = {}  # of the models created, by handle

    class Workflow(base):  # type: ignore[misc, valid-type]  # a class built from the document
        def setup(self) -> None:
            tally.scenarios += 1

        def before_call(self, case: schemathesis.Case[Any]) -> None:
            headers = case.headers
            key = headers.get(IDEMPOTENCY_HEADER) if headers is not None else None
            if headers is not None and isinstance(key, str) and IDEMPOTENCY_KEY_PATTERN.match(key):
                # A replayed scenario must not meet its earlier run's key (another body under the
                # same key is 422, and what the scenario can do next would differ).
                headers[IDEMPOTENCY_HEADER] = f"fuzz-{uuid.uuid4()}"
            body = case.body
            if case.operation.label == CREATE and isinstance(body, dict):
                handle = body.get("handle")
                if isinstance(handle, str) and is_valid_handle(handle):
                    # A create that can succeed: a fresh handle of the key's namespace, not one of
                    # a namespace the key cannot reach (404, and a dead end for every link).
                    body["handle"] = new_handle(stack.namespace)
            handle = (case.path_parameters or {}).get("handle")
            if case.operation.label == ADD_SAMPLES and handle in criteria:
                _label_with(criteria[handle], body)

        def after_call(self, response: Response, case: schemathesis.Case[Any]) -> None:
            super().after_call(response, case)
            if case.operation.label == CREATE and response.status_code == 201:
                model = response.json()
                criteria[model["handle"]] = model["criteria"]

        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
            return {
                "base_url": stack.url,
                "headers": {"Authorization": f"Bearer {stack.api_key}"},
                "timeout": HTTP_TIMEOUT_S,
            }

        def step(self, input: StepInput) -> StepOutput:
            output: StepOutput = super().step(input)
            transition = input.transition
            if transition is not None:
                wanted = {name for values in transition.parameters.values() for name in values}
                if wanted <= {name for _, name in input.applied_parameters}:
                    tally.followed[transition.id, output.response.status_code] += 1
            return output

        def validate_response(
            self,
            response: Response,
            case: schemathesis.Case[Any],
            additional_checks: list[Any] | None = None,
            **kwargs: Any,
        ) -> None:
            case.validate_response(
                response,
                checks=CONTRACT_CHECKS,
                headers=kwargs.get("headers"),
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    return Workflow


def _label_with(criteria: list[str], body: Any) -> None:
    """Generated samples score made-up criteria (422); score the model's criteria instead."""
    samples = body.get("samples") if isinstance(body, dict) else None
    for sample in samples if isinstance(samples, list) else []:
        scores = sample.get("scores") if isinstance(sample, dict) else None
        if isinstance(scores, dict) and scores:
            values = list(scores.values())[: len(criteria)]
            sample["scores"] = dict(zip(criteria, values, strict=False))


def _is_inconsistent_replay(exc: AssertionError) -> bool:
    """Hypothesis asserts, instead of raising ``Flaky``, when a replay draws past a choice an
    earlier run rejected (schemathesis' runner treats it the same way)."""
    traceback = exc.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    return (
        traceback is not None
        and traceback.tb_frame.f_globals.get("__name__")
        == "hypothesis.internal.conjecture.datatree"
    )


@pytest.mark.slow
def test_linked_operations_keep_the_contract(stack: LocalStack) -> None:
    tally = Tally()
    workflow = _workflow(stack, tally)
    started = time.monotonic()
    suites = flaky = 0
    while tally.scenarios < SCENARIOS and suites < MAX_SUITES:
        suite = hypothesis.seed(suites)(workflow)
        suite.rule_order_seed = suites
        suites += 1
        try:
            suite.run(
                settings=settings(
                    max_examples=SCENARIOS - tally.scenarios,
                    stateful_step_count=STEPS_PER_SCENARIO,
                    phases=[Phase.generate],
                    database=None,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                )
            )
        except (FlakyStrategyDefinition, AssertionError) as exc:
            if isinstance(exc, AssertionError) and not _is_inconsistent_replay(exc):
                raise
            flaky += 1  # the stack answered a replayed prefix differently; next suite
    elapsed = time.monotonic() - started
    ok = tally.succeeded()
    report = (
        f"{tally.scenarios} scenarios in {suites} suites ({flaky} ended by a flaky replay), "
        f"{elapsed:.1f} s; link transitions followed:\n{tally.report()}"
    )
    print(report)
    assert tally.scenarios >= SCENARIOS, report
    assert ok.total() >= MIN_FOLLOWED_OK, report
    assert len(ok) >= MIN_DISTINCT_LINKS_OK, report
    # Ids taken out of bodies reached their resources: created models' handles, and run and
    # sample ids (links one step deeper: create, then train or add samples, then this).
    assert any(link.startswith(f"{CREATE} -> [201] ") for link in ok), report
    deeper = sum(n for link, n in ok.items() if DEEPER_ID.search(link.rpartition(" -> ")[2]))
    assert deeper >= MIN_DEEPER_OK, report
