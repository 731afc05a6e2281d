"""The program each cold-start measurement runs in a fresh interpreter (``bench/cold_start.py``).

argv: ``floor`` | ``handler <path> <module> <function> <event> <context>``. Timed from this file's
first statement: everything up to the handler's import, and the invocation. Not timed: decoding the
event and building the context (harness work a Lambda runtime does before the clock we mimic).
Before the clock stops it imports only what the floor does (``sys``, ``boto3``), so the handler
rows and the floor pay the same harness; annotations use builtins for the same reason (no
``typing`` import).
"""

import time

_T0, _C0 = time.perf_counter(), time.process_time()

import sys  # noqa: E402  (after the clock starts: the import is part of the measurement)

import boto3  # noqa: E402

RESULT_MARKER = "@@cold-start-result@@ "

_phase = ["import"]
_calls: dict[str, dict[str, int]] = {"import": {}, "request": {}}
_attempts = {"import": 0, "request": 0}


def _count_call(event_name: str, **_: object) -> None:
    name = event_name.split(".", 1)[1]  # before-call.<service>.<Operation>
    bucket = _calls[_phase[0]]
    bucket[name] = bucket.get(name, 0) + 1


def _count_send(**_: object) -> None:
    _attempts[_phase[0]] += 1


class _Context:
    """The Lambda context's fields the handlers read, with a clock for the remaining time."""

    timeout_ms: int

    def __init__(self, fields: dict[str, object], started: float) -> None:
        self.__dict__.update(fields)
        self._started = started

    def get_remaining_time_in_millis(self) -> int:
        elapsed_ms = int((time.monotonic() - self._started) * 1000)
        return max(self.timeout_ms - elapsed_ms, 0)


def _status_of(result: object) -> int | str | None:
    """The status code of a proxy response, the effects of an authorizer policy, or what it was."""
    if isinstance(result, dict) and "statusCode" in result:
        status: int = result["statusCode"]
        return status
    if isinstance(result, dict) and "policyDocument" in result:
        return ",".join(s["Effect"] for s in result["policyDocument"]["Statement"])
    return f"returned {type(result).__name__}"


def main(argv: list[str]) -> None:
    boto3.setup_default_session()
    session = boto3.DEFAULT_SESSION
    assert session is not None
    session.events.register("before-call", _count_call)
    session.events.register("before-send", _count_send)

    status: int | str | None
    if argv[1] == "floor":
        t1, c1 = time.perf_counter(), time.process_time()
        _phase[0] = "request"
        t2, c2 = time.perf_counter(), time.process_time()
        boto3.client("dynamodb")
        t3, c3 = time.perf_counter(), time.process_time()
        status = None
    else:
        import importlib.util

        path, module_name, function_name = argv[2:5]
        spec = importlib.util.spec_from_file_location(module_name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        handler = getattr(module, function_name)
        t1, c1 = time.perf_counter(), time.process_time()

        import json

        event = json.loads(argv[5])
        context = _Context(json.loads(argv[6]), time.monotonic())
        _phase[0] = "request"
        t2, c2 = time.perf_counter(), time.process_time()
        try:
            result = handler(event, context)
        except Exception as error:
            status = f"raised {type(error).__name__}: {error}"
        else:
            status = _status_of(result)
        t3, c3 = time.perf_counter(), time.process_time()

    import json

    import_ms = (t1 - _T0) * 1000
    request_ms = (t3 - t2) * 1000
    cpu_ms = (c1 - _C0 + c3 - c2) * 1000
    result_line = {
        "import_ms": import_ms,
        "first_request_ms": request_ms,
        "total_ms": import_ms + request_ms,
        "cpu_ms": cpu_ms,
        "status": status,
        "calls": _calls["request"],
        "import_calls": _calls["import"],
        "http_attempts": _attempts["request"],
    }
    print()
    print(RESULT_MARKER + json.dumps(result_line), flush=True)


if __name__ == "__main__":
    main(sys.argv)
