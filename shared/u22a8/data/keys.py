"""The single table's key shapes that several repositories share (docs/data-model.md).

A model's partition is ``pk = MODEL#<handle>``: its item (``sk = META``), its versions
(``sk = VERSION#<n, six digits>``), samples, runs and artifact copies. Only the standard library
here, so a reader on the request path (``score_reads``) can build keys without importing the
repositories that write them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

META_SK = "META"
VERSION_SK_PREFIX = "VERSION#"


def model_pk(handle: str) -> str:
    return f"MODEL#{handle}"


def version_sk(version: int) -> str:
    """A version's sort key: its number zero-padded to six digits, so string order is numeric."""
    return f"{VERSION_SK_PREFIX}{version:06d}"


def model_key(handle: str) -> dict[str, AttributeValueTypeDef]:
    """The model item's key (``sk = META``)."""
    return {"pk": {"S": model_pk(handle)}, "sk": {"S": META_SK}}


def version_key(handle: str, version: int) -> dict[str, AttributeValueTypeDef]:
    """Version ``version``'s item key."""
    return {"pk": {"S": model_pk(handle)}, "sk": {"S": version_sk(version)}}
