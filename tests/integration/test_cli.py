"""The operator CLI (``u22a8 keys ...``) and the key service behind it, against moto."""

from __future__ import annotations

import json
import re

import boto3
import pytest

from u22a8 import cli
from u22a8.auth.keys import hash_key
from u22a8.data import keys_repo
from u22a8.domain.keys_service import authenticate, issue_key, list_keys, revoke_key
from u22a8.entities.errors import InvalidInput


@pytest.fixture
def keys_table(aws: dict[str, str]) -> str:
    return aws["KeysTable"]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_create_prints_the_key_once_and_stores_only_its_hash(
    keys_table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "keys", "--keys-table", keys_table, "create", "--namespace", "acme")
    assert code == 0
    key = re.search(r"api key:\s+(\S+)", out)
    key_id = re.search(r"key_id:\s+(key_[0-9a-f]{16})", out)
    assert key
    assert key_id
    assert "acme" in out
    record = keys_repo.find_by_hash(hash_key(key.group(1)))
    assert record is not None
    assert record.key_id == key_id.group(1)
    assert record.namespace == "acme"
    principal = authenticate(f"Bearer {key.group(1)}")
    assert principal is not None
    assert principal.namespace == "acme"
    # The table never holds the plaintext key.
    items = boto3.client("dynamodb").scan(TableName=keys_table)["Items"]
    assert len(items) == 1
    assert key.group(1) not in json.dumps(items)


def test_list_revoke_and_list_again(keys_table: str, capsys: pytest.CaptureFixture[str]) -> None:
    acme = issue_key("acme", "ci")
    issue_key("globex")
    code, out, _ = _run(capsys, "keys", "--keys-table", keys_table, "list", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["namespace"] for r in rows] == ["acme", "globex"]
    assert rows[0]["key_id"] == acme.record.key_id
    assert rows[0]["description"] == "ci"
    assert rows[0]["revoked_at"] is None
    assert acme.key not in out

    code, out, _ = _run(capsys, "keys", "--keys-table", keys_table, "revoke", acme.record.key_id)
    assert code == 0
    assert acme.record.key_id in out
    assert authenticate(f"Bearer {acme.key}") is None

    code, out, _ = _run(capsys, "keys", "--keys-table", keys_table, "list", "--namespace", "acme")
    assert code == 0
    (line,) = out.splitlines()
    assert line.startswith(acme.record.key_id)
    assert "revoked" in line
    code, out, _ = _run(capsys, "keys", "--keys-table", keys_table, "list", "--namespace", "globex")
    assert "active" in out


def test_revoking_an_unknown_key_fails(keys_table: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "keys", "--keys-table", keys_table, "revoke", "key_0000")
    assert code == 1
    assert "key_0000" in err


def test_an_invalid_namespace_is_refused(
    keys_table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(
        capsys, "keys", "--keys-table", keys_table, "create", "--namespace", "Bad Name"
    )
    assert code == 2
    assert "not a valid namespace" in err
    assert out == ""
    assert list_keys() == []


def test_the_table_comes_from_the_environment_too(
    keys_table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "keys", "list")  # KEYS_TABLE is set by the aws fixture
    assert (code, out) == (0, "")


def test_without_a_table_the_cli_says_how_to_set_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KEYS_TABLE", raising=False)
    code, _, err = _run(capsys, "keys", "list")
    assert code == 2
    assert "KEYS_TABLE" in err


@pytest.mark.usefixtures("aws")
def test_revoking_twice_keeps_the_first_time() -> None:
    issued = issue_key("acme")
    first = revoke_key(issued.record.key_id)
    second = revoke_key(issued.record.key_id)
    assert first is not None
    assert second is not None
    assert first.revoked_at is not None
    assert second.revoked_at == first.revoked_at
    assert not second.active


@pytest.mark.usefixtures("aws")
def test_list_keys_filters_and_sorts() -> None:
    b = issue_key("beta")
    a1 = issue_key("alpha")
    a2 = issue_key("alpha")
    listed = list_keys()
    assert [r.namespace for r in listed] == ["alpha", "alpha", "beta"]
    assert {r.key_id for r in listed[:2]} == {a1.record.key_id, a2.record.key_id}
    assert [r.key_id for r in list_keys("beta")] == [b.record.key_id]


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("namespace", ["", "Acme", "a" * 40, "-acme", "acme.x"])
def test_issue_key_validates_the_namespace(namespace: str) -> None:
    with pytest.raises(InvalidInput):
        issue_key(namespace)
