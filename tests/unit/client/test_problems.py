"""Problems become typed exceptions carrying every field of the problem body."""

from __future__ import annotations

import pytest

from tests.unit.client.scripted_server import Reply, ScriptedServer, problem
from u22a8.client import (
    ApiError,
    BadRequest,
    Client,
    Conflict,
    FieldError,
    NotFound,
    PreconditionFailed,
    Unauthorized,
    ValidationFailed,
)


def test_a_422_carries_type_title_status_detail_errors_and_request_id(
    client: Client, server: ScriptedServer
) -> None:
    server.script(
        problem(
            422,
            "validation-error",
            detail="Fix the fields named in errors.",
            errors=[
                {"loc": ["body", "state"], "msg": "read-only: use POST .../train", "type": "ro"},
                {"loc": ["body", "colour"], "msg": "unknown field", "type": "extra_forbidden"},
            ],
        )
    )
    with pytest.raises(ValidationFailed) as raised:
        client.models.patch("acme.tone", {"description": "x"})
    error = raised.value
    assert error.status == 422
    assert error.type == "https://u22a8.ai/problems/validation-error"
    assert error.code == "validation-error"
    assert error.title == "Validation error"
    assert error.detail == "Fix the fields named in errors."
    assert error.request_id == "req-validation-error"
    assert error.errors == (
        FieldError(("body", "state"), "read-only: use POST .../train", "ro"),
        FieldError(("body", "colour"), "unknown field", "extra_forbidden"),
    )
    assert "body.colour: unknown field" in str(error)
    assert "req-validation-error" in str(error)


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "malformed-json", BadRequest),
        (404, "model-not-found", NotFound),
        (409, "model-archived", Conflict),
        (412, "precondition-failed", PreconditionFailed),
    ],
)
def test_each_status_has_its_class(
    client: Client, server: ScriptedServer, status: int, code: str, cls: type[ApiError]
) -> None:
    server.script(problem(status, code))
    with pytest.raises(cls) as raised:
        client.models.get("acme.tone")
    assert raised.value.code == code


def test_extensions_are_kept(client: Client, server: ScriptedServer) -> None:
    server.script(problem(409, "run-not-running", run_id="run_1", status_now="succeeded"))
    with pytest.raises(Conflict) as raised:
        client.runs.cancel("acme.tone", "run_1")
    assert raised.value.extensions == {"run_id": "run_1", "status_now": "succeeded"}


def test_a_gateway_answer_that_is_not_a_problem_still_raises_typed(
    client: Client, server: ScriptedServer
) -> None:
    server.script(
        Reply(401, {"message": "Unauthorized"}, {"WWW-Authenticate": "Bearer"}),
        Reply(404, raw=b"<html>no such stage</html>", headers={"Content-Type": "text/html"}),
    )
    with pytest.raises(Unauthorized) as raised:
        client.models.get("acme.tone")
    assert raised.value.status == 401
    assert raised.value.type == "about:blank"
    assert raised.value.detail == "Unauthorized"
    assert raised.value.request_id is None
    with pytest.raises(NotFound) as missing:
        client.models.get("acme.tone")
    assert missing.value.detail == "<html>no such stage</html>"


def test_the_key_goes_in_the_authorization_header(client: Client, server: ScriptedServer) -> None:
    server.script(Reply(200, {"handle": "acme.tone"}))
    client.models.get("acme.tone")
    (request,) = server.received
    assert request.headers["authorization"] == "Bearer u22a8_test_key"
    assert request.headers["accept"] == "application/json"


def test_a_client_needs_a_url_and_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("U22A8_API_URL", raising=False)
    monkeypatch.delenv("U22A8_API_KEY", raising=False)
    with pytest.raises(ValueError, match="U22A8_API_URL"):
        Client()
    monkeypatch.setenv("U22A8_API_URL", "https://api.example.com/prod")
    with pytest.raises(ValueError, match="U22A8_API_KEY"):
        Client()
    monkeypatch.setenv("U22A8_API_KEY", "u22a8_x")
    Client().close()
    with pytest.raises(ValueError, match="http"):
        Client("ftp://example.com", "k")
