"""``make template-parts``: the per-function parts of ``template.yaml``, derived from its functions.

A function is one ``AWS::Serverless::Function`` entry in ``template.yaml`` (plus its code under
``functions/``). Everything else each function needs is derived from that entry here and written
between ``# >>> generated: <part>`` and ``# <<< generated: <part>`` markers: its log group, its
Lambda Errors and Throttles alarms, its rows on the operations dashboard and the dashboard's alarm
list; the ``LoggingConfig`` that points the function at its log group; the background functions'
entry in ``template-baseline.yaml``; and the comment-only ``requirements.txt`` in its ``CodeUri``.
``--check`` fails when any of them differs from what this would write (``tests/unit/
test_template_parts.py`` runs it in ``make test``). Why a generator and not ``Fn::ForEach``:
docs/template.md.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script (make template-parts) or imported by the tests
    sys.path.insert(0, str(ROOT))

from local.template import parse_template  # noqa: E402 - after the path set-up above

TEMPLATE: Final = ROOT / "template.yaml"
BASELINE: Final = ROOT / "template-baseline.yaml"
REQUIREMENTS_TEXT: Final = (
    "# None: the function's dependencies come from the shared layer (shared/requirements.txt)."
    " This\n# file is here so that `sam build` copies the code without warning that it has no"
    " requirements.\n"
)
# CloudWatch shows at most 100 alarms in one alarm widget.
ALARMS_PER_WIDGET: Final = 100
_ALARM_TOPIC: Final = "!If [HasAlarmTopic, [!Ref AlarmTopicArn], !Ref AWS::NoValue]"
# What each alarm's description says happened, by Lambda metric.
_ALARM_METRICS: Final = {
    "Errors": "failed (Lambda Errors)",
    "Throttles": "was throttled (Lambda Throttles)",
}


@dataclass(frozen=True)
class Function:
    """One function of the template, as the derived parts need it."""

    logical_id: str
    code_uri: str
    api: bool  # serves the API (a route, or the API's authorizer)
    reserved_concurrency: bool

    @property
    def stem(self) -> str:
        """``CreateModel`` of ``CreateModelFunction``: the prefix of its parts' logical ids."""
        return self.logical_id.removesuffix("Function")

    @property
    def log_group(self) -> str:
        return f"{self.stem}LogGroup"

    def alarm(self, metric: str) -> str:
        return f"{self.stem}{metric}Alarm"


def functions_of(template: Mapping[str, Any]) -> list[Function]:
    """The template's functions in the order it declares them."""
    resources: Mapping[str, Any] = template["Resources"]
    authorizers = {
        spec["FunctionArn"]["Fn::GetAtt"][0]
        for resource in resources.values()
        if resource["Type"] == "AWS::Serverless::Api"
        for spec in resource["Properties"].get("Auth", {}).get("Authorizers", {}).values()
    }
    found = []
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        events = props.get("Events", {}).values()
        found.append(
            Function(
                logical_id=logical_id,
                code_uri=props["CodeUri"],
                api=logical_id in authorizers or any(e["Type"] == "Api" for e in events),
                reserved_concurrency="ReservedConcurrentExecutions" in props,
            )
        )
    return found


# -- the parts of template.yaml ------------------------------------------------------------------


def log_groups(functions: Sequence[Function]) -> str:
    return "\n".join(
        f"  {f.log_group}:\n"
        "    Type: AWS::Logs::LogGroup\n"
        "    Properties:\n"
        "      RetentionInDays: !Ref LogRetentionDays\n"
        for f in functions
    )


def alarms(functions: Sequence[Function]) -> str:
    blocks = []
    for function in functions:
        for metric, happened in _ALARM_METRICS.items():
            blocks.append(
                f"  {function.alarm(metric)}:\n"
                "    Type: AWS::CloudWatch::Alarm\n"
                "    Properties:\n"
                f"      AlarmDescription: {function.logical_id} {happened}.\n"
                "      Namespace: AWS/Lambda\n"
                f"      MetricName: {metric}\n"
                "      Dimensions:\n"
                "        - Name: FunctionName\n"
                f"          Value: !Ref {function.logical_id}\n"
                "      Statistic: Sum\n"
                "      Period: 300\n"
                "      EvaluationPeriods: 1\n"
                "      Threshold: 1\n"
                "      ComparisonOperator: GreaterThanOrEqualToThreshold\n"
                "      TreatMissingData: notBreaching\n"
                f"      AlarmActions: {_ALARM_TOPIC}\n"
                f"      OKActions: {_ALARM_TOPIC}\n"
            )
    return "\n".join(blocks)


# The body's second half is one block scalar: its first line sets the indentation of all.
_WIDGET: Final = " " * 12  # a widget's first line
_FIELDS: Final = " " * 14  # its properties
_ROWS: Final = " " * 16  # its metrics or alarms


def _metric_widget(
    title: str, metric: str, functions: Sequence[Function], x: int, y: int, height: int
) -> str:
    # The first row names the metric; the others repeat it with "." (as the console writes it).
    rows = [
        (f'["AWS/Lambda", "{metric}", "FunctionName", ' if index == 0 else '[".", ".", ".", ')
        + f'"${{{f.logical_id}}}", {{"label": "{f.stem}"}}]'
        for index, f in enumerate(functions)
    ]
    return (
        f'{_WIDGET}{{"type": "metric", "x": {x}, "y": {y}, "width": 12, "height": {height}, '
        '"properties": {\n'
        f'{_FIELDS}"title": "{title}", "region": "${{AWS::Region}}", "stat": "Sum", '
        '"period": 300,\n'
        f'{_FIELDS}"metrics": [\n' + ",\n".join(_ROWS + row for row in rows) + "]}}"
    )


def alarm_widgets(alarm_ids: Sequence[str]) -> list[str]:
    """The alarm widgets (in alarm first), at most :data:`ALARMS_PER_WIDGET` alarms each; the
    first where the dashboard always had it, the others below everything else."""
    widgets = []
    for index in range(0, len(alarm_ids), ALARMS_PER_WIDGET):
        chunk = alarm_ids[index : index + ALARMS_PER_WIDGET]
        y = 26 if index == 0 else 50 + 12 * (index // ALARMS_PER_WIDGET - 1)
        pairs = [
            ", ".join(f'"${{{alarm}.Arn}}"' for alarm in chunk[i : i + 2])
            for i in range(0, len(chunk), 2)
        ]
        widgets.append(
            f'{_WIDGET}{{"type": "alarm", "x": 0, "y": {y}, "width": 24, "height": 12, '
            '"properties": {\n'
            f'{_FIELDS}"title": "Alarms (in alarm first)", "sortBy": "stateUpdatedTimestamp",\n'
            f'{_FIELDS}"alarms": [\n' + ",\n".join(_ROWS + pair for pair in pairs) + "]}}"
        )
    return widgets


def dashboard(functions: Sequence[Function], alarm_ids: Sequence[str]) -> str:
    """The dashboard body's second half: per-function errors and throttles (API functions, then
    background ones) and the state of every alarm, closing the body's JSON."""
    api = [f for f in functions if f.api]
    background = [f for f in functions if not f.api]
    widgets = [
        _metric_widget("API functions: Lambda errors", "Errors", api, 0, 6, 8),
        _metric_widget("API functions: Lambda throttles", "Throttles", api, 12, 6, 8),
        _metric_widget("Background functions: Lambda errors", "Errors", background, 0, 38, 6),
        _metric_widget(
            "Background functions: Lambda throttles", "Throttles", background, 12, 38, 6
        ),
        *alarm_widgets(alarm_ids),
    ]
    return "          - !Sub |\n" + ",\n".join(widgets) + "\n" + " " * 12 + "]}\n"


# -- markers --------------------------------------------------------------------------------------

_REGION: Final = re.compile(
    r"(?P<open>^(?P<indent> *)# >>> generated: (?P<name>[a-z]+(?: [a-z]+)*) \([^\n]*\n)"
    r"(?P<body>.*?)"
    r"(?P<close>^(?P=indent)# <<< generated: (?P=name)\n)",
    re.MULTILINE | re.DOTALL,
)


class TemplateError(ValueError):
    """The template cannot be brought up to date by this script (a part it cannot write)."""


def replace_regions(text: str, bodies: Mapping[str, str]) -> str:
    """``text`` with the body of each ``# >>> generated: <name>`` region replaced."""
    seen: list[str] = []

    def body_of(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in bodies:
            raise TemplateError(f"unknown generated region {name!r}")
        seen.append(name)
        return match["open"] + bodies[name] + match["close"]

    replaced = _REGION.sub(body_of, text)
    missing = sorted(set(bodies) - set(seen))
    if missing or len(seen) != len(set(seen)):
        raise TemplateError(f"template.yaml needs exactly one region for each of {sorted(bodies)}")
    return replaced


def _with_logging_config(text: str, functions: Sequence[Function], template: Any) -> str:
    """Point each function without a ``LoggingConfig`` at its log group (after ``Handler:``)."""
    for function in functions:
        props = template["Resources"][function.logical_id]["Properties"]
        config = props.get("LoggingConfig")
        if config == {"LogGroup": {"Ref": function.log_group}}:
            continue
        if config is not None:
            raise TemplateError(
                f"{function.logical_id}: LoggingConfig must be exactly LogGroup: "
                f"!Ref {function.log_group} (the rest is in Globals)"
            )
        handler = re.compile(
            rf"(^  {function.logical_id}:\n(?:(?!  \S).*\n|\n)*?      Handler: .*\n)", re.MULTILINE
        )
        inserted = f"\\1      LoggingConfig:\n        LogGroup: !Ref {function.log_group}\n"
        text, count = handler.subn(inserted, text, count=1)
        if count != 1:
            raise TemplateError(f"{function.logical_id}: no Handler line for its LoggingConfig")
    return text


def _without_written_copies(text: str, generated: set[str]) -> str:
    """``text`` less any resource outside the regions that a region generates (as a branch
    written before the generator, or merged with one, adds them): YAML would keep one silently."""
    kept: list[str] = []
    lines = iter(text.splitlines(keepends=True))
    inside = False
    for line in lines:
        inside = (inside or "# >>> generated: " in line) and "# <<< generated: " not in line
        name = re.fullmatch(r"  (\w+):\n", line)
        if inside or name is None or name[1] not in generated:
            kept.append(line)
            continue
        for rest in lines:  # the resource runs to the first blank line, which goes too
            if not rest.strip():
                break
    return "".join(kept)


def render_template(text: str) -> tuple[str, list[Function]]:
    """``template.yaml``'s text with every derived part up to date, and its functions."""
    template = parse_template(text)
    functions = functions_of(template)
    generated = {f.log_group for f in functions}
    generated |= {f.alarm(metric) for f in functions for metric in _ALARM_METRICS}
    text = _without_written_copies(text, generated)
    text = _with_logging_config(text, functions, template)
    generated_alarms = [f.alarm(metric) for f in functions for metric in _ALARM_METRICS]
    written_alarms = [
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm" and logical_id not in generated_alarms
    ]
    bodies = {
        "log groups": log_groups(functions),
        "function alarms": alarms(functions),
        "function dashboard widgets": dashboard(functions, written_alarms + generated_alarms),
    }
    return replace_regions(text, bodies), functions


# -- the other files ------------------------------------------------------------------------------

_BACKGROUND_ENTRY: Final = re.compile(r"(^  CKV_AWS_115:\n    resources: )\[.*\]$", re.MULTILINE)


def render_baseline(text: str, functions: Sequence[Function]) -> str:
    """The baseline with CKV_AWS_115 (no reserved concurrency) accepted for exactly the
    background functions without it: an API function must keep its cap."""
    accepted = [f.logical_id for f in functions if not f.api and not f.reserved_concurrency]
    rendered, count = _BACKGROUND_ENTRY.subn(
        lambda match: match[1] + "[" + ", ".join(accepted) + "]", text
    )
    if count != 1:
        raise TemplateError("template-baseline.yaml has no one-line CKV_AWS_115 resources entry")
    return rendered


def wanted_files(root: Path = ROOT) -> dict[Path, str]:
    """Every derived file, with the text it should have."""
    template_text = (root / "template.yaml").read_text(encoding="utf-8")
    rendered, functions = render_template(template_text)
    baseline = (root / "template-baseline.yaml").read_text(encoding="utf-8")
    wanted = {
        root / "template.yaml": rendered,
        root / "template-baseline.yaml": render_baseline(baseline, functions),
    }
    for function in functions:
        wanted[root / function.code_uri / "requirements.txt"] = REQUIREMENTS_TEXT
    return wanted


def _stale(wanted: Mapping[Path, str]) -> dict[Path, str]:
    return {
        path: text
        for path, text in wanted.items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    }


def stale_files(root: Path = ROOT) -> list[str]:
    """The derived files that differ from what :func:`write` would write, relative to ``root``."""
    return sorted(str(path.relative_to(root)) for path in _stale(wanted_files(root)))


def write(root: Path = ROOT) -> list[str]:
    """Bring every derived file up to date; the ones changed, relative to ``root``."""
    stale = _stale(wanted_files(root))
    for path, text in stale.items():
        path.parent.mkdir(parents=True, exist_ok=True)  # a new function's code directory
        path.write_text(text, encoding="utf-8")
    return sorted(str(path.relative_to(root)) for path in stale)


def main(
    argv: Sequence[str] | None = None, out: Callable[[str], None] = print, root: Path = ROOT
) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a derived part is stale")
    args = parser.parse_args(argv)
    try:
        stale = stale_files(root) if args.check else write(root)
    except TemplateError as error:
        out(f"template parts: {error}")
        return 1
    if args.check and stale:
        out(f"stale: {', '.join(stale)}; run `make template-parts`")
        return 1
    out("template parts are up to date" if not stale else f"wrote {', '.join(stale)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
