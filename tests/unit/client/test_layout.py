"""The client is installed with the project but never shipped to Lambda: no deployed folder
(the layer's ContentUri, any function's CodeUri) holds it, and no deployed code imports it except
the CLI, lazily."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

import u22a8
import u22a8.client
from local.template import ROOT, load_template

CLIENT_DIR = ROOT / "client" / "u22a8" / "client"


def _deployed_folders() -> list[Path]:
    template = load_template()
    folders = []
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            folders.append(ROOT / properties["ContentUri"])
        elif resource["Type"] == "AWS::Serverless::Function" and "CodeUri" in properties:
            folders.append(ROOT / properties["CodeUri"])
    return folders


def test_the_client_comes_from_its_own_folder() -> None:
    assert Path(u22a8.client.__file__).parent == CLIENT_DIR
    assert Path(u22a8.__file__).parent == ROOT / "shared" / "u22a8"


def test_no_deployed_folder_holds_the_client() -> None:
    folders = _deployed_folders()
    assert ROOT / "shared" in [f.resolve() for f in folders]  # the layer is among them
    for folder in folders:
        assert not list(folder.resolve().rglob("client/__init__.py")), folder
        assert not CLIENT_DIR.is_relative_to(folder.resolve()), folder


def _client_imports(tree: ast.Module) -> list[tuple[ast.AST, bool]]:
    """Each import of ``u22a8.client`` in ``tree`` and whether it sits inside a function."""
    found: list[tuple[ast.AST, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.module:
                names = [child.module + "." + alias.name for alias in child.names]
            if any(n == "u22a8.client" or n.startswith("u22a8.client.") for n in names):
                found.append((child, nested))
            visit(child, nested)

    visit(tree, False)
    return found


def test_deployed_code_imports_the_client_only_lazily_in_the_cli() -> None:
    for folder in _deployed_folders():
        for source in folder.resolve().rglob("*.py"):
            imports = _client_imports(ast.parse(source.read_text(encoding="utf-8")))
            if source == ROOT / "shared" / "u22a8" / "cli.py":
                assert imports
                assert all(nested for _, nested in imports), "the CLI imports the client lazily"
            else:
                assert imports == [], source


@pytest.mark.skipif(
    not (ROOT / ".aws-sam" / "build" / "SharedLayer").is_dir() and not os.environ.get("CI"),
    reason="no `sam build` output (make test builds before it tests; CI never skips this)",
)
def test_the_built_layer_has_no_client() -> None:
    layer = ROOT / ".aws-sam" / "build" / "SharedLayer"
    assert list(layer.rglob("u22a8/api/__init__.py"))
    assert not list(layer.rglob("u22a8/client")), "sam build put the client into the layer"
