"""Every change this project makes to another package's internals, pinned to the versions it was
written for.

The local stack, the tests and the cold-start benchmark reach into private parts of moto,
Powertools and botocore/boto3 (a method swapped on a class, a module global replaced, a handler
list extended): none of them is an API, and an upgrade can change any of them without a word, so
a patch would stop working, or start doing harm, silently. So each patch is listed here with
what it changes, why, and the exact versions it was written for, and the function that applies
it is wrapped in :func:`guarded`, which checks the installed versions (``importlib.metadata``)
first and, on any other version, raises :class:`PatchVersionMismatch` naming the patch, the
package, both versions and what to do. The patches' code stays with what it serves
(``local.moto_fidelity``, ``local.lambda_bridge``, …); ``local.emulator_patches`` applies the
ones every process serving moto needs.

Upgrading moto, Powertools or the AWS SDK is therefore a decision: re-read each patch of that
package against the new version's source, adjust it, and change the pin here and in
``pyproject.toml`` (and ``shared/requirements.txt`` for the runtime packages) together; a test
keeps those in step.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Final

MOTO: Final = "moto"
POWERTOOLS: Final = "aws-lambda-powertools"
BOTOCORE: Final = "botocore"
BOTO3: Final = "boto3"
# The exact versions the patches below were written against (and pyproject.toml pins).
WRITTEN_FOR: Final[Mapping[str, str]] = {
    MOTO: "5.2.5",
    POWERTOOLS: "3.37.0",
    BOTOCORE: "1.44.18",
    BOTO3: "1.44.18",
}
MARKER: Final = "__u22a8_patch__"  # on each guarded function: the name of the patch it applies


@dataclass(frozen=True)
class Patch:
    """One change to a third-party package's internals."""

    name: str
    patches: str  # what it changes
    why: str
    applied_by: str  # the guarded function that applies it, ``module:function``
    packages: tuple[str, ...]  # whose internals it touches (versions from WRITTEN_FOR)

    def written_for(self) -> dict[str, str]:
        return {package: WRITTEN_FOR[package] for package in self.packages}


PATCHES: Final = (
    Patch(
        name="dynamodb-atomic-requests",
        patches="moto.dynamodb.responses.DynamoHandler.call_action and DynamoDBBackend's write "
        "methods (put_item, update_item, delete_item, transact_write_items, batch_write_item), "
        "wrapped in one process-wide lock",
        why="moto checks a condition and then writes, unlocked; DynamoDB applies each request "
        "atomically, so concurrent conditional writes must not both win",
        applied_by="local.moto_fidelity:serialize_dynamodb",
        packages=(MOTO,),
    ),
    Patch(
        name="sfn-stop-waits-for-start",
        patches="moto.stepfunctions.parser.backend.execution_worker.ExecutionWorker.env (made a "
        "property) and .stop",
        why="moto starts an execution's thread before creating what StopExecution signals, so a "
        "cancel right after a start failed with AttributeError (a 500)",
        applied_by="local.moto_fidelity:stop_waits_for_start",
        packages=(MOTO,),
    ),
    Patch(
        name="sfn-wait-sees-stop",
        patches="moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function"
        ".WaitFunction._wait_interval",
        why="moto's Wait misses a StopExecution that arrives just before it starts waiting (the "
        "stop only pulses an event) and sleeps its whole interval; on AWS the stop ends it",
        applied_by="local.moto_fidelity:wait_sees_stop",
        packages=(MOTO,),
    ),
    Patch(
        name="dynamodb-item-rollback",
        patches="moto.dynamodb.models.DynamoDBBackend.transact_write_items and "
        "moto.dynamodb.models.table.Table.__deepcopy__",
        why="moto backs up a transaction by deep-copying the whole table per item; a backup of "
        "the items it names keeps its semantics without costing time in the table's size",
        applied_by="local.moto_speed:item_level_transaction_rollback",
        packages=(MOTO,),
    ),
    Patch(
        name="dynamodb-wire-form-responses",
        patches="moto.core.serialize.BaseJSONSerializer._serialize_type_structure (DynamoDB and "
        "DynamoDB Streams AttributeValues only)",
        why="moto's generic serializer spends about 0.8 ms per item returned trying aliases of "
        "each AttributeValue member; moto holds the values in wire form already, so they are "
        "written as the serializer would, byte for byte, without the search",
        applied_by="local.moto_speed:wire_form_attribute_values",
        packages=(MOTO,),
    ),
    Patch(
        name="powertools-thread-isolation",
        patches="aws_lambda_powertools' BaseRouter.current_event/lambda_context (per thread, "
        "with a metaclass) and AmazonCloudWatchEMFProvider's metric methods (under a lock)",
        why="the local gateway runs handler containers as threads of one process; Powertools "
        "keeps request state and metrics per process, as one Lambda container may",
        applied_by="local.isolation:isolate_invocations",
        packages=(POWERTOOLS,),
    ),
    Patch(
        name="lambda-invoke-bridge",
        patches="moto.awslambda.models.LambdaBackend.invoke and "
        "moto.awslambda_simple.models.LambdaSimpleBackend.invoke",
        why="every Lambda invocation through moto (Step Functions tasks, boto3 Invoke) runs our "
        "real handler in-process instead of a Docker container",
        applied_by="local.lambda_bridge:install",
        packages=(MOTO,),
    ),
    Patch(
        name="sfn-execution-end-hook",
        patches="moto.stepfunctions.parser.backend.execution.BaseExecutionWorkerCommunication"
        ".terminated",
        why="moto emits no EventBridge status-change event when an execution ends, and offers "
        "no way to wait for one but polling",
        applied_by="local.lambda_bridge:watch_executions",
        packages=(MOTO,),
    ),
    Patch(
        name="sfn-instant-retries",
        patches="the module global time of moto.stepfunctions.parser.asl.component.common.retry"
        ".retrier_decl",
        why="moto really sleeps a Retry's intervals; tests record them instead of waiting",
        applied_by="local.lambda_bridge:instant_retries",
        packages=(MOTO,),
    ),
    Patch(
        name="iam-audit-handlers",
        patches="botocore.handlers.BUILTIN_HANDLERS (two handlers appended), and the module name "
        "of moto's Step Functions task states, read from the call stack",
        why="every AWS call a function or the state machine makes is checked against its role "
        "in template.yaml, so a missing grant fails here rather than on AWS",
        applied_by="local.iam_audit:install",
        packages=(BOTOCORE, MOTO),
    ),
    Patch(
        name="moto-engine-config",
        patches="moto.core.config.default_user_config's stepfunctions and lambda sections",
        why="moto's server has no option to run state machines or to keep Lambda off Docker",
        applied_by="local.engine:enable",
        packages=(MOTO,),
    ),
    Patch(
        name="moto-request-counter",
        patches="the WSGI app of moto.server.ThreadedMotoServer's private _server (wrapped)",
        why="the cold-start benchmark checks each child's count of AWS requests against what "
        "moto's server received, whichever session sent them",
        applied_by="bench.coldstart.emulator:count_requests",
        packages=(MOTO,),
    ),
    Patch(
        name="boto3-shared-data-loader",
        patches="boto3.setup_default_session and boto3.DEFAULT_SESSION (tests only)",
        why="mock_aws resets the default session per test; one shared botocore data loader "
        "keeps service models from being parsed again for every test",
        applied_by="tests.conftest:share_data_loader",
        packages=(BOTO3, BOTOCORE),
    ),
)
BY_NAME: Final[Mapping[str, Patch]] = {patch.name: patch for patch in PATCHES}


class PatchVersionMismatch(RuntimeError):
    """A patch would be applied to a version of a package it was not written for."""

    def __init__(self, patch: Patch, package: str, expected: str, found: str | None) -> None:
        self.patch = patch
        self.package = package
        self.expected = expected
        self.found = found
        installed = f"{package} {found} is installed" if found else f"{package} is not installed"
        super().__init__(
            f"patch {patch.name!r} ({patch.applied_by}) was written for {package} {expected}, "
            f"but {installed}. It patches {patch.patches}. Install {package}=={expected} "
            f"(make install), or re-check the patch against {package} {found or '(none)'}'s "
            f"source and update it and its pin in local/patches.py and pyproject.toml together."
        )


@functools.cache
def installed_version(package: str) -> str | None:
    """The installed distribution's version, or ``None`` when it is not installed (read once per
    process: guarded functions run per test, and installing a package restarts the process)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def check(name: str) -> Patch:
    """Raise :class:`PatchVersionMismatch` unless every package ``name`` patches is at the version
    it was written for."""
    patch = BY_NAME[name]
    for package, expected in patch.written_for().items():
        found = installed_version(package)
        if found != expected:
            raise PatchVersionMismatch(patch, package, expected, found)
    return patch


def guarded[**P, R](name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate the function that applies patch ``name``: each call checks the versions first."""
    if name not in BY_NAME:
        raise KeyError(f"no patch {name!r} in local/patches.py's PATCHES")

    def decorate(apply: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(apply)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            check(name)
            return apply(*args, **kwargs)

        setattr(checked, MARKER, name)
        return checked

    return decorate
