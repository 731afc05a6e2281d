"""What every HTTP command shares: its options, the client made from them, and the one place
that turns errors into messages and exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from itertools import islice
from typing import Any

from u22a8.client.cli import output
from u22a8.client.client import API_KEY_VARIABLE, API_URL_VARIABLE, Client
from u22a8.client.errors import ApiError, U22a8Error
from u22a8.client.jsonl import JsonlError
from u22a8.client.pages import Pager

OK, FAILED, USAGE, TIMED_OUT, INTERRUPTED = 0, 1, 2, 3, 130

Handler = Callable[[argparse.Namespace, Client], int]


def options() -> argparse.ArgumentParser:
    """The options every API command takes (a parent parser)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--api-url",
        default=os.environ.get(API_URL_VARIABLE),
        help=f"the API's base URL (default: ${API_URL_VARIABLE})",
    )
    common.add_argument(
        "--json", action="store_true", help="print JSON (lists: one object a line) for scripts"
    )
    return common


def listing(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=20, help="print at most this many (20)")
    parser.add_argument("--all", action="store_true", help="print every one, page after page")


def take[T](pager_of: Callable[[int], Pager[T]], args: argparse.Namespace) -> list[T]:
    """The first ``--limit`` items (or all with ``--all``), in pages of up to 100."""
    if args.all:
        return list(pager_of(100))
    return list(islice(pager_of(min(max(args.limit, 1), 100)), max(args.limit, 0)))


def run(handler: Handler, args: argparse.Namespace) -> int:
    """Run one command: a client from the options and ``U22A8_API_KEY``, errors to stderr."""
    api_key = os.environ.get(API_KEY_VARIABLE)
    if not args.api_url or not api_key:
        output.fail(f"set {API_URL_VARIABLE} (or --api-url) and {API_KEY_VARIABLE}")
        return USAGE
    try:
        with Client(args.api_url, api_key) as client:
            return handler(args, client)
    except BrokenPipeError:  # `u22a8 ... | head`: the reader is gone, so stop quietly
        _silence_stdout()
        return FAILED
    except ApiError as error:
        output.problem(error)
        return FAILED
    except (U22a8Error, JsonlError, OSError, ValueError) as error:
        output.fail(str(error))
        return FAILED
    except KeyboardInterrupt:
        output.fail("interrupted")
        return INTERRUPTED


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # not a real file descriptor (an embedding, a test): nothing left to flush into


def command(
    actions: Any, name: str, handler: Handler, help_text: str, common: argparse.ArgumentParser
) -> argparse.ArgumentParser:
    """A subcommand that runs ``handler``."""
    parser: argparse.ArgumentParser = actions.add_parser(
        name, help=help_text, description=help_text, parents=[common]
    )
    parser.set_defaults(handler=handler)
    return parser
