"""Every Lambda function of ``template.yaml`` has its own Errors and Throttles alarm, wired to the
alarm topic, and the operations dashboard shows both signals for each function."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from local.template import resources

ALARM_TOPIC_ACTIONS = {
    "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
}
SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


def _functions() -> list[str]:
    functions = sorted(resources("AWS::Serverless::Function"))
    assert functions
    return functions


def _function_alarms(metric: str) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """AWS/Lambda ``metric`` alarms by the logical id of the function their dimension names."""
    by_function: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for logical_id, alarm in resources("AWS::CloudWatch::Alarm").items():
        props = alarm["Properties"]
        if (props["Namespace"], props["MetricName"]) != ("AWS/Lambda", metric):
            continue
        dimensions = props.get("Dimensions", [])
        assert len(dimensions) == 1, logical_id  # one function, never the whole account
        (dimension,) = dimensions
        assert dimension["Name"] == "FunctionName", logical_id
        by_function.setdefault(dimension["Value"]["Ref"], []).append((logical_id, props))
    return by_function


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_its_own_alarm_notifying_the_topic(metric: str) -> None:
    alarms = _function_alarms(metric)
    missing = [function for function in _functions() if function not in alarms]
    assert not missing, f"functions without a Lambda {metric} alarm: {missing}"
    assert set(alarms) <= set(_functions()), "an alarm on a function the template does not have"
    for function in _functions():
        ((logical_id, props),) = alarms[function]
        assert logical_id == f"{function.removesuffix('Function')}{metric}Alarm"
        # One failure or throttle in 5 minutes is worth a look; no data is no failure.
        assert props["Statistic"] == "Sum", logical_id
        assert props["Period"] * props["EvaluationPeriods"] <= 300, logical_id
        assert props["Threshold"] == 1, logical_id
        assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold", logical_id
        assert props["TreatMissingData"] == "notBreaching", logical_id
        assert props.get("AlarmActions") == ALARM_TOPIC_ACTIONS, logical_id
        assert props.get("OKActions") == ALARM_TOPIC_ACTIONS, logical_id


def _dashboard() -> dict[str, Any]:
    (dashboard,) = resources("AWS::CloudWatch::Dashboard").values()
    # Fn::Join of Fn::Sub halves: the hand-written widgets, then the generated ones.
    separator, halves = dashboard["Properties"]["DashboardBody"]["Fn::Join"]
    body = separator.join(half["Fn::Sub"] for half in halves)
    assert isinstance(body, str)
    # ${Logical} and ${Logical.Attribute} become the bare names: the body must still be JSON.
    loaded: dict[str, Any] = json.loads(SUB_VARIABLE.sub(lambda match: match[1], body))
    return loaded


def _metrics(widget: dict[str, Any]) -> set[tuple[str, ...]]:
    """The widget's metrics as (namespace, name, dimension name, value, ...), "." expanded."""
    expanded: set[tuple[str, ...]] = set()
    previous: list[str] = []
    for row in widget["properties"].get("metrics", []):
        fields = [field for field in row if isinstance(field, str)]
        if fields[:1] == ["..."]:
            continue  # the same metric again with other options (a second statistic)
        fields = [previous[i] if field == "." else field for i, field in enumerate(fields)]
        expanded.add(tuple(fields))
        previous = fields
    return expanded


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_the_dashboard_shows_the_metric_per_function(metric: str) -> None:
    shown = set().union(*(_metrics(widget) for widget in _dashboard()["widgets"]))
    missing = [
        function
        for function in _functions()
        if ("AWS/Lambda", metric, "FunctionName", function) not in shown
    ]
    assert not missing, f"functions whose Lambda {metric} the dashboard does not show: {missing}"


def test_the_dashboard_shows_the_state_of_every_alarm() -> None:
    widgets = [w for w in _dashboard()["widgets"] if w["type"] == "alarm"]
    assert widgets
    # CloudWatch's limit for one alarm widget
    assert all(len(w["properties"]["alarms"]) <= 100 for w in widgets)
    shown = [alarm for widget in widgets for alarm in widget["properties"]["alarms"]]
    expected = {f"{alarm}.Arn" for alarm in resources("AWS::CloudWatch::Alarm")}
    assert len(shown) == len(set(shown)), "an alarm listed twice"
    assert set(shown) == expected, f"missing or unknown: {sorted(set(shown) ^ expected)}"
