"""``u22a8 models create|get|list|patch|archive``."""

from __future__ import annotations

import argparse
from typing import Any

from u22a8.client.cli import output
from u22a8.client.cli.common import OK, command, listing, take
from u22a8.client.client import Client
from u22a8.client.types import AutoPrune, ModelPatch

MODEL_COLUMNS = ("handle", "state", "active_version", "criteria", "updated_at")
STATES = ("draft", "busy", "ready", "failed", "archived")


def _bool(text: str) -> bool:
    if text.lower() in ("true", "on", "yes", "1"):
        return True
    if text.lower() in ("false", "off", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, not {text!r}")


def _auto_prune(args: argparse.Namespace) -> AutoPrune | None:
    prune: AutoPrune = {}
    if args.keep_unnamed is not None:
        prune["keep_unnamed"] = args.keep_unnamed
    if args.keep_first_of_month is not None:
        prune["keep_first_of_month"] = args.keep_first_of_month
    return prune or None


def _prune_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--keep-unnamed", type=int, metavar="N", help="auto_prune.keep_unnamed")
    parser.add_argument(
        "--keep-first-of-month", type=_bool, metavar="BOOL", help="auto_prune.keep_first_of_month"
    )


def create(args: argparse.Namespace, client: Client) -> int:
    created = client.models.create(
        args.handle,
        args.criteria,
        description=args.description,
        objective=args.objective,
        task=args.task,
        zero_data_retention=True if args.zero_data_retention else None,
        auto_prune=_auto_prune(args),
        idempotency_key=args.idempotency_key,
    )
    output.show(created.value, args.json, created.etag)
    return OK


def get(args: argparse.Namespace, client: Client) -> int:
    found = client.models.get(args.handle)
    output.show(found.value, args.json, found.etag)
    return OK


def list_models(args: argparse.Namespace, client: Client) -> int:
    models = take(lambda size: client.models.list(state=args.state, limit=size), args)
    output.show_items(models, MODEL_COLUMNS, args.json)
    return OK


def patch(args: argparse.Namespace, client: Client) -> int:
    changes: ModelPatch = {}
    if args.clear_description:
        changes["description"] = None
    elif args.description is not None:
        changes["description"] = args.description
    if args.zero_data_retention is not None:
        changes["zero_data_retention"] = args.zero_data_retention
    if args.default_auto_prune:
        changes["auto_prune"] = None
    elif (prune := _auto_prune(args)) is not None:
        changes["auto_prune"] = prune
    changed = client.models.patch(args.handle, changes, if_match=args.if_match)
    output.show(changed.value, args.json, changed.etag)
    return OK


def archive(args: argparse.Namespace, client: Client) -> int:
    archived = client.models.archive(args.handle, if_match=args.if_match)
    output.show(archived.value, args.json, archived.etag)
    return OK


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    models = groups.add_parser("models", help="create, read, list, change and archive models")
    actions = models.add_subparsers(dest="action", required=True)

    parser = command(actions, "create", create, "create a draft model", common)
    parser.add_argument("handle", help="<namespace>.<name>, e.g. acme.support-tone")
    parser.add_argument("--criteria", nargs="+", required=True, metavar="CRITERION")
    parser.add_argument("--description")
    parser.add_argument("--objective")
    parser.add_argument("--task")
    parser.add_argument("--zero-data-retention", action="store_true")
    _prune_options(parser)
    parser.add_argument("--idempotency-key", help="reuse to make a repeated create a replay")

    parser = command(actions, "get", get, "show a model (and its ETag)", common)
    parser.add_argument("handle")

    parser = command(actions, "list", list_models, "list models, newest first", common)
    parser.add_argument("--state", choices=STATES, help="archived ones are listed only so")
    listing(parser)

    parser = command(actions, "patch", patch, "change description, retention or pruning", common)
    parser.add_argument("handle")
    text = parser.add_mutually_exclusive_group()
    text.add_argument("--description")
    text.add_argument("--clear-description", action="store_true")
    parser.add_argument("--zero-data-retention", type=_bool, metavar="BOOL")
    _prune_options(parser)
    parser.add_argument(
        "--default-auto-prune", action="store_true", help="drop the auto_prune override"
    )
    parser.add_argument("--if-match", metavar="ETAG", help="only if still this revision: '\"3\"'")

    parser = command(actions, "archive", archive, "archive a model (stops its run)", common)
    parser.add_argument("handle")
    parser.add_argument("--if-match", metavar="ETAG")
