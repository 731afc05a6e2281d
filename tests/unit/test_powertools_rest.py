"""``u22a8.api.powertools_rest``: the REST resolver without Powertools' other resolvers, and a
package that stays whole to every other caller.

What is imported is process state, so the checks on Powertools itself run in fresh interpreters;
the deferral's edge cases run in this one, on a throwaway package of files in ``tmp_path``.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
import threading
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from local import template
from u22a8.api.powertools_rest import REST_EVENT_CLASSES, defer_package_init

ROOT = Path(__file__).resolve().parents[2]
#: Modules the REST resolver does not need, which the packages' ``__init__`` would import.
NOT_FOR_REST = (
    "aws_lambda_powertools.event_handler.appsync",
    "aws_lambda_powertools.event_handler.bedrock_agent",
    "aws_lambda_powertools.event_handler.vpc_lattice",
    "aws_lambda_powertools.event_handler.lambda_function_url",
    "asyncio",
    "aws_lambda_powertools.utilities.data_classes.code_pipeline_job_event",
    "aws_lambda_powertools.utilities.data_classes.sqs_event",
    "aws_lambda_powertools.utilities.data_classes.kinesis_firehose_event",
)


def _fresh(code: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; it ends by printing one JSON value, returned."""
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def test_the_rest_resolver_comes_without_what_it_does_not_use() -> None:
    result = _fresh(
        f"""
        import json, sys
        from u22a8.api.powertools_rest import APIGatewayRestResolver, Response
        print(json.dumps({{"loaded": [m for m in {NOT_FOR_REST!r} if m in sys.modules]}}))
        """
    )
    assert result["loaded"] == []


def test_no_api_handler_imports_what_the_rest_resolver_does_not_use() -> None:
    api_handlers = [
        str(ROOT / spec.code_uri / f"{spec.handler.rsplit('.', 1)[0]}.py")
        for spec in template.functions().values()
        if spec.routes
    ]
    assert len(api_handlers) > 20
    result = _fresh(
        f"""
        import importlib.util, json, sys
        for number, path in enumerate({api_handlers!r}):
            spec = importlib.util.spec_from_file_location(f"handler_{{number}}", path)
            spec.loader.exec_module(importlib.util.module_from_spec(spec))
        print(json.dumps({{"loaded": [m for m in {NOT_FOR_REST!r} if m in sys.modules]}}))
        """
    )
    assert result["loaded"] == []


def test_the_package_is_whole_to_a_later_caller() -> None:
    """Once the REST resolver is imported, the package is imported as Python always does: a
    later import of a submodule runs the package's ``__init__`` first."""
    result = _fresh(
        """
        import json, pkgutil, sys
        from u22a8.api import powertools_rest
        before = "aws_lambda_powertools.event_handler.appsync" in sys.modules
        from aws_lambda_powertools.event_handler import content_types  # a submodule
        after = "aws_lambda_powertools.event_handler.appsync" in sys.modules
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver, AppSyncResolver
        import aws_lambda_powertools.event_handler as package
        print(json.dumps({
            "init_ran": [before, after],
            "same_resolver": APIGatewayRestResolver is powertools_rest.APIGatewayRestResolver,
            "resolved_by_name": pkgutil.resolve_name(
                "aws_lambda_powertools.event_handler.api_gateway:Response"
            ) is powertools_rest.Response,
            "appsync": AppSyncResolver.__name__,
            "hook_left": "__getattr__" in vars(package),
            "unknown_name": hasattr(package, "NoSuchResolver"),
            "content_types": content_types.APPLICATION_JSON,
        }))
        """
    )
    assert result == {
        "init_ran": [False, True],
        "same_resolver": True,
        "resolved_by_name": True,
        "appsync": "AppSyncResolver",
        "hook_left": False,
        "unknown_name": False,
        "content_types": "application/json",
    }


def test_a_submodule_that_asks_its_package_while_imported_imports_later() -> None:
    """``data_classes.sqs_event`` (imported by the batch utility the webhook functions use) asks
    its package for ``S3Event`` while it is imported: it needs the package's ``__init__`` to
    have run first, as it has in any plain import."""
    result = _fresh(
        """
        import json
        from u22a8.api import powertools_rest
        from aws_lambda_powertools.utilities.batch import BatchProcessor
        from aws_lambda_powertools.utilities.data_classes import SQSEvent
        from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
        print(json.dumps({"sqs": [SQSEvent.__name__, SQSRecord.__name__]}))
        """
    )
    assert result == {"sqs": ["SQSEvent", "SQSRecord"]}


def test_the_data_classes_package_is_whole_to_a_later_caller() -> None:
    result = _fresh(
        """
        import json
        from u22a8.api import powertools_rest
        from aws_lambda_powertools.event_handler.api_gateway import ALBEvent as seen_by_rest
        from aws_lambda_powertools.utilities.data_classes import ALBEvent, SQSEvent, event_source
        import aws_lambda_powertools.utilities.data_classes as package
        print(json.dumps({
            "same": ALBEvent is seen_by_rest,
            "sqs": SQSEvent.__name__,
            "event_source": callable(event_source),
            "hook_left": "__getattr__" in vars(package),
        }))
        """
    )
    assert result == {"same": True, "sqs": "SQSEvent", "event_source": True, "hook_left": False}


def test_each_early_name_is_what_the_package_itself_binds() -> None:
    """Without the deferral: the data classes' own ``__init__`` binds each name the REST
    resolver asks for to the object the submodule named for it defines."""
    result = _fresh(
        f"""
        import importlib, json
        import aws_lambda_powertools.utilities.data_classes as package
        early = {REST_EVENT_CLASSES!r}
        print(json.dumps({{
            name: getattr(package, name)
            is vars(importlib.import_module(f"{{package.__name__}}.{{module}}"))[name]
            for name, module in early.items()
        }}))
        """
    )
    assert result == dict.fromkeys(REST_EVENT_CLASSES, True)


def test_a_package_imported_before_is_left_as_it_is() -> None:
    result = _fresh(
        """
        import json
        import aws_lambda_powertools.event_handler as package
        from u22a8.api import powertools_rest
        print(json.dumps({
            "hook": "__getattr__" in vars(package),
            "same": package.Response is powertools_rest.Response,
        }))
        """
    )
    assert result == {"hook": False, "same": True}


@pytest.fixture
def throwaway_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``deferred_pkg``: an ``__init__`` that counts its runs and fails when told to, one
    submodule."""
    name = "deferred_pkg"
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text(
        "import os\n"
        "from deferred_pkg.sub import VALUE\n"
        "RUNS = int(os.environ.get('DEFERRED_PKG_RUNS', '0')) + 1\n"
        "os.environ['DEFERRED_PKG_RUNS'] = str(RUNS)\n"
        "if os.environ.get('DEFERRED_PKG_FAIL'):\n"
        "    raise RuntimeError('init failed')\n"
        "if os.environ.get('DEFERRED_PKG_OWN_GETATTR'):\n"
        "    def __getattr__(name):\n"
        "        return f'lazy {name}'\n"
        "import sys\n"
        "gate = sys.modules.get('deferred_gate')\n"
        "if gate is not None:  # the test holds the __init__ here\n"
        "    gate.entered.set()\n"
        "    gate.release.wait(30)\n"
        "LATE = 'bound after the gate'\n"
    )
    (package / "sub.py").write_text("VALUE = 42\nOTHER = 'other'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("DEFERRED_PKG_RUNS", raising=False)
    yield name
    for module in [m for m in sys.modules if m.startswith(("deferred_pkg", "deferred_gate"))]:
        del sys.modules[module]


def test_a_deferred_init_runs_once_at_the_first_name_it_defines(throwaway_package: str) -> None:
    defer_package_init(throwaway_package)
    from deferred_pkg import sub  # type: ignore[import-not-found]

    assert sub.VALUE == 42
    assert "DEFERRED_PKG_RUNS" not in os.environ  # a submodule: no init
    from deferred_pkg import RUNS, VALUE

    assert (RUNS, VALUE) == (1, 42)
    from deferred_pkg import RUNS as again

    assert again == 1
    with pytest.raises(ImportError):
        from deferred_pkg import missing  # noqa: F401


def test_an_early_name_comes_from_its_submodule_alone(throwaway_package: str) -> None:
    defer_package_init(throwaway_package, early={"OTHER": "sub"})
    from deferred_pkg import OTHER

    assert OTHER == "other"
    assert "DEFERRED_PKG_RUNS" not in os.environ


@pytest.mark.parametrize("submodule", ["sub", "no_such_submodule"])
def test_an_early_name_not_where_it_was_said_to_be_is_left_to_the_init(
    throwaway_package: str, submodule: str
) -> None:
    # Another version of the package may define it elsewhere: its __init__ still knows.
    defer_package_init(throwaway_package, early={"RUNS": submodule})
    from deferred_pkg import RUNS

    assert RUNS == 1


def test_a_thread_asking_while_another_runs_the_init_waits_for_it(
    throwaway_package: str,
) -> None:
    gate = types.SimpleNamespace(entered=threading.Event(), release=threading.Event())
    sys.modules["deferred_gate"] = gate  # type: ignore[assignment]
    defer_package_init(throwaway_package)
    found: dict[str, object] = {}

    def ask(attribute: str) -> None:
        try:
            found[attribute] = getattr(importlib.import_module(throwaway_package), attribute)
        except Exception as error:  # reported below, not lost in the thread
            found[attribute] = error

    first = threading.Thread(target=ask, args=("RUNS",))
    first.start()
    assert gate.entered.wait(30)  # the first thread is inside the __init__
    second = threading.Thread(target=ask, args=("LATE",))
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waiting for the lock, not answered from a half-run __init__
    gate.release.set()
    first.join(30)
    second.join(30)
    assert found == {"RUNS": 1, "LATE": "bound after the gate"}


def test_an_init_that_defines_its_own_getattr_keeps_it(
    throwaway_package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFERRED_PKG_OWN_GETATTR", "1")
    defer_package_init(throwaway_package)
    package = importlib.import_module(throwaway_package)
    assert package.RUNS == 1
    assert package.anything == "lazy anything"


def test_after_release_the_package_imports_as_usual(throwaway_package: str) -> None:
    release = defer_package_init(throwaway_package)
    stub = sys.modules[throwaway_package]
    release()
    assert throwaway_package not in sys.modules
    from deferred_pkg import sub

    assert sub.VALUE == 42
    assert os.environ["DEFERRED_PKG_RUNS"] == "1"  # the submodule's import ran the __init__
    assert stub.RUNS == 1  # a reference kept from before asks the package imported since
    assert sys.modules[throwaway_package] is not stub


def test_a_release_after_the_init_ran_keeps_the_package(throwaway_package: str) -> None:
    release = defer_package_init(throwaway_package)
    from deferred_pkg import RUNS

    release()
    assert RUNS == 1
    assert sys.modules[throwaway_package].RUNS == 1


def test_a_failing_init_leaves_no_half_package(
    throwaway_package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFERRED_PKG_FAIL", "1")
    defer_package_init(throwaway_package)
    with pytest.raises(RuntimeError, match="init failed"):
        from deferred_pkg import VALUE  # noqa: F401
    assert throwaway_package not in sys.modules  # the next import runs the __init__ again


def test_a_name_that_is_no_package_is_left_to_the_import_system() -> None:
    already = "colorsys" in sys.modules
    defer_package_init("no_such_package_anywhere")()
    defer_package_init("colorsys")()  # a module, not a package
    assert "no_such_package_anywhere" not in sys.modules
    assert ("colorsys" in sys.modules) == already
