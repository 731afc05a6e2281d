"""Powertools' REST resolver, imported without the rest of ``aws_lambda_powertools.event_handler``.

That package's ``__init__`` imports every resolver Powertools has (AppSync's pulls in ``asyncio``;
Bedrock's, VPC Lattice's, Lambda function URLs'...) to re-export them: about 15 ms of every API
function's cold start, for the one resolver this API uses (measured with ``-X importtime`` and
``bench/cold_start.py``; README, "Cold start"). Here the package is registered with its
``__init__`` deferred, and only the submodules the API needs are imported. The first lookup of a
name the package itself defines (a later ``from aws_lambda_powertools.event_handler import
AppSyncResolver``, in any code) runs the ``__init__`` then, so the package stays whole to every
other caller; submodules import as they always do.

The API imports these names from here only: ruff's banned-api rule (``pyproject.toml``) refuses
``aws_lambda_powertools.event_handler`` anywhere else, since an import of it that ran first would
run the whole ``__init__`` (harmless, only slower). ``tests/unit/test_powertools_rest.py`` checks
both paths in fresh interpreters.
"""

from __future__ import annotations

import importlib.util
import sys

EVENT_HANDLER = "aws_lambda_powertools.event_handler"


def defer_package_init(name: str) -> None:
    """Register package ``name`` in ``sys.modules`` without running its ``__init__`` yet.

    A no-op when the package is already imported or is not a package of source files. The
    module's ``__getattr__`` (PEP 562) runs for a name the module does not have: a submodule's
    name is left to the import system (which binds it), anything else runs the ``__init__``,
    once, and is then looked up as usual.
    """
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    loader = spec.loader
    package = importlib.util.module_from_spec(spec)

    def run_init_on_first_lookup(attribute: str) -> object:
        if importlib.util.find_spec(f"{name}.{attribute}") is not None:
            raise AttributeError(attribute)  # a submodule: ``from package import sub`` imports it
        del package.__dict__["__getattr__"]
        try:
            loader.exec_module(package)
        except BaseException:
            sys.modules.pop(name, None)  # as a failed import leaves it: the next import retries
            raise
        try:
            return package.__dict__[attribute]
        except KeyError:
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}") from None

    package.__dict__["__getattr__"] = run_init_on_first_lookup
    sys.modules[name] = package


defer_package_init(EVENT_HANDLER)

from aws_lambda_powertools.event_handler.api_gateway import (  # noqa: E402, TID251
    APIGatewayRestResolver,
    BaseRouter,
    Response,
)
from aws_lambda_powertools.event_handler.exceptions import NotFoundError  # noqa: E402, TID251

__all__ = ["APIGatewayRestResolver", "BaseRouter", "NotFoundError", "Response"]
