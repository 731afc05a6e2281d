"""Responses that carry a model: always with its ETag."""

from __future__ import annotations

from collections.abc import Mapping

from u22a8.api.etags import etag
from u22a8.api.http import json_response
from u22a8.api.mapping import model_resource
from u22a8.api.powertools_rest import Response
from u22a8.entities.model import Model


def model_response(
    model: Model, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response[str]:
    return json_response(status, model_resource(model), {"ETag": etag(model), **(headers or {})})
