"""The layer ships what the tests run: ``shared/requirements.txt`` (what ``sam build`` installs into
the layer) says exactly what ``pyproject.toml`` does, and the AWS SDK is pinned in both to the
version installed here, so AWS never runs another boto3 than the one the suite ran.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import version

from packaging.requirements import Requirement

from local import template

PINNED = ("boto3", "botocore")


def _layer() -> dict[str, Requirement]:
    lines = (template.ROOT / "shared" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    found = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    return {r.name: r for r in found}


def _project() -> dict[str, Requirement]:
    with (template.ROOT / "pyproject.toml").open("rb") as handle:
        dependencies = tomllib.load(handle)["project"]["dependencies"]
    return {r.name: r for r in map(Requirement, dependencies)}


def test_the_layer_and_the_project_require_the_same_packages_and_versions() -> None:
    layer, project = _layer(), _project()
    assert sorted(layer) == sorted(project)
    for name, requirement in layer.items():
        assert requirement.specifier == project[name].specifier, name


def test_the_sdk_is_pinned_to_the_version_the_tests_run() -> None:
    layer = _layer()
    for name in PINNED:
        (pin,) = layer[name].specifier
        assert pin.operator == "==", f"{name} must be pinned exactly, not {pin}"
        assert pin.version == version(name), f"the tests run {name} {version(name)}, not {pin}"


def test_the_layer_is_built_from_that_file() -> None:
    layer = template.resources("AWS::Serverless::LayerVersion")["SharedLayer"]
    assert layer["Properties"]["ContentUri"] == "shared/"
    assert layer["Metadata"]["BuildMethod"] == "python3.12"
