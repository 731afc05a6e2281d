"""``effort``'s levels and default are defined once (``u22a8.effort``): the request schema, the
OpenAPI document, the domain's default, the trainer, the CLI and the docs all agree with it, and no
other source spells the levels out again."""

from __future__ import annotations

import re
from typing import Any, get_args

import pytest

from local.template import ROOT
from u22a8 import cli
from u22a8.api import openapi
from u22a8.api.http import parse_body
from u22a8.api.run_mapping import train_request
from u22a8.api.run_schemas import TRAIN_BODY
from u22a8.effort import DEFAULT_EFFORT, EFFORTS, Effort
from u22a8.training import plan_candidates

DEFINITION = ROOT / "shared" / "u22a8" / "effort.py"
SOURCE_FOLDERS = ("shared", "client", "functions", "local", "bench", "scripts", "tools")
# The levels written out in a row: ("low", "medium", "high", ...), "low,medium,high,..." or prose.
LEVELS_WRITTEN_OUT = re.compile(r"""\blow["']?\s*,\s*["']?medium["']?\s*,\s*["']?high\b""")
DEFAULT_ASSIGNED = re.compile(r"^\s*DEFAULT_EFFORT\b[^=\n]*=", re.MULTILINE)


def _spelled(levels: tuple[str, ...]) -> str:
    """The levels as the docs write them: `low`, `medium`, `high` or `max`."""
    quoted = [f"`{level}`" for level in levels]
    return ", ".join(quoted[:-1]) + f" or {quoted[-1]}"


def test_the_levels_are_the_literals_values_and_the_default_is_one_of_them() -> None:
    assert get_args(Effort) == EFFORTS
    assert len(set(EFFORTS)) == len(EFFORTS) > 1
    assert DEFAULT_EFFORT in EFFORTS


def test_no_other_source_defines_the_levels_or_the_default() -> None:
    offenders = []
    for folder in SOURCE_FOLDERS:
        for source in sorted((ROOT / folder).rglob("*.py")):
            if source == DEFINITION or ".venv" in source.parts:
                continue
            text = source.read_text(encoding="utf-8")
            if LEVELS_WRITTEN_OUT.search(text) or DEFAULT_ASSIGNED.search(text):
                offenders.append(str(source.relative_to(ROOT)))
    assert offenders == [], "read the levels and the default from u22a8.effort"
    definition = DEFINITION.read_text(encoding="utf-8")
    assert LEVELS_WRITTEN_OUT.search(definition)
    assert DEFAULT_ASSIGNED.search(definition)


@pytest.mark.parametrize("effort", EFFORTS)
def test_the_train_body_takes_each_level_and_the_trainer_plans_it(effort: Effort) -> None:
    assert train_request(parse_body({"effort": effort}, TRAIN_BODY)).effort == effort
    assert plan_candidates(effort)


@pytest.mark.parametrize("body", [{}, {"effort": None}])
def test_an_absent_or_null_effort_is_the_default(body: dict[str, Any]) -> None:
    request = train_request(parse_body(body, TRAIN_BODY))
    assert request.effort == DEFAULT_EFFORT
    assert type(request)().effort == DEFAULT_EFFORT  # the domain's default (retrains use it)


@pytest.mark.parametrize("effort", ["huge", "Medium", "", 1])
def test_another_effort_is_refused(effort: object) -> None:
    with pytest.raises(Exception, match=r"^Invalid fields: effort\.$") as refused:
        parse_body({"effort": effort}, TRAIN_BODY)
    assert type(refused.value).__name__ == "InvalidInput"


def test_the_openapi_document_states_the_levels_and_the_default() -> None:
    schemas = openapi.build_document()["components"]["schemas"]
    for name in ("TrainIn", "RunOut"):
        (levels,) = (s for s in schemas[name]["properties"]["effort"]["anyOf"] if "enum" in s)
        assert tuple(levels["enum"]) == EFFORTS, name
    description = schemas["TrainIn"]["properties"]["effort"]["description"]
    assert _spelled(EFFORTS) in description
    assert description.endswith(f"`null` or absent: `{DEFAULT_EFFORT}`.")


def test_the_cli_offers_exactly_the_levels(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["train", "acme.tone", "--effort", "huge"])
    assert exited.value.code == 2
    assert f"choose from {', '.join(map(repr, EFFORTS))}" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    assert f"(default {DEFAULT_EFFORT})" in capsys.readouterr().out


def test_the_api_reference_states_the_levels_and_the_default() -> None:
    reference = " ".join((ROOT / "docs" / "api.md").read_text(encoding="utf-8").split())
    assert f"`effort` ({_spelled(EFFORTS)}, or `null` for the default `{DEFAULT_EFFORT}`;" in (
        reference
    )
