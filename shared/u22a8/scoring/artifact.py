"""Reading a model artifact, the zip of ``.npy`` files ``FittedModel.to_bytes`` writes, sans numpy.

The artifact holds four entries: ``header.npy`` (the JSON header as a 1-D ``|u1`` array) and the
float32 arrays ``idf.npy`` (``n_features``), ``means.npy`` and ``deltas.npy`` (``criteria`` rows of
``n_features``), all little-endian and C-ordered. Format version 2 (learned prototypes) leaves
``means.npy`` out when every mean is zero, and its params may name learned prototypes and split
feature blocks; version 1 artifacts (every version published before) are read as they were.
Each ``.npy`` header is parsed as numpy parses it (magic, version, a Python-literal dict) and
anything but exactly that layout is refused, so an array is never reinterpreted: the payload is
used as raw bytes (a ``memoryview`` cast to floats, no per-element Python work at load time).
"""

from __future__ import annotations

import ast
import io
import struct
import sys
import zipfile
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

FORMAT_NAME = "u22a8-training-model"
FORMAT_VERSION = 2
#: Versions this code reads: artifacts are immutable, so every format ever written stays readable.
READABLE_VERSIONS = (1, 2)

NPY_MAGIC = b"\x93NUMPY"
FLOAT32 = "<f4"
UINT8 = "|u1"
_ITEM_SIZES = {FLOAT32: 4, UINT8: 1}
LITTLE_ENDIAN = sys.byteorder == "little"
_NPY_KEYS = frozenset({"descr", "fortran_order", "shape"})


class InvalidModel(Exception):
    """The bytes are not a model this code can score; ``code`` is stable, as a TrainingError's."""

    code = "invalid-model"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class NpyArray:
    """One ``.npy`` entry: its dtype, its shape and its raw (little-endian, C-order) payload."""

    descr: str
    shape: tuple[int, ...]
    payload: memoryview


def parse_npy(data: bytes, descr: str) -> NpyArray:
    """Parse a ``.npy`` file whose dtype must be ``descr`` (``<f4`` or ``|u1``), C-ordered.

    Versions 1.0, 2.0 and 3.0 of the format are read (numpy writes 1.0 unless the header is
    huge). Raises :class:`InvalidModel` for anything else, including a payload whose length is
    not exactly what the shape says.
    """
    if data[:6] != NPY_MAGIC or len(data) < 10:
        raise InvalidModel("not an .npy array")
    major, minor = data[6], data[7]
    if major == 1 and minor == 0:
        (header_len,) = struct.unpack_from("<H", data, 8)
        start = 10
    elif major in (2, 3) and minor == 0:
        (header_len,) = struct.unpack_from("<I", data, 8)
        start = 12
    else:
        raise InvalidModel(f"unsupported .npy version {major}.{minor}")
    end = start + header_len
    if end > len(data):
        raise InvalidModel(".npy header is truncated")
    text = data[start:end].decode("utf-8" if major == 3 else "latin1")
    fields = ast.literal_eval(text)
    if not isinstance(fields, dict) or set(fields) != _NPY_KEYS:
        raise InvalidModel(f".npy header is not a numpy array header: {text.strip()!r}")
    shape = fields["shape"]
    if (
        fields["descr"] != descr
        or fields["fortran_order"] is not False
        or not isinstance(shape, tuple)
        or not all(type(dim) is int and dim >= 0 for dim in shape)
    ):
        raise InvalidModel(f".npy array is not a C-ordered {descr} array: {text.strip()!r}")
    count = 1
    for dim in shape:
        count *= dim
    payload = memoryview(data)[end:]
    if len(payload) != count * _ITEM_SIZES[descr]:
        raise InvalidModel(f".npy payload has {len(payload)} bytes for shape {shape}")
    return NpyArray(descr, shape, payload)


def read_arrays(
    blob: bytes, entries: dict[str, str], optional: frozenset[str] = frozenset()
) -> dict[str, NpyArray]:
    """The named ``.npy`` entries of a zip archive (name -> required dtype); others are ignored,
    and those in ``optional`` may be missing.

    zipfile inflates each entry and checks its CRC; errors surface as zipfile's, zlib's or
    :class:`InvalidModel`, which the caller turns into one ``invalid-model`` error.
    """
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        present = set(archive.namelist())
        return {
            name: parse_npy(archive.read(f"{name}.npy"), descr)
            for name, descr in entries.items()
            if name not in optional or f"{name}.npy" in present
        }


def floats(payload: memoryview, little_endian: bool = LITTLE_ENDIAN) -> Sequence[float]:
    """A little-endian float32 payload as a sequence of Python floats, without copying it on a
    little-endian host (a copy, byte-swapped, elsewhere)."""
    if little_endian:
        return payload.cast("f")
    values = array("f")
    values.frombytes(payload)
    values.byteswap()
    return values
