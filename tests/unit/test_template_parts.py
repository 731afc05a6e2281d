"""The per-function parts of ``template.yaml`` come from its function entries alone
(``scripts/template_parts.py``): the committed ones are up to date, and adding a function is one
entry that ``make template-parts`` completes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from local.template import parse_template
from scripts import template_parts
from scripts.template_parts import REQUIREMENTS_TEXT, TemplateError

# A background function and an API route, written as a newcomer would: no log group, no alarms.
NEW_FUNCTIONS = """\
  ExportModelFunction:
    Type: AWS::Serverless::Function
    Properties:
      Description: Exports a model nightly.
      CodeUri: functions/export_model/
      Handler: app.handler
      Events:
        Nightly:
          Type: Schedule
          Properties:
            Schedule: rate(1 day)

  GetExportFunction:
    Type: AWS::Serverless::Function
    Properties:
      Description: GET /v1/models/{handle}/export - the last export.
      CodeUri: functions/get_export/
      Handler: app.handler
      Events:
        Get:
          Type: Api
          Properties:
            RestApiId: !Ref ModelsApi
            Path: /v1/models/{handle}/export
            Method: GET

"""
LOG_GROUPS_MARKER = "  # >>> generated: log groups"
SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of what the script reads and writes: the template, the baseline, the functions'
    requirements files."""
    root = template_parts.ROOT
    for name in ("template.yaml", "template-baseline.yaml"):
        shutil.copy(root / name, tmp_path / name)
    for requirements in (root / "functions").glob("*/requirements.txt"):
        target = tmp_path / requirements.relative_to(root)
        target.parent.mkdir(parents=True)
        shutil.copy(requirements, target)
    return tmp_path


def _add_functions(root: Path) -> None:
    path = root / "template.yaml"
    text = path.read_text(encoding="utf-8")
    assert LOG_GROUPS_MARKER in text
    path.write_text(text.replace(LOG_GROUPS_MARKER, NEW_FUNCTIONS + LOG_GROUPS_MARKER), "utf-8")


def _dashboard(template: dict[str, Any]) -> dict[str, Any]:
    body = template["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]
    separator, halves = body["Fn::Join"]
    text = separator.join(half["Fn::Sub"] for half in halves)
    loaded: dict[str, Any] = json.loads(SUB_VARIABLE.sub(lambda match: match[1], text))
    return loaded


def test_the_committed_parts_are_up_to_date() -> None:
    assert template_parts.stale_files() == [], "run `make template-parts`"


def test_a_new_function_is_one_entry_and_the_script_derives_the_rest(checkout: Path) -> None:
    _add_functions(checkout)
    assert template_parts.stale_files(checkout) == [
        "functions/export_model/requirements.txt",
        "functions/get_export/requirements.txt",
        "template-baseline.yaml",
        "template.yaml",
    ]

    assert template_parts.main([], out=lambda line: None, root=checkout) == 0

    assert template_parts.stale_files(checkout) == []
    written = parse_template((checkout / "template.yaml").read_text(encoding="utf-8"))
    resources = written["Resources"]
    for stem in ("ExportModel", "GetExport"):
        function = resources[f"{stem}Function"]["Properties"]
        assert function["LoggingConfig"] == {"LogGroup": {"Ref": f"{stem}LogGroup"}}
        assert resources[f"{stem}LogGroup"]["Type"] == "AWS::Logs::LogGroup"
        for metric in ("Errors", "Throttles"):
            alarm = resources[f"{stem}{metric}Alarm"]["Properties"]
            assert alarm["MetricName"] == metric
            assert alarm["Dimensions"] == [
                {"Name": "FunctionName", "Value": {"Ref": f"{stem}Function"}}
            ]
        requirements = checkout / function["CodeUri"] / "requirements.txt"
        assert requirements.read_text(encoding="utf-8") == REQUIREMENTS_TEXT
    widgets = _dashboard(written)["widgets"]
    titles_showing = {
        widget["properties"]["title"]
        for widget in widgets
        if widget["type"] == "metric"
        and any("GetExportFunction" in row for row in widget["properties"]["metrics"])
    }
    assert titles_showing == {"API functions: Lambda errors", "API functions: Lambda throttles"}
    shown_alarms = {a for w in widgets if w["type"] == "alarm" for a in w["properties"]["alarms"]}
    assert {"ExportModelErrorsAlarm.Arn", "GetExportThrottlesAlarm.Arn"} <= shown_alarms
    baseline = yaml.safe_load((checkout / "template-baseline.yaml").read_text(encoding="utf-8"))
    uncapped = baseline["checkov"]["CKV_AWS_115"]["resources"]
    # A background function may run without reserved concurrency; an API function may not.
    assert "ExportModelFunction" in uncapped
    assert "GetExportFunction" not in uncapped


def test_a_hand_edit_of_a_generated_part_is_stale(checkout: Path) -> None:
    path = checkout / "template.yaml"
    text = path.read_text(encoding="utf-8")
    described = "AlarmDescription: ScoreFunction failed (Lambda Errors)."
    edited = text.replace(described, "AlarmDescription: Scoring failed.")
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    lines: list[str] = []
    assert template_parts.main(["--check"], out=lines.append, root=checkout) == 1
    assert lines == ["stale: template.yaml; run `make template-parts`"]


def test_a_missing_requirements_file_is_stale(checkout: Path) -> None:
    (checkout / "functions/score/requirements.txt").unlink()
    assert template_parts.stale_files(checkout) == ["functions/score/requirements.txt"]


def test_a_function_logging_elsewhere_is_refused(checkout: Path) -> None:
    path = checkout / "template.yaml"
    text = path.read_text(encoding="utf-8")
    edited = text.replace("LogGroup: !Ref ScoreLogGroup", "LogGroup: !Ref ApiAccessLogGroup")
    path.write_text(edited, encoding="utf-8")
    lines: list[str] = []
    assert template_parts.main(["--check"], out=lines.append, root=checkout) == 1
    assert "ScoreFunction: LoggingConfig must be" in lines[0]


def test_a_template_without_a_region_is_refused(checkout: Path) -> None:
    path = checkout / "template.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("# <<< generated: log groups\n", ""), encoding="utf-8")
    with pytest.raises(TemplateError, match="exactly one region"):
        template_parts.stale_files(checkout)


def test_more_alarms_than_one_widget_holds_get_another_widget() -> None:
    widgets = template_parts.alarm_widgets([f"Alarm{n}" for n in range(150)])
    loaded = [json.loads(SUB_VARIABLE.sub(lambda m: m[1], widget)) for widget in widgets]
    assert [len(w["properties"]["alarms"]) for w in loaded] == [100, 50]
    assert loaded[0]["properties"]["alarms"][0] == "Alarm0.Arn"
    assert loaded[1]["properties"]["alarms"][-1] == "Alarm149.Arn"
    assert loaded[0]["y"] != loaded[1]["y"]


def test_parts_written_out_by_hand_give_way_to_the_generated_ones(checkout: Path) -> None:
    """A branch from before the generator (or merged with one) writes a function's log group
    and alarms out; YAML would silently keep only one of two, so the script removes them."""
    path = checkout / "template.yaml"
    text = path.read_text(encoding="utf-8")
    written = (
        "  ScoreLogGroup:\n    Type: AWS::Logs::LogGroup\n    Properties:\n"
        "      RetentionInDays: 7\n\n"
        "  ScoreErrorsAlarm:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n"
        "      Namespace: AWS/Lambda\n      MetricName: Errors\n\n"
    )
    path.write_text(text.replace(LOG_GROUPS_MARKER, written + LOG_GROUPS_MARKER), "utf-8")
    assert template_parts.stale_files(checkout) == ["template.yaml"]

    template_parts.write(checkout)

    assert path.read_text(encoding="utf-8") == text
