"""``local.sam_local``'s template copy, env-vars file and architecture names (no Docker here; the
stack itself runs in ``tests/e2e/sam``)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from local import sam_local, template
from local.resources import function_environment, physical_names
from local.stack import StackInfo


def test_the_copy_declares_the_local_only_variables_and_changes_nothing_else() -> None:
    original = template.load_template()
    copied = sam_local.local_template(original)
    variables = copied["Globals"]["Function"]["Environment"]["Variables"]
    for name in sam_local.LOCAL_ONLY_VARIABLES:
        assert variables[name] == ""
    assert not set(sam_local.LOCAL_ONLY_VARIABLES) & set(
        original["Globals"]["Function"]["Environment"]["Variables"]
    ), "the deployed template must not declare them"
    assert copied["Resources"].keys() == original["Resources"].keys()
    assert copied["Parameters"] == original["Parameters"]


def test_the_copy_points_code_at_the_worktree_by_absolute_paths() -> None:
    copied = sam_local.local_template()
    function = copied["Resources"]["GetModelFunction"]["Properties"]
    assert Path(function["CodeUri"]) == template.ROOT / "functions" / "get_model"
    layer = copied["Resources"]["SharedLayer"]["Properties"]
    assert Path(layer["ContentUri"]) == template.ROOT / "shared"
    machine = copied["Resources"]["TrainingStateMachine"]["Properties"]
    assert Path(machine["DefinitionUri"]).is_file()


def test_the_env_vars_file_gives_every_function_its_local_values() -> None:
    names = physical_names("u22a8-local")
    env = sam_local.env_vars(function_environment(names), "http://172.17.0.1:5000")
    values = env["Parameters"]
    assert values["AWS_ENDPOINT_URL"] == "http://172.17.0.1:5000"
    assert values["MODELS_TABLE"] == "u22a8-local-ModelsTable"
    assert values["TRAINING_STATE_MACHINE_ARN"] == names["TrainingStateMachine"]
    assert values["WEBHOOK_ALLOW_LOCAL_HTTP"] == "1"  # receivers on this machine, as make local
    declared = set(sam_local.local_template()["Globals"]["Function"]["Environment"]["Variables"])
    for spec in template.functions().values():
        # Every variable a function declares, and the local-only ones, get a local value.
        missing = (set(spec.environment) | declared) - set(values)
        assert not missing, (spec.logical_id, missing)


@pytest.mark.parametrize(
    ("machine", "expected"),
    [("x86_64", "x86_64"), ("amd64", "x86_64"), ("aarch64", "arm64"), ("arm64", "arm64")],
)
def test_uname_names_become_lambdas(machine: str, expected: str) -> None:
    assert sam_local.architecture(machine) == expected


def test_an_architecture_lambda_lacks_is_refused() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="riscv64"):
        sam_local.architecture("riscv64")


def test_the_banner_is_make_locals_without_the_docs_page() -> None:
    info = StackInfo("http://127.0.0.1:3000", "u22a8_k", "demo", "http://m", "keys")
    text = sam_local.sam_banner(info)
    assert "Docs" not in text
    assert "Demo key    u22a8_k" in text
    assert "http://127.0.0.1:3000/v1/models" in text


def test_only_the_documented_port_writes_the_documented_env_file(tmp_path: Path) -> None:
    assert sam_local.env_file_path(3000, tmp_path) == tmp_path / "env.json"
    assert sam_local.env_file_path(41234, tmp_path) == tmp_path / "env-41234.json"
