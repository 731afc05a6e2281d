"""A progress bar on stderr in plain text: redrawn in place on a terminal (``\\r`` and an ANSI
clear-to-end-of-line), one line per change otherwise (logs, CI)."""

from __future__ import annotations

from typing import TextIO

from u22a8.client.types import Progress

WIDTH = 30


def render(progress: Progress, width: int = WIDTH) -> str:
    """``run_x [#########---------]  45% running``; the bar is empty while progress is unknown."""
    fraction = min(1.0, max(0.0, progress.fraction or 0.0))
    filled = round(fraction * width)
    percent = "  ?%" if progress.fraction is None else f"{fraction * 100:3.0f}%"
    bar = "#" * filled + "-" * (width - filled)
    return f"{progress.run_id} [{bar}] {percent} {progress.status}"


class ProgressBar:
    """Feed it ``Progress`` updates (it is an ``on_progress`` callback); ``close`` ends the line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._live = stream.isatty()
        self._last = ""
        self._open = False

    def __call__(self, progress: Progress) -> None:
        line = render(progress)
        if line == self._last:
            return
        self._last = line
        if self._live:
            self._stream.write(f"\r{line}\x1b[K")
            self._open = True
        else:
            self._stream.write(line + "\n")
        self._stream.flush()

    def close(self) -> None:
        if self._open:
            self._stream.write("\n")
            self._stream.flush()
            self._open = False
