"""``u22a8 train HANDLE [--wait]`` and ``u22a8 runs list|get|cancel|wait``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from u22a8.client.cli import output
from u22a8.client.cli.common import FAILED, OK, TIMED_OUT, command, listing, take
from u22a8.client.cli.progress import ProgressBar
from u22a8.client.client import Client
from u22a8.client.errors import WaitTimeout
from u22a8.client.types import Run
from u22a8.effort import DEFAULT_EFFORT, EFFORTS

RUN_COLUMNS = ("run_id", "kind", "status", "effort", "progress", "version", "started_at")


def _wait(args: argparse.Namespace, client: Client, handle: str, run_id: str) -> int:
    """Wait with a progress bar on stderr; 0 when the run succeeded, 1 when it failed or was
    cancelled (its error on stderr), 3 when ``--timeout`` passed first."""
    bar = ProgressBar(sys.stderr)
    try:
        run = client.wait_for_run(
            handle,
            run_id,
            on_progress=bar,
            timeout=args.timeout,
            poll_interval=args.poll_interval,
            raise_on_failure=False,
        )
    except WaitTimeout as timeout:
        bar.close()
        output.fail(f"{timeout}; it goes on: `u22a8 runs wait {handle} {run_id}` follows it")
        return TIMED_OUT
    finally:
        bar.close()
    return _outcome(args, run)


def _outcome(args: argparse.Namespace, run: Run) -> int:
    if args.json:
        output.show(run, as_json=True)
    if run["status"] == "succeeded":
        if not args.json:
            print(f"run {run['run_id']} succeeded: version {run.get('version')}")
        return OK
    if run["status"] == "failed":
        error = run.get("error") or {"code": "unknown", "message": "no error recorded"}
        output.fail(f"run {run['run_id']} failed: {error['code']}: {error['message']}")
    else:
        output.fail(f"run {run['run_id']} was {run['status']}")
    return FAILED


def train(args: argparse.Namespace, client: Client) -> int:
    started = client.train(
        args.handle,
        effort=args.effort,
        reoptimize_params=True if args.reoptimize_params else None,
        if_match=args.if_match,
        idempotency_key=args.idempotency_key,
    )
    run_id = started["run_id"]
    if run_id is None:
        if args.json:
            output.show(started, as_json=True)
        else:
            print(
                f"{args.handle} is ready and nothing was queued: new samples retrain it "
                "automatically; --reoptimize-params starts a fresh search"
            )
        return OK
    if not args.wait:
        if args.json:
            output.show(started, as_json=True)
        else:
            print(f"started {run_id}; follow it with `u22a8 runs wait {args.handle} {run_id}`")
        return OK
    if not args.json:
        print(f"started {run_id}", file=sys.stderr)
    return _wait(args, client, args.handle, run_id)


def list_runs(args: argparse.Namespace, client: Client) -> int:
    runs = take(lambda size: client.runs.list(args.handle, limit=size), args)
    output.show_items(runs, RUN_COLUMNS, args.json)
    return OK


def get(args: argparse.Namespace, client: Client) -> int:
    output.show(client.runs.get(args.handle, args.run_id), args.json)
    return OK


def cancel(args: argparse.Namespace, client: Client) -> int:
    output.show(client.runs.cancel(args.handle, args.run_id), args.json)
    return OK


def wait(args: argparse.Namespace, client: Client) -> int:
    return _wait(args, client, args.handle, args.run_id)


def _wait_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="stop waiting after")
    parser.add_argument(
        "--poll-interval", type=float, default=0.5, metavar="SECONDS", help="(default 0.5)"
    )


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    parser = command(
        groups,
        "train",
        train,
        "start training; --wait follows the run with a progress bar and exits 1 if it fails",
        common,
    )
    parser.add_argument("handle")
    parser.add_argument(
        "--effort", choices=EFFORTS, help=f"search breadth (default {DEFAULT_EFFORT})"
    )
    parser.add_argument(
        "--reoptimize-params", action="store_true", help="a fresh search on a ready model"
    )
    parser.add_argument("--if-match", metavar="ETAG")
    parser.add_argument("--idempotency-key")
    parser.add_argument("--wait", action="store_true", help="wait for the run to end")
    _wait_options(parser)

    runs = groups.add_parser("runs", help="list, show, cancel and wait for training runs")
    actions = runs.add_subparsers(dest="action", required=True)
    parser = command(actions, "list", list_runs, "the model's runs, newest first", common)
    parser.add_argument("handle")
    listing(parser)
    for name, handler, text in (
        ("get", get, "show a run"),
        ("cancel", cancel, "stop a running run"),
        ("wait", wait, "wait for a run with a progress bar; exits 1 if it fails"),
    ):
        parser = command(actions, name, handler, text, common)
        parser.add_argument("handle")
        parser.add_argument("run_id")
        if name == "wait":
            _wait_options(parser)
