"""``u22a8 versions list|get``, ``u22a8 tags set|delete`` and ``u22a8 score``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from u22a8.client.cli import output
from u22a8.client.cli.common import OK, command, listing, take
from u22a8.client.client import Client

VERSION_COLUMNS = ("version", "version_id", "tags", "run_id", "created_at")


def list_versions(args: argparse.Namespace, client: Client) -> int:
    versions = take(lambda size: client.versions.list(args.handle, limit=size), args)
    output.show_items(versions, VERSION_COLUMNS, args.json)
    return OK


def get(args: argparse.Namespace, client: Client) -> int:
    output.show(client.versions.get(args.handle, args.version), args.json)
    return OK


def set_tag(args: argparse.Namespace, client: Client) -> int:
    output.show(client.tags.set(args.handle, args.tag, args.version), args.json)
    return OK


def delete_tag(args: argparse.Namespace, client: Client) -> int:
    model = client.tags.delete(args.handle, args.tag)
    output.show(model.value, args.json, model.etag)
    return OK


def score(args: argparse.Namespace, client: Client) -> int:
    texts = list(args.texts)
    if args.file is not None:
        source = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")  # noqa: SIM115
        with source:
            texts.extend(line.rstrip("\n") for line in source if line.strip())
    if not texts:
        raise ValueError("give texts as arguments or with --file (one a line, - for stdin)")
    scored = client.score(args.handle, texts, version=args.version, tag=args.tag)
    if args.json:
        output.show(scored, as_json=True)
        return OK
    print(f"version {scored['version']} ({scored['version_id']})")
    for text, result in zip(texts, scored["results"], strict=True):
        scores = "  ".join(f"{name} {value:.3f}" for name, value in result.items())
        print(f"{scores}  {text[:60]}")
    return OK


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    versions = groups.add_parser("versions", help="a model's published versions")
    actions = versions.add_subparsers(dest="action", required=True)
    parser = command(actions, "list", list_versions, "versions, newest first", common)
    parser.add_argument("handle")
    listing(parser)
    parser = command(actions, "get", get, "one version: params, metrics, tags", common)
    parser.add_argument("handle")
    parser.add_argument("version", type=int)

    tags = groups.add_parser("tags", help="name versions (a tag names at most one)")
    actions = tags.add_subparsers(dest="action", required=True)
    parser = command(actions, "set", set_tag, "point TAG at VERSION", common)
    parser.add_argument("handle")
    parser.add_argument("tag")
    parser.add_argument("version", type=int)
    parser = command(actions, "delete", delete_tag, "remove TAG", common)
    parser.add_argument("handle")
    parser.add_argument("tag")

    parser = command(groups, "score", score, "score texts (1 to 100) with a model", common)
    parser.add_argument("handle")
    parser.add_argument("texts", nargs="*", metavar="TEXT")
    parser.add_argument("--file", metavar="FILE", help="one text a line; - reads stdin")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--version", type=int, help="score with this version, not the active")
    which.add_argument("--tag", help="score with the version this tag names")
