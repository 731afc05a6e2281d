"""Operator command line: ``u22a8 keys create|revoke|list`` against AWS or the local stack.

The keys table comes from ``--keys-table`` or ``KEYS_TABLE``; the endpoint, as everywhere, from
the standard AWS variables (``AWS_ENDPOINT_URL`` for the local stack, see the README).

The API users' commands (``u22a8 models|samples|train|runs|...``) talk HTTP through
``u22a8.client``, which is installed with the project but not shipped in the Lambda layer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from u22a8.entities.api_key import ApiKeyRecord


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="u22a8", description=__doc__)
    groups = parser.add_subparsers(dest="group", required=True)
    keys = groups.add_parser("keys", help="issue, revoke and list API keys")
    keys.add_argument("--keys-table", default=os.environ.get("KEYS_TABLE"))
    actions = keys.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="issue a key; it is printed once, never stored")
    create.add_argument("--namespace", required=True)
    create.add_argument("--description")
    revoke = actions.add_parser("revoke", help="revoke a key by its id (key_...)")
    revoke.add_argument("key_id")
    listing = actions.add_parser("list", help="list keys (ids and namespaces, never the keys)")
    listing.add_argument("--namespace")
    listing.add_argument("--json", action="store_true", help="print JSON lines")
    _add_api_commands(parser, groups)
    return parser


def _add_api_commands(parser: argparse.ArgumentParser, groups: Any) -> None:
    try:
        from u22a8.client import cli as api_cli
    except ImportError:  # pragma: no cover - the Lambda layer has no client: keys only
        return
    api_cli.register(groups)
    parser.epilog = api_cli.EPILOG


def _describe(record: ApiKeyRecord) -> dict[str, str | None]:
    return {
        "key_id": record.key_id,
        "namespace": record.namespace,
        "created_at": record.created_at,
        "revoked_at": record.revoked_at,
        "description": record.description,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.group != "keys":
        from u22a8.client import cli as api_cli

        return api_cli.main(args)
    if not args.keys_table:
        print(
            "error: set --keys-table or KEYS_TABLE (the stack's KeysTableName output)",
            file=sys.stderr,
        )
        return 2
    os.environ["KEYS_TABLE"] = args.keys_table
    from u22a8.domain import keys_service
    from u22a8.entities.errors import InvalidInput

    if args.action == "create":
        try:
            issued = keys_service.issue_key(args.namespace, args.description)
        except InvalidInput as exc:
            print(f"error: {exc.detail}", file=sys.stderr)
            return 2
        print(f"key_id:    {issued.record.key_id}")
        print(f"namespace: {issued.record.namespace}")
        print(f"api key:   {issued.key}")
        print("Store the key now: it is shown only this once (only its hash is kept).")
        return 0
    if args.action == "revoke":
        record = keys_service.revoke_key(args.key_id)
        if record is None:
            print(f"error: no key with id {args.key_id}", file=sys.stderr)
            return 1
        print(f"revoked {record.key_id} ({record.namespace}) at {record.revoked_at}")
        return 0
    records = keys_service.list_keys(args.namespace)
    for record in records:
        if args.json:
            print(json.dumps(_describe(record)))
        else:
            status = f"revoked {record.revoked_at}" if record.revoked_at else "active"
            print(f"{record.key_id}  {record.namespace:<20} {record.created_at}  {status}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
