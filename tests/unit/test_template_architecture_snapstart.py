"""The template's ``Architecture`` and ``SnapStart`` parameters: one architecture for every
function and the layer's build (``make sam-local`` passes the host's), and SnapStart on the API
functions' published versions only, off unless asked for."""

from __future__ import annotations

from typing import Any

from local import template

ARCH_REF = {"Ref": "Architecture"}


def _functions() -> dict[str, dict[str, Any]]:
    return template.resources("AWS::Serverless::Function")


def test_architecture_defaults_to_arm64_and_allows_the_hosts() -> None:
    parameter = template.load_template()["Parameters"]["Architecture"]
    assert parameter["Default"] == "arm64"
    assert set(parameter["AllowedValues"]) == {"arm64", "x86_64"}


def test_every_function_and_the_layer_build_follow_the_parameter() -> None:
    globals_ = template.load_template()["Globals"]["Function"]
    assert globals_["Architectures"] == [ARCH_REF]
    for logical_id, function in _functions().items():
        assert "Architectures" not in function["Properties"], logical_id  # Globals decide
    (layer,) = template.resources("AWS::Serverless::LayerVersion").values()
    assert layer["Properties"]["CompatibleArchitectures"] == [ARCH_REF]
    assert layer["Metadata"]["BuildArchitecture"] == ARCH_REF


def test_snapstart_is_off_by_default() -> None:
    tpl = template.load_template()
    parameter = tpl["Parameters"]["SnapStart"]
    assert parameter["Default"] == "off"
    assert tpl["Conditions"]["SnapStartOn"] == {"Fn::Equals": [{"Ref": "SnapStart"}, "on"]}


def test_only_the_api_functions_publish_an_alias_with_snapstart() -> None:
    api = {spec.logical_id for spec in template.functions().values() if spec.routes}
    assert api
    for logical_id, function in _functions().items():
        props = function["Properties"]
        if logical_id in api:
            assert props["AutoPublishAlias"] == "live", logical_id
            assert props["SnapStart"] == {
                "ApplyOn": {"Fn::If": ["SnapStartOn", "PublishedVersions", "None"]}
            }, logical_id
        else:
            assert "SnapStart" not in props, logical_id
            assert "AutoPublishAlias" not in props, logical_id
