"""A small mutation tester for the core modules (``make mutation``; not part of ``make test``).

Why our own, not mutmut or cosmic-ray: the code under test is imported from ``shared/`` through
pytest's ``pythonpath`` and through in-process Lambda "containers" of the local gateway, and the
tests that matter run moto in-process; a runner that mutates a copy of the worktree and runs the
real pytest there needs no layout change and no import hooks. It is under 300 lines.

How: the worktree (without virtualenvs) is copied to a scratch directory once. pytest runs there
once with coverage contexts, which says which tests execute each line of the target modules. Then
every mutant (an AST change inside a function body: a comparison, boolean or arithmetic operator
flipped, a condition's operand dropped, ``not`` removed, a constant changed, a call statement
deleted) is written over its module in the copy, and only the tests that cover its line run
(``-x``: the first failure kills it). A mutant no test executes is reported as "not run".

    python tools/mutation.py shared/u22a8/domain/reconcile.py --tests tests/unit/test_reconcile.py
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
SKIPPED_DIRS = {".venv", ".venv-sam", ".aws-sam", ".git", ".mypy_cache", ".ruff_cache", "mutants"}
# Statements that only log or count: deleting them changes no behaviour a test could see.
_QUIET_CALLS = ("logger.", "metrics.")

_COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_BINARY_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Div: ast.Mult,
}


@dataclass(frozen=True)
class Mutant:
    module: str  # path relative to the worktree
    line: int
    description: str
    source: str  # the whole mutated module


def _function_bodies(tree: ast.Module) -> Iterator[ast.AST]:
    """Every node inside a function body (not its signature or annotations)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for statement in node.body:
                if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue  # walked as its own function
                yield from ast.walk(statement)


def _is_docstring(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def _variants(node: ast.AST) -> Iterator[tuple[str, ast.AST | None]]:
    """(description, replacement) for each mutation of ``node``; ``None`` deletes a statement."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            swap = _COMPARE_SWAPS.get(type(op))
            if swap is not None:
                mutated = copy.deepcopy(node)
                mutated.ops[i] = swap()
                yield f"{type(op).__name__} -> {swap.__name__}", mutated
    elif isinstance(node, ast.BoolOp):
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield (
            f"{type(node.op).__name__} -> {type(other).__name__}",
            ast.BoolOp(op=other, values=copy.deepcopy(node.values)),
        )
        for i in range(len(node.values)):
            rest = [copy.deepcopy(v) for j, v in enumerate(node.values) if j != i]
            replacement = rest[0] if len(rest) == 1 else ast.BoolOp(op=node.op, values=rest)
            yield f"drop operand {i + 1} of {type(node.op).__name__}", replacement
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "drop not", copy.deepcopy(node.operand)
    elif isinstance(node, ast.BinOp):
        swap_op = _BINARY_SWAPS.get(type(node.op))
        if swap_op is not None:
            mutated_op = copy.deepcopy(node)
            mutated_op.op = swap_op()
            yield f"{type(node.op).__name__} -> {swap_op.__name__}", mutated_op
    elif isinstance(node, ast.Constant) and not isinstance(node.value, str):
        if isinstance(node.value, bool):
            yield f"{node.value} -> {not node.value}", ast.Constant(not node.value)
        elif isinstance(node.value, int):
            yield f"{node.value} -> {node.value + 1}", ast.Constant(node.value + 1)
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        call = ast.unparse(node.value.func)
        if not call.startswith(_QUIET_CALLS):
            yield f"delete call {call}()", None


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, replacement: ast.AST | None) -> None:
        self.target = target
        self.replacement = replacement

    def visit(self, node: ast.AST) -> ast.AST | None:
        if node is self.target:
            if self.replacement is None:
                return ast.Pass()
            return ast.copy_location(self.replacement, node)
        visited: ast.AST | None = super().visit(node)
        return visited


def mutants(module: str) -> list[Mutant]:
    """Every mutant of ``module`` (a path relative to the worktree)."""
    source = (ROOT / module).read_text(encoding="utf-8")
    found: list[Mutant] = []
    for index, node in enumerate(_function_bodies(ast.parse(source))):
        if _is_docstring(node):
            continue
        for variant, (description, _) in enumerate(_variants(node)):
            # A fresh tree per mutant: the replacement is found by its position in the walk.
            tree = ast.parse(source)
            target = list(_function_bodies(tree))[index]
            replacement = list(_variants(target))[variant][1]
            mutated = _Replace(target, replacement).visit(tree)
            assert mutated is not None
            found.append(
                Mutant(module, getattr(node, "lineno", 0), description, ast.unparse(mutated))
            )
    return found


# --- running -------------------------------------------------------------------------------------


def _scratch_copy() -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="u22a8-mutation-"))
    for entry in ROOT.iterdir():
        if entry.name in SKIPPED_DIRS:
            continue
        target = scratch / entry.name
        if entry.is_dir():
            shutil.copytree(entry, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(entry, target)
    return scratch


def _pytest(scratch: Path, args: Sequence[str], timeout_s: float) -> int | None:
    """pytest's exit code in the scratch copy; ``None`` on timeout."""
    command = [str(PYTHON), "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-W", "ignore"]
    try:
        done = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
            [*command, *args],
            cwd=scratch,
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    return done.returncode


def coverage_map(
    scratch: Path, modules: Sequence[str], tests: Sequence[str]
) -> dict[str, dict[int, set[str]]]:
    """For each module, which test node ids execute each of its lines."""
    data = scratch / ".coverage.mutation"
    args = [
        "--cov-context=test",
        f"--cov-report=json:{scratch / 'coverage.json'}",
        *[f"--cov={scratch / Path(m).parent}" for m in modules],
        *tests,
    ]
    command = [str(PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore", *args]
    subprocess.run(command, cwd=scratch, capture_output=True, check=False, env=_env(data))  # noqa: S603
    subprocess.run(  # noqa: S603
        [str(PYTHON), "-m", "coverage", "json", "--show-contexts", "-o", "coverage.json"],
        cwd=scratch,
        capture_output=True,
        check=False,
        env=_env(data),
    )
    report = json.loads((scratch / "coverage.json").read_text(encoding="utf-8"))
    result: dict[str, dict[int, set[str]]] = {}
    for module in modules:
        entry = report["files"].get(str(scratch / module)) or report["files"].get(module) or {}
        contexts = entry.get("contexts", {})
        result[module] = {
            int(line): {c.split("|", 1)[0] for c in names if c} for line, names in contexts.items()
        }
    return result


def _env(data: Path) -> dict[str, str]:
    return {**os.environ, "COVERAGE_FILE": str(data)}


def run(modules: Sequence[str], tests: Sequence[str], budget_s: float, timeout_s: float) -> int:
    scratch = _scratch_copy()
    started = time.monotonic()
    try:
        covered = coverage_map(scratch, modules, tests)
        results: dict[str, list[Mutant]] = {
            "killed": [],
            "survived": [],
            "not run": [],
            "skipped": [],
        }
        for mutant in (m for module in modules for m in mutants(module)):
            if time.monotonic() - started > budget_s:
                results["skipped"].append(mutant)
                continue
            # Unit tests first: with -x the first failure kills, and they fail fastest.
            selected = sorted(
                covered[mutant.module].get(mutant.line, set()),
                key=lambda test: (not test.startswith("tests/unit/"), test),
            )
            if not selected:
                results["not run"].append(mutant)
                continue
            path = scratch / mutant.module
            original = path.read_text(encoding="utf-8")
            path.write_text(mutant.source, encoding="utf-8")
            try:
                code = _pytest(scratch, ["--no-cov", *selected], timeout_s)
            finally:
                path.write_text(original, encoding="utf-8")
            outcome = "survived" if code == 0 else "killed"
            results[outcome].append(mutant)
            print(f"{outcome:8} {mutant.module}:{mutant.line} {mutant.description}", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return _report(results)


def _report(results: dict[str, list[Mutant]]) -> int:
    tried = len(results["killed"]) + len(results["survived"]) + len(results["not run"])
    print(
        f"\n{tried} mutants: {len(results['killed'])} killed, {len(results['survived'])} "
        f"survived, {len(results['not run'])} never run by any test"
        + (f"; {len(results['skipped'])} not tried (time budget)" if results["skipped"] else "")
    )
    for outcome in ("survived", "not run"):
        for mutant in results[outcome]:
            print(f"  {outcome}: {mutant.module}:{mutant.line} {mutant.description}")
    return 1 if results["survived"] or results["not run"] else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="+", help="modules to mutate, relative to the worktree")
    parser.add_argument("--tests", nargs="+", required=True, help="test files or directories")
    parser.add_argument("--budget-minutes", type=float, default=60.0)
    parser.add_argument("--timeout-seconds", type=float, default=300.0, help="per mutant")
    args = parser.parse_args(argv)
    return run(args.modules, args.tests, args.budget_minutes * 60, args.timeout_seconds)


if __name__ == "__main__":
    sys.exit(main())
