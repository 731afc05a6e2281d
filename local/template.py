"""Reads ``template.yaml`` so local runs and tests use exactly what is deployed.

Tables, routes, the authorizer and function environments all come from the template; nothing here
is a second hand-written list of resources.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"

_CREATE_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "BillingMode",
    "StreamSpecification",
)


class _CfnLoader(yaml.SafeLoader):
    """A YAML loader that understands CloudFormation's short intrinsic tags."""


def _intrinsic(name: str) -> Callable[[yaml.SafeLoader, yaml.Node], Any]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {name: value}

    return construct


for _tag in (
    "Ref",
    "GetAtt",
    "Sub",
    "Join",
    "If",
    "Equals",
    "Not",
    "Select",
    "Split",
    "FindInMap",
    "ImportValue",
    "GetAZs",
    "Base64",
    "Cidr",
    "And",
    "Or",
    "Condition",
):
    _name = "Ref" if _tag == "Ref" else ("Condition" if _tag == "Condition" else f"Fn::{_tag}")
    _CfnLoader.add_constructor(f"!{_tag}", _intrinsic(_name))


def parse_template(text: str) -> dict[str, Any]:
    """A template's text as a dict, short intrinsics (``!Ref``) in their long form."""
    loaded: dict[str, Any] = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    return loaded


@cache
def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    return parse_template(path.read_text(encoding="utf-8"))


def resources(of_type: str, template: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    template = template or load_template()
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == of_type
    }


def table_definitions(template: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """``CreateTable`` arguments (less the name) of every DynamoDB table, by logical id."""
    definitions: dict[str, dict[str, Any]] = {}
    for logical_id, resource in resources("AWS::DynamoDB::Table", template).items():
        props = resource["Properties"]
        kwargs = {key: props[key] for key in _CREATE_TABLE_KEYS if key in props}
        kwargs.setdefault("BillingMode", "PAY_PER_REQUEST")
        if "StreamSpecification" in kwargs:  # CloudFormation implies what CreateTable asks for
            kwargs["StreamSpecification"] = {"StreamEnabled": True, **kwargs["StreamSpecification"]}
        definitions[logical_id] = {
            "create": kwargs,
            "ttl_attribute": (props.get("TimeToLiveSpecification") or {}).get("AttributeName"),
        }
    return definitions


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway style, e.g. /v1/models/{handle}
    function: str  # logical id


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: str
    handler: str
    environment: dict[str, Any] = field(default_factory=dict)
    routes: tuple[Route, ...] = ()

    @property
    def module(self) -> str:
        """Importable module of the handler, e.g. ``functions.get_model.app``."""
        package = self.code_uri.strip("/").replace("/", ".")
        return f"{package}.{self.handler.rsplit('.', 1)[0]}"

    @property
    def function_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]


def functions(template: Mapping[str, Any] | None = None) -> dict[str, FunctionSpec]:
    template = template or load_template()
    globals_ = template.get("Globals", {}).get("Function", {})
    global_env = dict(globals_.get("Environment", {}).get("Variables", {}))
    specs: dict[str, FunctionSpec] = {}
    for logical_id, resource in resources("AWS::Serverless::Function", template).items():
        props = resource["Properties"]
        env = {**global_env, **props.get("Environment", {}).get("Variables", {})}
        routes = tuple(
            Route(
                method=event["Properties"]["Method"].upper(),
                path=event["Properties"]["Path"],
                function=logical_id,
            )
            for event in props.get("Events", {}).values()
            if event["Type"] == "Api"
        )
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            code_uri=props["CodeUri"],
            handler=props["Handler"],
            environment=env,
            routes=routes,
        )
    return specs


def routes(template: Mapping[str, Any] | None = None) -> list[Route]:
    return [route for spec in functions(template).values() for route in spec.routes]


@dataclass(frozen=True)
class AuthorizerSpec:
    function: str
    header: str
    cache_ttl_s: int


def authorizer(template: Mapping[str, Any] | None = None) -> AuthorizerSpec:
    template = template or load_template()
    (api,) = resources("AWS::Serverless::Api", template).values()
    auth = api["Properties"]["Auth"]
    spec = auth["Authorizers"][auth["DefaultAuthorizer"]]
    ttl = spec["Identity"].get("ReauthorizeEvery", 300)
    return AuthorizerSpec(
        function=spec["FunctionArn"]["Fn::GetAtt"][0],
        header=spec["Identity"]["Header"],
        cache_ttl_s=int(parameter_default(ttl["Ref"], template) if isinstance(ttl, dict) else ttl),
    )


def gateway_responses(template: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    template = template or load_template()
    (api,) = resources("AWS::Serverless::Api", template).values()
    return dict(api["Properties"].get("GatewayResponses", {}))


def parameter_default(name: str, template: Mapping[str, Any] | None = None) -> Any:
    template = template or load_template()
    return template["Parameters"][name].get("Default")


def resolve(
    value: Any, physical: Mapping[str, str], template: Mapping[str, Any] | None = None
) -> Any:
    """Resolve the intrinsics used in environment variables against local physical names."""
    if isinstance(value, dict) and "Ref" in value:
        name = value["Ref"]
        if name in physical:
            return physical[name]
        return str(parameter_default(name, template))
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return physical[f"{logical_id}.{attribute}"]
    return value


def environment_for(
    spec: FunctionSpec, physical: Mapping[str, str], template: Mapping[str, Any] | None = None
) -> dict[str, str]:
    return {k: str(resolve(v, physical, template)) for k, v in spec.environment.items()}
