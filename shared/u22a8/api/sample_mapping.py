"""Explicit mapping between the samples' API schemas and domain objects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from u22a8.entities.sample import NewSample, Sample, SamplePage

if TYPE_CHECKING:  # pydantic_core stays out of the GET handler's cold start.
    from u22a8.api.sample_schemas import SamplesBody


def new_samples(request: SamplesBody) -> list[NewSample]:
    return [NewSample(text=s["text"], scores=dict(s["scores"])) for s in request["samples"]]


def sample_resource(sample: Sample) -> dict[str, Any]:
    """The public JSON shape of a sample (``SampleOut`` in the OpenAPI document)."""
    return {
        "sample_id": sample.sample_id,
        "text": sample.text,
        "scores": dict(sample.scores),
        "created_at": sample.created_at,
    }


def sample_page(page: SamplePage) -> dict[str, Any]:
    return {"data": [sample_resource(s) for s in page.samples], "next_cursor": page.next_cursor}
