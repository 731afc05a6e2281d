"""The hashed feature space, in pure Python: which n-grams a text has and their columns.

Hashing (instead of a learned vocabulary) keeps a fitted model small and lets any process turn a
text into the same columns, which is why the hash must be stable across processes: n-grams are
hashed with CRC-32 of their UTF-8 bytes, never with Python's per-process salted ``hash()``.

Features are word n-grams (1..``word_max_n``) and character n-grams taken within word boundaries
(each word padded with one space on both sides, as scikit-learn's ``char_wb``), so that character
n-grams capture morphology and spelling without mixing in the neighbouring word.

``u22a8.training.features`` counts these n-grams for many texts at once with numpy (for training);
:func:`column_counts` counts them for a batch of texts in pure Python (for scoring). Both use the
functions below, and a property test keeps the two counts identical.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_N_FEATURES = 2**18

_TOKEN_RE = re.compile(r"\w+(?:['\u2019]\w+)*")
_WORD_PREFIX = b"w\x1f"
_CHAR_PREFIX = b"c\x1f"
#: Constants of :func:`combine_hash` (a splitmix64-style mix), all modulo 2**64.
MIX_MUL = 0x9E3779B97F4A7C15
MIX_ADD = 0x632BE59BD9B4E019
MIX_MUL2 = 0xBF58476D1CE4E5B9
SHIFT_A = 31
SHIFT_B = 29
_U64 = 2**64 - 1


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Which n-grams make up the feature space; everything that changes the columns lives here."""

    word_max_n: int = 2
    char_min_n: int = 3
    char_max_n: int = 5
    n_features: int = DEFAULT_N_FEATURES
    #: Word n-grams hash into the first half of the space and character n-grams into the second,
    #: and each half of a text's vector is scaled to unit length before the whole is: the many
    #: character n-grams then weigh no more than the few words (``blocks`` in :meth:`key`).
    split_blocks: bool = False

    def __post_init__(self) -> None:
        if self.word_max_n < 0 or self.char_max_n < 0 or self.char_min_n < 0:
            raise ValueError("n-gram sizes must be >= 0")
        if self.char_max_n and self.char_min_n < 1:
            raise ValueError("char_min_n must be >= 1 when character n-grams are on")
        if self.char_max_n and self.char_min_n > self.char_max_n:
            raise ValueError("char_min_n must be <= char_max_n")
        if self.word_max_n == 0 and self.char_max_n == 0:
            raise ValueError("at least one of word or character n-grams must be on")
        if not 2 <= self.n_features <= 2**30 or self.n_features & (self.n_features - 1):
            raise ValueError("n_features must be a power of two in 2 .. 2**30")
        if self.split_blocks and not (self.word_max_n and self.char_max_n):
            raise ValueError("split_blocks needs both word and character n-grams")

    @property
    def word_mask(self) -> int:
        """Mask taking a word n-gram's hash to its column (half the space when split)."""
        return (self.n_features >> 1 if self.split_blocks else self.n_features) - 1

    @property
    def char_mask(self) -> int:
        """Mask taking a character n-gram's hash into its block (before ``char_offset``)."""
        return self.word_mask

    @property
    def char_offset(self) -> int:
        """First column of character n-grams (0 unless the blocks are split)."""
        return self.n_features >> 1 if self.split_blocks else 0

    @property
    def bits(self) -> int:
        """log2 of the space size; columns are the low ``bits`` bits of a hash."""
        return self.n_features.bit_length() - 1

    @property
    def uses_chars(self) -> bool:
        """Whether character n-grams are part of the space."""
        return self.char_max_n > 0

    def key(self) -> str:
        """A short stable string naming this configuration, used as a cache key."""
        blocks = "-blocks" if self.split_blocks else ""
        return f"w{self.word_max_n}-c{self.char_min_n}.{self.char_max_n}-h{self.n_features}{blocks}"

    def to_dict(self) -> dict[str, int | bool]:
        """JSON-ready form; ``split_blocks`` only when set, so older params read the same."""
        out: dict[str, int | bool] = {
            "word_max_n": self.word_max_n,
            "char_min_n": self.char_min_n,
            "char_max_n": self.char_max_n,
            "n_features": self.n_features,
        }
        if self.split_blocks:
            out["split_blocks"] = True
        return out

    def describe(self) -> str:
        """The feature space in words, e.g. "word 1-2 grams + character 2-5 grams, scaled apart"."""
        parts = []
        if self.word_max_n:
            parts.append("words" if self.word_max_n == 1 else f"word 1-{self.word_max_n} grams")
        if self.char_max_n:
            parts.append(f"character {self.char_min_n}-{self.char_max_n} grams")
        scaled = ", each scaled to unit length" if self.split_blocks else ""
        return " + ".join(parts) + scaled

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureConfig:
        """Inverse of :meth:`to_dict`."""
        return cls(
            word_max_n=int(data["word_max_n"]),
            char_min_n=int(data["char_min_n"]),
            char_max_n=int(data["char_max_n"]),
            n_features=int(data["n_features"]),
            split_blocks=bool(data.get("split_blocks", False)),
        )


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens; apostrophes inside a word keep it whole ("don't")."""
    return _TOKEN_RE.findall(text.lower())


def word_hash(word: str) -> int:
    """Stable 32-bit hash of a word; its column is this modulo the space size."""
    return zlib.crc32(_WORD_PREFIX + word.encode("utf-8"))


def char_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """Character n-grams of a word padded with one space each side (word-boundary n-grams)."""
    padded = f" {word} "
    grams: list[str] = []
    for n in range(min_n, max_n + 1):
        if len(padded) < n:
            break
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def char_hash(gram: str) -> int:
    """Stable 32-bit hash of a character n-gram (prefixed so it never equals a word's hash)."""
    return zlib.crc32(_CHAR_PREFIX + gram.encode("utf-8"))


def combine_hash(left: int, right: int) -> int:
    """Order-sensitive mix of two 64-bit hashes: the hash of a word n-gram extended by a word.

    The same arithmetic as ``u22a8.training.features.combine_hashes`` does on uint64 arrays.
    """
    h = ((left * MIX_MUL) & _U64) ^ ((right + MIX_ADD) & _U64)
    h ^= h >> SHIFT_A
    h = (h * MIX_MUL2) & _U64
    h ^= h >> SHIFT_B
    return h


def column_counts(texts: Sequence[str], config: FeatureConfig) -> list[Counter[int]]:
    """How often each column occurs in each text: word n-grams, then character n-grams.

    What ``count_features`` counts before its sublinear scaling, one ``Counter`` per text. Word
    hashes and character columns are computed once per distinct word of the batch.
    """
    mask = config.word_mask
    char_mask, char_offset = config.char_mask, config.char_offset
    word_max_n = config.word_max_n
    lo, hi = config.char_min_n, config.char_max_n
    hashes: dict[str, int] = {}
    char_columns: dict[str, list[int]] = {}
    out: list[Counter[int]] = []
    for text in texts:
        tokens = tokenize(text)
        columns: list[int] = []
        if word_max_n >= 1 and tokens:
            token_hashes = []
            for token in tokens:
                h = hashes.get(token)
                if h is None:
                    h = hashes[token] = word_hash(token)
                token_hashes.append(h)
            columns.extend([h & mask for h in token_hashes])
            running = token_hashes
            for n in range(2, word_max_n + 1):
                # running[i] hashes the (n-1)-gram starting at token i; extend it by token i+n-1.
                if len(running) <= 1:
                    break
                running = [
                    combine_hash(a, b)
                    for a, b in zip(running[:-1], token_hashes[n - 1 :], strict=True)
                ]
                columns.extend([h & mask for h in running])
        if hi > 0:
            for token in tokens:
                grams = char_columns.get(token)
                if grams is None:
                    grams = char_columns[token] = [
                        char_offset + (char_hash(g) & char_mask) for g in char_ngrams(token, lo, hi)
                    ]
                columns.extend(grams)
        out.append(Counter(columns))
    return out
