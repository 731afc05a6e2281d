"""``make help`` is how a newcomer finds the commands, so it must list every one of them."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from local.template import ROOT

MAKEFILE = ROOT / "Makefile"


def _phony_targets() -> set[str]:
    targets: set[str] = set()
    for line in MAKEFILE.read_text(encoding="utf-8").splitlines():
        if line.startswith(".PHONY:"):
            targets.update(line.removeprefix(".PHONY:").split())
    return targets


@pytest.mark.skipif(shutil.which("make") is None, reason="no make on PATH")
def test_make_help_lists_every_target() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    listed = set(re.findall(r"^  make (\S+)\s+\S", result.stdout, re.MULTILINE))
    targets = _phony_targets()
    assert {"help", "test", "unit", "integration", "e2e", "clean"} <= targets
    assert targets - listed == set(), result.stdout
