"""The training effort levels and the default level: their one definition.

``effort`` is how broad a training run's parameter search is. The train request's schema and the
run resource (so the OpenAPI document), the domain's train request, the trainer's candidate plans,
the Python client and CLI, and the benchmarks all read these names; nothing else spells the levels
out (``docs/api.md`` states them, and ``tests/unit/test_effort.py`` holds it and the code to this
module).

Standard library only, imported by the numpy training library, by API handlers (whose cold start
must not grow) and by the client alike.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Effort = Literal["low", "medium", "high", "max"]
#: The levels, lowest first; each at least doubles the candidates of the one below.
EFFORTS: Final[tuple[Effort, ...]] = get_args(Effort)
#: What a train request searches with when its ``effort`` is absent or ``null``.
DEFAULT_EFFORT: Final[Effort] = "medium"
