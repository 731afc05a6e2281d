"""``local.patches``: every patch of another package's internals is listed, guarded and pinned,
and applying one on a version it was not written for fails loudly, naming it, changing nothing.

The versions are simulated by replacing ``importlib.metadata.version`` (what the guard reads),
never by touching the installed packages.
"""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Callable, Iterator
from importlib import metadata
from typing import Any

import pytest
from moto.awslambda.models import LambdaBackend
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from packaging.requirements import Requirement

from local import lambda_bridge, patches, template
from local.patches import PATCHES, Patch, PatchVersionMismatch


def _applier(patch: Patch) -> Callable[..., Any]:
    module, function = patch.applied_by.split(":")
    applier: Callable[..., Any] = getattr(importlib.import_module(module), function)
    return applier


@pytest.fixture
def versions(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str | None]]:
    """Package → the version to pretend is installed (``None``: not installed); the others are
    read as they are."""
    pretend: dict[str, str | None] = {}
    real = metadata.version

    def version(package: str) -> str:
        if package not in pretend:
            return real(package)
        found = pretend[package]
        if found is None:
            raise metadata.PackageNotFoundError(package)
        return found

    monkeypatch.setattr(metadata, "version", version)
    patches.installed_version.cache_clear()
    yield pretend
    patches.installed_version.cache_clear()


@pytest.mark.parametrize("patch", PATCHES, ids=lambda p: p.name)
def test_each_patch_says_what_why_and_for_which_versions(patch: Patch) -> None:
    assert patch.patches
    assert patch.why
    assert patch.packages
    assert set(patch.written_for()) == set(patch.packages) <= set(patches.WRITTEN_FOR)


@pytest.mark.parametrize("patch", PATCHES, ids=lambda p: p.name)
def test_each_patch_is_applied_by_a_function_guarded_under_its_name(patch: Patch) -> None:
    assert getattr(_applier(patch), patches.MARKER) == patch.name


def test_the_names_are_unique_and_a_guard_must_name_a_listed_patch() -> None:
    assert len(patches.BY_NAME) == len(PATCHES)
    with pytest.raises(KeyError, match="no patch 'moto-something'"):
        patches.guarded("moto-something")


def test_the_installed_versions_are_the_ones_the_patches_were_written_for() -> None:
    for patch in PATCHES:
        assert patches.check(patch.name) is patch


def _requirements(lines: list[str]) -> dict[str, Requirement]:
    found = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    return {requirement.name: requirement for requirement in found}


def test_pyproject_and_the_layer_pin_exactly_those_versions() -> None:
    with (template.ROOT / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    declared = _requirements(project["dependencies"] + project["optional-dependencies"]["dev"])
    layer_text = (template.ROOT / "shared" / "requirements.txt").read_text(encoding="utf-8")
    layer = _requirements(layer_text.splitlines())
    for package, version in patches.WRITTEN_FOR.items():
        assert str(declared[package].specifier) == f"=={version}", package
        if package in layer:  # shipped to Lambda: the same pin there
            assert str(layer[package].specifier) == f"=={version}", package


@pytest.mark.parametrize("patch", PATCHES, ids=lambda p: p.name)
def test_another_version_raises_the_error_naming_patch_package_and_both_versions(
    patch: Patch, versions: dict[str, str | None]
) -> None:
    package = patch.packages[-1]
    expected = patches.WRITTEN_FOR[package]
    versions[package] = "99.0.1"
    with pytest.raises(PatchVersionMismatch) as raised:
        patches.check(patch.name)
    error = raised.value
    assert (error.patch, error.package, error.expected, error.found) == (
        patch,
        package,
        expected,
        "99.0.1",
    )
    message = str(error)
    for part in (repr(patch.name), patch.applied_by, f"{package} {expected}", "99.0.1"):
        assert part in message
    assert f"Install {package}=={expected}" in message  # what to do


def test_a_package_that_is_not_installed_is_named_as_such(
    versions: dict[str, str | None],
) -> None:
    versions["aws-lambda-powertools"] = None
    with pytest.raises(PatchVersionMismatch, match="aws-lambda-powertools is not installed"):
        patches.check("powertools-thread-isolation")


def test_the_guard_refuses_before_the_patch_changes_anything(
    versions: dict[str, str | None],
) -> None:
    """The real appliers, on a simulated moto upgrade: each raises and moto stays as it was."""
    versions["moto"] = "5.3.0"
    invoke, clock = LambdaBackend.invoke, vars(retrier_decl)["time"]

    with pytest.raises(PatchVersionMismatch, match="'lambda-invoke-bridge'"):
        lambda_bridge.install(lambda_bridge.Registry())
    with (
        pytest.raises(PatchVersionMismatch, match="'sfn-instant-retries'"),
        lambda_bridge.instant_retries(),
    ):
        pytest.fail("the block must not run")
    with (
        pytest.raises(PatchVersionMismatch, match="'sfn-execution-end-hook'"),
        lambda_bridge.watch_executions(),
    ):
        pytest.fail("the block must not run")

    assert LambdaBackend.invoke is invoke
    assert vars(retrier_decl)["time"] is clock
    with pytest.raises(RuntimeError, match="not installed"):
        lambda_bridge.active_registry()


def test_the_versions_are_read_once_per_process(versions: dict[str, str | None]) -> None:
    assert patches.installed_version("moto") == patches.WRITTEN_FOR["moto"]
    versions["moto"] = "5.3.0"
    assert patches.installed_version("moto") == patches.WRITTEN_FOR["moto"]  # cached
    patches.installed_version.cache_clear()
    assert patches.installed_version("moto") == "5.3.0"
