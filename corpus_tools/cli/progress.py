"""A one-line progress bar on stderr for long commands; silent when stderr is not a terminal."""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO


class StepBar:
    """Callable as progress(message, step, total): redraws `[####----] 3/7 message  12s` in place.

    Quiet (draws nothing) when the stream is not a TTY, so logs and pipes stay clean.
    """

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None, width: int = 20) -> None:
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = enabled if enabled is not None else bool(isatty and isatty())
        self.width = width
        self.started = time.monotonic()
        self.drawn = False

    def __call__(self, message: str, step: int, total: int) -> None:
        """Draw the bar for `step` of `total` with the current message."""
        if not self.enabled:
            return
        done = max(0, min(total, step - 1))  # steps before this one are complete
        filled = int(self.width * done / total) if total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.monotonic() - self.started
        line = f"[{bar}] {min(step, total)}/{total} {message}"
        cols = shutil.get_terminal_size((100, 20)).columns
        tail = f"  {elapsed:4.0f}s"
        line = line[: max(10, cols - len(tail) - 1)]
        self.stream.write("\r" + line.ljust(max(10, cols - len(tail) - 1)) + tail)
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the bar's line (if one was drawn)."""
        if self.enabled and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False
