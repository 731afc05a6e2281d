"""The API users' commands of ``u22a8`` (models, samples, train, runs, versions, tags, score,
webhooks), on ``u22a8.client`` over HTTP. ``u22a8.cli`` adds them beside the operator's ``keys``.
"""

from __future__ import annotations

import argparse
from typing import Any

from u22a8.client.cli import models_cmd, samples_cmd, training_cmd, versions_cmd, webhooks_cmd
from u22a8.client.cli.common import options, run

EPILOG = (
    "API commands read U22A8_API_URL and U22A8_API_KEY. Exit codes: 0 done, 1 an API error or a "
    "failed run, 2 usage, 3 --wait timed out."
)


def register(groups: Any) -> None:
    """Add the API commands to the ``u22a8`` parser's subcommands."""
    common = options()
    for module in (models_cmd, samples_cmd, training_cmd, versions_cmd, webhooks_cmd):
        module.register(groups, common)


def main(args: argparse.Namespace) -> int:
    """Run the command ``args`` was parsed for."""
    return run(args.handler, args)
