"""The walk-through's JSONL samples (for ``u22a8 samples add``) are the curl walk's samples."""

from __future__ import annotations

import json

from local.template import ROOT
from u22a8.client.jsonl import read_samples


def test_the_jsonl_example_holds_the_json_examples_samples() -> None:
    examples = ROOT / "examples"
    as_json = json.loads((examples / "support-tone-samples.json").read_text(encoding="utf-8"))
    as_jsonl = list(read_samples(examples / "support-tone-samples.jsonl"))
    assert as_jsonl == as_json["samples"]
    assert len(as_jsonl) == 40
