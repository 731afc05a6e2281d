"""``template.yaml`` as CloudFormation receives it: expanded by SAM's own translator, offline.

What SAM generates (stages, deployments, roles, permissions) only exists after the transform, so
tests about those read this. Local paths become S3 URIs first, as ``sam package`` would do.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

from local import template

_LOCAL_URIS = ("CodeUri", "ContentUri", "DefinitionUri")
PSEUDO_PARAMETERS = {
    "AWS::Region": "us-east-1",
    "AWS::Partition": "aws",
    "AWS::AccountId": "123456789012",
}


class _NoManagedPolicies:
    """The translator's loader of managed policy names; the template names none (only ARNs)."""

    def load(self) -> dict[str, str]:
        return {}


@cache
def translated() -> dict[str, Any]:
    document: dict[str, Any] = yaml_parse(template.TEMPLATE_PATH.read_text(encoding="utf-8"))
    for resource in document["Resources"].values():
        properties = resource.get("Properties", {})
        for key in _LOCAL_URIS:
            if isinstance(properties.get(key), str):
                properties[key] = f"s3://deployment-bucket/{properties[key].strip('/')}"
    os.environ.setdefault("AWS_DEFAULT_REGION", PSEUDO_PARAMETERS["AWS::Region"])
    result: dict[str, Any] = transform(document, dict(PSEUDO_PARAMETERS), _NoManagedPolicies())
    return result


def of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in translated()["Resources"].items() if v["Type"] == kind}
