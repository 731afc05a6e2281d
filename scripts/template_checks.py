"""``make template-check``: cfn-lint with the serverless rules, and checkov, on ``template.yaml``.

Every finding must be accepted in ``template-baseline.yaml`` (rule, resources, a one-line reason);
anything else fails, and so does an accepted finding that no longer occurs, so the baseline says
exactly what is accepted today. Run by ``make template-check``, which passes the tools' paths.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
BASELINE = ROOT / "template-baseline.yaml"
EVERY_RESOURCE = "*"


@dataclass(frozen=True, order=True)
class Finding:
    tool: str
    rule: str
    resource: str
    message: str = ""


def cfn_lint_findings(report: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """From ``cfn-lint --format json``: each match's rule and the resource it is in."""
    found = []
    for match in report:
        path = match.get("Location", {}).get("Path") or []
        resource = str(path[1]) if len(path) > 1 and path[0] == "Resources" else "(template)"
        found.append(Finding("cfn-lint", match["Rule"]["Id"], resource, match.get("Message", "")))
    return found


def checkov_findings(report: Any) -> list[Finding]:
    """From ``checkov -o json``: each failed check and its resource's logical id."""
    reports = report if isinstance(report, list) else [report]
    found = []
    for one in reports:
        for check in one.get("results", {}).get("failed_checks", []):
            resource = str(check["resource"]).rsplit(".", 1)[-1]
            found.append(Finding("checkov", check["check_id"], resource, check["check_name"]))
    return found


@dataclass(frozen=True)
class Verdict:
    unaccepted: list[Finding]
    stale: list[str]
    unexplained: list[str]

    @property
    def ok(self) -> bool:
        return not (self.unaccepted or self.stale or self.unexplained)


def judge(findings: Iterable[Finding], baseline: Mapping[str, Any]) -> Verdict:
    """Findings not in the baseline, baseline entries that matched nothing, and entries without
    a one-line reason."""
    findings = sorted(set(findings))
    unexplained, stale = [], []
    used: set[tuple[str, str, str]] = set()
    for tool, rules in baseline.items():
        for rule, entry in (rules or {}).items():
            reason = str((entry or {}).get("reason") or "").strip()
            if not reason or "\n" in reason:
                unexplained.append(f"{tool} {rule}: needs a one-line reason")
    unaccepted = []
    for finding in findings:
        entry = (baseline.get(finding.tool) or {}).get(finding.rule)
        resources = (entry or {}).get("resources", [])
        if entry is not None and (resources == EVERY_RESOURCE or finding.resource in resources):
            used.add((finding.tool, finding.rule, finding.resource))
            continue
        unaccepted.append(finding)
    for tool, rules in baseline.items():
        for rule, entry in (rules or {}).items():
            resources = (entry or {}).get("resources", [])
            matched = {r for t, ru, r in used if (t, ru) == (tool, rule)}
            if resources == EVERY_RESOURCE:
                if not matched:
                    stale.append(f"{tool} {rule}: no longer found")
            else:
                stale += [
                    f"{tool} {rule} {r}: no longer found" for r in resources if r not in matched
                ]
    return Verdict(unaccepted, stale, unexplained)


def _run(command: list[str]) -> Any:
    # The tools' paths come from the Makefile; nothing here is user input.
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)  # noqa: S603
    try:
        return json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{command[0]} did not report JSON (exit {done.returncode})") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cfn-lint", required=True)
    parser.add_argument("--checkov", required=True)
    args = parser.parse_args(argv)
    template = str(TEMPLATE.relative_to(ROOT))
    lint = _run(
        [args.cfn_lint, template, "--append-rules", "cfn_lint_serverless.rules", "--format", "json"]
    )
    checkov = _run(
        [
            args.checkov,
            *("-f", template, "--framework", "cloudformation", "-o", "json"),
            *("--quiet", "--compact", "--skip-download"),
        ]
    )
    findings = cfn_lint_findings(lint) + checkov_findings(checkov)
    verdict = judge(findings, yaml.safe_load(BASELINE.read_text(encoding="utf-8")) or {})
    for finding in verdict.unaccepted:
        print(f"NEW  {finding.tool} {finding.rule} {finding.resource}: {finding.message}")
    for line in verdict.stale + verdict.unexplained:
        print(f"BASELINE  {line}")
    accepted = len(findings) - len(verdict.unaccepted)
    print(f"template checks: {accepted} accepted findings, {len(verdict.unaccepted)} new")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
