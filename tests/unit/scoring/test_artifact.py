"""Corrupt or foreign artifacts are refused with ``invalid-model``, never scored."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from u22a8.scoring.artifact import FORMAT_NAME, InvalidModel, parse_npy
from u22a8.scoring.scorer import Scorer
from u22a8.training import (
    FeatureCache,
    FittedModel,
    LabelledSample,
    TrainingError,
    TrainingParams,
    fit,
)
from u22a8.training.features import FeatureConfig

CRITERIA = ("Clarity", "Flow")
SMALL = TrainingParams(features=FeatureConfig(n_features=2**10))


@pytest.fixture(scope="module")
def model() -> FittedModel:
    from local.synthetic import labelled_samples

    samples = [LabelledSample(s["text"], s["scores"]) for s in labelled_samples(40, CRITERIA)]
    return fit(samples, CRITERIA, SMALL, cache=FeatureCache())


def _npy(array: Any, version: tuple[int, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), version=version, allow_pickle=False)
    return buffer.getvalue()


def _entries(model: FittedModel) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(model.to_bytes())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _header(model: FittedModel, **changes: Any) -> bytes:
    header = {**model.header(), **changes}
    return _npy(np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))


def _assert_close(actual: list[dict[str, float]], expected: list[dict[str, float]]) -> None:
    assert [list(row) for row in actual] == [list(row) for row in expected]
    for got, want in zip(actual, expected, strict=True):
        assert got == pytest.approx(want, rel=0.0, abs=1e-9)


def _refused(blob: bytes, match: str = "") -> InvalidModel:
    with pytest.raises(InvalidModel, match=match) as caught:
        Scorer.from_bytes(blob)
    assert caught.value.code == "invalid-model"
    assert caught.value.message == str(caught.value)
    return caught.value


def test_the_artifact_as_written_is_accepted(model: FittedModel) -> None:
    assert Scorer.from_bytes(model.to_bytes()).criteria == CRITERIA


def test_bytes_that_are_no_zip_or_a_truncated_one_are_refused(model: FittedModel) -> None:
    blob = model.to_bytes()
    _refused(b"", "not a model file")  # (numpy's np.load lets an EOFError out here)
    for bad in (b"not a model", blob[:100], blob[: len(blob) // 2]):
        _refused(bad, "not a model file")
        with pytest.raises(TrainingError):  # the numpy model refuses them too
            FittedModel.from_bytes(bad)


def test_a_corrupted_entry_fails_its_crc_or_inflation(model: FittedModel) -> None:
    blob = bytearray(model.to_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(blob))) as archive:
        info = archive.getinfo("means.npy")
    # Flip bytes in the middle of the entry's compressed data (after its local header).
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    for offset in range(middle, middle + 8):
        blob[offset] ^= 0xFF
    _refused(bytes(blob), "not a model file")


@pytest.mark.parametrize("missing", ["header.npy", "idf.npy", "deltas.npy"])
def test_a_missing_entry_is_refused(model: FittedModel, missing: str) -> None:
    entries = _entries(model)
    del entries[missing]
    _refused(_zip(entries), "not a model file")


def test_missing_means_are_refused_unless_the_prototypes_are_learned(model: FittedModel) -> None:
    entries = _entries(model)
    del entries["means.npy"]
    _refused(_zip(entries), "no prototype means")


def _header_without_contrasts(model: FittedModel) -> bytes:
    """The header as artifacts written before contrasts were saved have it."""
    header = {k: v for k, v in model.header().items() if k != "contrasts"}
    return _npy(np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))


def _entries_with(
    *replacements: tuple[str, Callable[[FittedModel], bytes]],
) -> Callable[[FittedModel], bytes]:
    def build(model: FittedModel) -> bytes:
        entries = _entries(model)
        for name, make in replacements:
            entries[name] = make(model)
        return _zip(entries)

    return build


def _replace(name: str, make: Callable[[FittedModel], bytes]) -> Callable[[FittedModel], bytes]:
    def build(model: FittedModel) -> bytes:
        entries = _entries(model)
        entries[name] = make(model)
        return _zip(entries)

    return build


CORRUPTIONS: dict[str, tuple[Callable[[FittedModel], bytes], str]] = {
    "float64 idf": (_replace("idf.npy", lambda m: _npy(m.idf)), "not a C-ordered <f4"),
    "big-endian means": (
        _replace(
            "means.npy", lambda m: _npy(np.stack([p.mean for p in m.prototypes]).astype(">f4"))
        ),
        "not a C-ordered <f4",
    ),
    "Fortran-ordered deltas": (
        _replace(
            "deltas.npy",
            lambda m: _npy(
                np.asfortranarray(np.stack([p.delta for p in m.prototypes]).astype("<f4"))
            ),
        ),
        "not a C-ordered",
    ),
    "text header": (
        _replace("header.npy", lambda m: _npy(np.array([json.dumps(m.header())]))),
        "not a C-ordered [|]u1",
    ),
    "no .npy magic": (_replace("idf.npy", lambda m: b"\x93NUMPX" + _npy(m.idf)[6:]), "not an .npy"),
    "unknown .npy version": (
        _replace(
            "idf.npy",
            lambda m: _npy(m.idf.astype("<f4"))[:6] + b"\x09\x00" + _npy(m.idf.astype("<f4"))[8:],
        ),
        "unsupported .npy version 9.0",
    ),
    "truncated .npy header": (
        _replace("idf.npy", lambda m: _npy(m.idf.astype("<f4"))[:40]),
        "truncated",
    ),
    "garbled .npy header": (
        _replace(
            "idf.npy", lambda m: _npy(m.idf.astype("<f4"))[:10] + b"{'descr': <f4" + b" " * 200
        ),
        "not a model file",
    ),
    "extra .npy header key": (
        _replace(
            "idf.npy",
            lambda m: (
                b"\x93NUMPY\x01\x00"
                + (
                    len(
                        h := b"{'descr': '<f4', 'fortran_order': False, 'shape': (1024,), 'x': 1}\n"
                    )
                ).to_bytes(2, "little")
                + h
                + m.idf.astype("<f4").tobytes()
            ),
        ),
        "not a numpy array header",
    ),
    "short payload": (
        _replace("idf.npy", lambda m: _npy(m.idf.astype("<f4"))[:-4]),
        "payload has",
    ),
    "trailing bytes": (
        _replace("idf.npy", lambda m: _npy(m.idf.astype("<f4")) + b"\0\0\0\0"),
        "payload has",
    ),
    "idf of another space": (
        _replace("idf.npy", lambda m: _npy(m.idf[:512].astype("<f4"))),
        "do not match its header",
    ),
    "one criterion too many": (
        _replace("header.npy", lambda m: _header(m, criteria=[*CRITERIA, "Tone"])),
        "do not match its header",
    ),
    "calibrations missing": (
        _replace("header.npy", lambda m: _header(m, calibrations=m.header()["calibrations"][:1])),
        "do not match its header",
    ),
    "another format": (
        _replace("header.npy", lambda m: _header(m, format="something-else")),
        "unsupported model format 'something-else' version 2",
    ),
    "a newer version": (
        _replace("header.npy", lambda m: _header(m, version=99)),
        f"unsupported model format '{FORMAT_NAME}' version 99",
    ),
    "invalid params": (
        _replace(
            "header.npy", lambda m: _header(m, params={**m.params.to_dict(), "shrinkage": -1})
        ),
        "shrinkage",
    ),
    "params without features": (
        _replace("header.npy", lambda m: _header(m, params={"weighting": "uniform"})),
        "not a model file",
    ),
    "header is not JSON": (
        _replace("header.npy", lambda m: _npy(np.frombuffer(b"\xff{", dtype=np.uint8))),
        "not a model file",
    ),
    "header is a list": (
        _replace("header.npy", lambda m: _npy(np.frombuffer(b"[1, 2]", dtype=np.uint8))),
        "not a model file",
    ),
    "non-finite prototypes (an artifact without saved contrasts)": (
        _entries_with(
            ("header.npy", _header_without_contrasts),
            ("means.npy", lambda m: _npy(np.full((2, 1024), np.inf, dtype="<f4"))),
        ),
        "non-finite",
    ),
    "non-finite saved contrasts": (
        _replace(
            "header.npy",
            lambda m: _header(m, contrasts=[{"mm": float("inf"), "md": 0.0, "dd": 1.0}] * 2),
        ),
        "non-finite",
    ),
    "saved contrasts missing a criterion": (
        _replace("header.npy", lambda m: _header(m, contrasts=m.header()["contrasts"][:1])),
        "do not match",
    ),
    "saved contrasts without dd": (
        _replace("header.npy", lambda m: _header(m, contrasts=[{"mm": 1.0, "md": 0.0}] * 2)),
        "not a model file",
    ),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_corrupt_artifacts_are_refused(model: FittedModel, case: str) -> None:
    build, match = CORRUPTIONS[case]
    _refused(build(model), match)


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_every_npy_version_numpy_writes_is_read(
    model: FittedModel, version: tuple[int, int]
) -> None:
    array = np.stack([p.mean for p in model.prototypes]).astype("<f4")
    parsed = parse_npy(_npy(array, version=version), "<f4")
    assert parsed.shape == array.shape
    assert bytes(parsed.payload) == array.tobytes()
    entries = _entries(model)
    entries["means.npy"] = _npy(array, version=version)
    texts = ["clear and simple, then next", ""]
    _assert_close(Scorer.from_bytes(_zip(entries)).score(texts), model.score(texts))


def test_other_entries_are_ignored(model: FittedModel) -> None:
    entries = _entries(model)
    entries["notes.txt"] = b"hello"
    texts = ["clear and simple, then next"]
    _assert_close(Scorer.from_bytes(_zip(entries)).score(texts), model.score(texts))


def test_nan_prototypes_behind_saved_contrasts_are_refused_when_scoring(
    model: FittedModel,
) -> None:
    """Saved contrasts spare the load a pass over the arrays, so such damage (only possible with
    a valid CRC, i.e. a forged artifact) shows when scoring: an error, never a NaN answered."""
    entries = _entries(model)
    means = np.stack([p.mean for p in model.prototypes]).astype("<f4")
    means[:, :] = np.nan
    entries["means.npy"] = _npy(means)
    scorer = Scorer.from_bytes(_zip(entries))
    with pytest.raises(InvalidModel, match="non-finite"):
        scorer.score(["clear and simple, then next"])
