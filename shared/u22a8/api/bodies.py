"""Request bodies as Pydantic core schemas, validated by ``pydantic_core`` directly.

Every request body is strict and closed: ``"true"`` is not a boolean, ``"5"`` is not a number,
and an unknown field is a 422 rather than ignored, so a client bug surfaces instead of a silent
coercion.

Why core schemas rather than ``BaseModel`` classes: the validation is the same engine
(``pydantic_core`` is what ``BaseModel.model_validate`` runs), but importing Pydantic's model
machinery costs a body-parsing handler about 50 ms of its cold start (a quarter of the floor
``boto3.client('dynamodb')`` pays), while building these validators costs about 1 ms. A body
validates into a plain ``dict`` typed by a ``TypedDict``, where a key that was not sent is
absent, which is exactly what a merge patch needs. The OpenAPI document is generated from the
same schemas (``u22a8.api.openapi``, through Pydantic's JSON-schema generator), so there is one
definition of each body.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, cast

from pydantic_core import SchemaValidator
from pydantic_core import core_schema as cs


class RequestBody[BodyT: Mapping[str, Any]]:
    """One request body's contract: its schema, its OpenAPI name and a lazily built validator."""

    def __init__(self, schema: cs.TypedDictSchema) -> None:
        name = schema.get("ref")
        if not name:
            raise ValueError("a request body schema needs a ref: its OpenAPI component name")
        self.name = name
        self.schema = schema

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(self.schema["fields"])

    @cached_property
    def _validator(self) -> SchemaValidator:
        return SchemaValidator(self.schema)

    def validate(self, data: object) -> BodyT:
        """The validated body; raises ``pydantic_core.ValidationError`` listing every bad field."""
        return cast("BodyT", self._validator.validate_python(data))


def closed_object(
    name: str,
    fields: Mapping[str, cs.TypedDictField],
    *,
    description: str | None = None,
    total: bool = True,
) -> cs.TypedDictSchema:
    """A JSON object with exactly ``fields`` (strict, unknown keys refused), named ``name`` in
    the OpenAPI document. ``total=False`` makes every field optional (a merge patch)."""
    updates: dict[str, Any] = {"title": name}
    if description:
        updates["description"] = description
    return cs.typed_dict_schema(
        dict(fields),
        extra_behavior="forbid",
        total=total,
        strict=True,
        ref=name,
        config=cs.CoreConfig(title=name, strict=True, extra_fields_behavior="forbid"),
        metadata={"pydantic_js_updates": updates},
    )


def field(
    schema: cs.CoreSchema, *, required: bool = True, description: str | None = None
) -> cs.TypedDictField:
    """A field of a closed object. A field that is not ``required`` is absent from the validated
    dict when it was not sent, unless its schema gives a default (:func:`with_default`)."""
    metadata = {"pydantic_js_updates": {"description": description}} if description else None
    return cs.typed_dict_field(schema, required=required, metadata=metadata)


def with_default(schema: cs.CoreSchema, default: Any) -> cs.CoreSchema:
    """``schema`` whose field takes ``default`` (``None`` included) when it is not sent."""
    return cs.with_default_schema(schema, default=default)


def strict_str(**constraints: Any) -> cs.CoreSchema:
    return cs.str_schema(strict=True, **constraints)


def nullable(schema: cs.CoreSchema) -> cs.CoreSchema:
    return cs.nullable_schema(schema)
