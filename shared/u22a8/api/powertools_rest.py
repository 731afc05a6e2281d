"""Powertools' REST resolver, imported without the rest of its packages' ``__init__`` modules.

``aws_lambda_powertools.event_handler``'s ``__init__`` imports every resolver Powertools has
(AppSync's pulls in ``asyncio``; Bedrock's, VPC Lattice's, function URLs'...), and
``utilities.data_classes``' imports its 40-odd event classes, all to re-export them: together
about 25 ms of every API function's cold start (``-X importtime``; ``bench/cold_start.py``, README
"Cold start"), for the one resolver and the seven event classes the REST resolver uses. While the
REST resolver's modules are imported, both packages are registered with their ``__init__``
deferred: those modules import as they always do, and the event classes the resolver asks the
data classes' package for come from the submodules that define them. Then the two are
unregistered, so any later import of either package, or of a submodule (a later ``from
aws_lambda_powertools.event_handler import AppSyncResolver``, in any code), runs its ``__init__``
as usual, and the packages stay whole to every other caller. Nothing of Powertools is patched: with
another Powertools layout a name is found by running the ``__init__``, which is only slower, and
``tests/unit/test_powertools_rest.py`` fails on that (it checks what the handlers import).

The API imports these names from here only: ruff's banned-api rule (``pyproject.toml``) refuses
``aws_lambda_powertools.event_handler`` anywhere else, since an import of it that ran first would
run the whole ``__init__``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from collections.abc import Callable, Mapping

EVENT_HANDLER = "aws_lambda_powertools.event_handler"
DATA_CLASSES = "aws_lambda_powertools.utilities.data_classes"
#: What ``event_handler.api_gateway`` imports from the data classes' package, and where each is
#: defined: the package's ``__init__`` imports all 40-odd event classes (about 12 ms more).
REST_EVENT_CLASSES = {
    "ALBEvent": "alb_event",
    "APIGatewayProxyEvent": "api_gateway_proxy_event",
    "APIGatewayProxyEventV2": "api_gateway_proxy_event",
    "BedrockAgentEvent": "bedrock_agent_event",
    "LambdaFunctionUrlEvent": "lambda_function_url_event",
    "VPCLatticeEvent": "vpc_lattice",
    "VPCLatticeEventV2": "vpc_lattice",
}


def defer_package_init(name: str, early: Mapping[str, str] | None = None) -> Callable[[], None]:
    """Register package ``name`` in ``sys.modules`` without running its ``__init__`` yet; the
    returned ``release`` unregisters it again if its ``__init__`` has not run by then.

    A no-op (and so is its ``release``) when the package is already imported or is not a
    package of source files. The module's ``__getattr__`` (PEP 562) runs for a name the module
    does not have: a name in ``early`` (name -> the submodule that defines it) is taken from
    that submodule alone; a submodule's name is left to the import system (which binds it);
    anything else runs the ``__init__``, once, and is then looked up as usual (the ``__init__``
    binds the ``early`` names again, to the same objects: it imports them from those
    submodules).

    Only the submodules imported before ``release`` skip the ``__init__``: after it, the next
    import of the package or of any submodule runs the ``__init__`` first, as Python always
    does. A submodule may need that: ``data_classes.sqs_event`` asks its package for
    ``S3Event`` while it is imported, which the ``__init__`` binds before it imports
    ``sqs_event``. One lock per package: a thread that asks while another runs the ``__init__``
    waits for it (the local stack runs handlers as threads), and the ``__init__``'s own lookups,
    while it runs, see a module mid-import, as any package's do.
    """
    if name in sys.modules:
        return lambda: None
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return lambda: None
    loader = spec.loader
    package = importlib.util.module_from_spec(spec)
    defined_in = dict(early or {})
    lock = threading.RLock()
    state = {"init": "deferred"}  # -> "running" -> "done", or "released"

    def missing(attribute: str) -> AttributeError:
        return AttributeError(f"module {name!r} has no attribute {attribute!r}")

    def run_init() -> None:
        state["init"] = "running"
        try:
            loader.exec_module(package)
        except BaseException:
            state["init"] = "deferred"
            sys.modules.pop(name, None)  # as a failed import leaves it: the next import retries
            raise
        state["init"] = "done"
        if package.__dict__.get("__getattr__") is lookup:  # unless the __init__ defined its own
            del package.__dict__["__getattr__"]

    def from_early_submodule(attribute: str) -> object | None:
        try:
            module = vars(importlib.import_module(f"{name}.{defined_in[attribute]}"))
        except ImportError:
            return None
        if attribute not in module:
            return None
        value: object = module[attribute]
        package.__dict__[attribute] = value
        return value

    def lookup(attribute: str) -> object:
        with lock:
            if attribute in package.__dict__:  # bound while this thread waited for the lock
                return package.__dict__[attribute]
            if state["init"] == "released":  # asked through a reference kept from before
                return getattr(importlib.import_module(name), attribute)
            if state["init"] != "deferred":
                raise missing(attribute)
            if attribute in defined_in:
                found = from_early_submodule(attribute)
                if found is not None:
                    return found
            elif importlib.util.find_spec(f"{name}.{attribute}") is not None:
                raise AttributeError(attribute)  # a submodule: the import system imports it
            # Any other name, or an early one not where it was said to be (another version of
            # the package): the __init__ knows.
            run_init()
            if attribute in package.__dict__:
                return package.__dict__[attribute]
            raise missing(attribute)

    def release() -> None:
        with lock:
            if state["init"] == "deferred" and sys.modules.get(name) is package:
                state["init"] = "released"
                del sys.modules[name]

    package.__dict__["__getattr__"] = lookup
    sys.modules[name] = package
    return release


_release_event_handler = defer_package_init(EVENT_HANDLER)
_release_data_classes = defer_package_init(DATA_CLASSES, early=REST_EVENT_CLASSES)

from aws_lambda_powertools.event_handler.api_gateway import (  # noqa: E402, TID251
    APIGatewayRestResolver,
    BaseRouter,
    Response,
)
from aws_lambda_powertools.event_handler.exceptions import NotFoundError  # noqa: E402, TID251

_release_event_handler()
_release_data_classes()

__all__ = ["APIGatewayRestResolver", "BaseRouter", "NotFoundError", "Response"]
