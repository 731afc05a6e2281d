"""``u22a8 samples add|list|delete``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from u22a8.client.cli import output
from u22a8.client.cli.common import OK, command, listing, take
from u22a8.client.client import Client
from u22a8.client.samples import MAX_SAMPLES_PER_CALL

SAMPLE_COLUMNS = ("sample_id", "scores", "created_at", "text")


def add(args: argparse.Namespace, client: Client) -> int:
    def report(batch: int, total: int) -> None:
        print(f"stored {total} samples", file=sys.stderr)

    ids = client.samples.upload_jsonl(
        args.handle,
        Path(args.file),
        batch_size=args.batch_size,
        on_batch=None if args.json else report,
        idempotency_prefix=args.idempotency_prefix,
    )
    if args.json:
        output.show({"sample_ids": ids}, as_json=True)
    else:
        print(f"added {len(ids)} samples to {args.handle}")
    return OK


def list_samples(args: argparse.Namespace, client: Client) -> int:
    samples = take(lambda size: client.samples.list(args.handle, limit=size), args)
    output.show_items(samples, SAMPLE_COLUMNS, args.json)
    return OK


def delete(args: argparse.Namespace, client: Client) -> int:
    client.samples.delete(args.handle, args.sample_id)
    if not args.json:
        print(f"deleted {args.sample_id}")
    return OK


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    samples = groups.add_parser("samples", help="add labelled samples from JSONL, list, delete")
    actions = samples.add_subparsers(dest="action", required=True)

    parser = command(
        actions,
        "add",
        add,
        'add the samples of a JSONL file (one {"text", "scores"} a line), in batches',
        common,
    )
    parser.add_argument("handle")
    parser.add_argument("file", metavar="FILE.jsonl")
    parser.add_argument(
        "--batch-size", type=int, default=MAX_SAMPLES_PER_CALL, help="samples a call (<= 500)"
    )
    parser.add_argument(
        "--idempotency-prefix",
        metavar="PREFIX",
        help="batch n is sent with key PREFIX-n: running the same add again stores nothing twice",
    )

    parser = command(actions, "list", list_samples, "list samples in the order added", common)
    parser.add_argument("handle")
    listing(parser)

    parser = command(actions, "delete", delete, "delete one sample", common)
    parser.add_argument("handle")
    parser.add_argument("sample_id")
