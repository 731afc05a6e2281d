"""``u22a8 webhooks create|list|get|patch|delete|rotate-secret|ping|deliveries``."""

from __future__ import annotations

import argparse
from typing import Any

from u22a8.client.cli import output
from u22a8.client.cli.common import OK, command, listing, take
from u22a8.client.client import Client
from u22a8.client.types import WebhookPatch

WEBHOOK_COLUMNS = ("id", "url", "events", "enabled", "created_at")
DELIVERY_COLUMNS = ("at", "type", "event_id", "attempt", "status_code", "error")
EVENTS = ("run.succeeded", "run.failed", "run.cancelled", "model.state_changed", "*")


def create(args: argparse.Namespace, client: Client) -> int:
    created = client.webhooks.create(args.url, args.events, description=args.description)
    output.show(created, args.json)
    if not args.json:
        print("Store the secret now: it is shown only this once.")
    return OK


def list_webhooks(args: argparse.Namespace, client: Client) -> int:
    webhooks = take(lambda size: client.webhooks.list(limit=size), args)
    output.show_items(webhooks, WEBHOOK_COLUMNS, args.json)
    return OK


def get(args: argparse.Namespace, client: Client) -> int:
    output.show(client.webhooks.get(args.webhook_id), args.json)
    return OK


def patch(args: argparse.Namespace, client: Client) -> int:
    changes: WebhookPatch = {}
    if args.url is not None:
        changes["url"] = args.url
    if args.events is not None:
        changes["events"] = args.events
    if args.clear_description:
        changes["description"] = None
    elif args.description is not None:
        changes["description"] = args.description
    if args.enabled is not None:
        changes["enabled"] = args.enabled
    output.show(client.webhooks.patch(args.webhook_id, changes), args.json)
    return OK


def delete(args: argparse.Namespace, client: Client) -> int:
    client.webhooks.delete(args.webhook_id)
    if not args.json:
        print(f"deleted {args.webhook_id}")
    return OK


def rotate_secret(args: argparse.Namespace, client: Client) -> int:
    output.show(client.webhooks.rotate_secret(args.webhook_id), args.json)
    if not args.json:
        print("Store the new secret now; the old one keeps signing beside it for 24 h.")
    return OK


def ping(args: argparse.Namespace, client: Client) -> int:
    answer = client.webhooks.ping(args.webhook_id)
    if args.json:
        output.show(answer or {}, as_json=True)
    else:
        print(f"ping sent to {args.webhook_id}; `u22a8 webhooks deliveries` shows how it went")
    return OK


def deliveries(args: argparse.Namespace, client: Client) -> int:
    attempts = take(lambda size: client.webhooks.deliveries(args.webhook_id, limit=size), args)
    output.show_items(attempts, DELIVERY_COLUMNS, args.json)
    return OK


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    webhooks = groups.add_parser("webhooks", help="signed event deliveries to your HTTPS URL")
    actions = webhooks.add_subparsers(dest="action", required=True)

    parser = command(actions, "create", create, "register a URL; prints its secret once", common)
    parser.add_argument("--url", required=True)
    parser.add_argument("--events", nargs="+", required=True, choices=EVENTS, metavar="EVENT")
    parser.add_argument("--description")

    parser = command(actions, "list", list_webhooks, "the namespace's webhooks", common)
    listing(parser)

    parser = command(actions, "patch", patch, "change url, events, description, enabled", common)
    parser.add_argument("webhook_id")
    parser.add_argument("--url")
    parser.add_argument("--events", nargs="+", choices=EVENTS, metavar="EVENT")
    text = parser.add_mutually_exclusive_group()
    text.add_argument("--description")
    text.add_argument("--clear-description", action="store_true")
    state = parser.add_mutually_exclusive_group()
    state.add_argument("--enable", dest="enabled", action="store_const", const=True)
    state.add_argument("--disable", dest="enabled", action="store_const", const=False)

    for name, handler, text_help in (
        ("get", get, "show a webhook (never its secret)"),
        ("delete", delete, "remove a webhook"),
        ("rotate-secret", rotate_secret, "a new secret, shown once"),
        ("ping", ping, "deliver a webhook.ping event now"),
        ("deliveries", deliveries, "recent delivery attempts, newest first"),
    ):
        parser = command(actions, name, handler, text_help, common)
        parser.add_argument("webhook_id")
        if name == "deliveries":
            listing(parser)
