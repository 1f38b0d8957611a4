"""Progress of the speech stage on stderr: a rich bar on a terminal, plain lines otherwise
(a log or CI output should not fill with redraws)."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichProgress

PLAIN_STEPS = 10  # plain output prints about every tenth of the work


class _Display:
    """What the displays share: where they print, whether they do, and the rich bar on a
    terminal, stopped when the `with` block ends however it ends."""

    def __init__(self, stream: TextIO | None, enabled: bool) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None

    def _stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __exit__(self, *exc_info: object) -> None:
        self._stop()


class Progress(_Display):
    """Segments done of `total`, `hits` of them already done from the cache.

    `enabled`: False prints nothing; True or None print, as a bar when `stream` is a terminal and
    as lines such as "episode: synthesized 40/120 (cache 30)" when it is not.
    """

    def __init__(
        self, total: int, hits: int, *, enabled: bool | None = None, stream: TextIO | None = None
    ) -> None:
        super().__init__(stream, enabled is not False and total > 0)
        self.total = total
        self.hits = hits
        self.done = hits
        self._step = max(1, total // PLAIN_STEPS)
        self._last_line = hits

    def __enter__(self) -> Progress:
        if not self.enabled:
            return self
        if self.stream.isatty():
            self._bar = RichProgress(
                TextColumn("speech"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(f"(cache {self.hits})"),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task("speech", total=self.total, completed=self.hits)
        else:
            self._line()
        return self

    def advance(self) -> None:
        self.done += 1
        if not self.enabled:
            return
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=self.done)
        elif self.done - self._last_line >= self._step or self.done == self.total:
            self._line()

    def _line(self) -> None:
        self._last_line = self.done
        print(
            f"episode: synthesized {self.done}/{self.total} (cache {self.hits})",
            file=self.stream,
            flush=True,
        )


class SecondsProgress(_Display):
    """Seconds of an episode rendered of `total_s` (the video stage): a bar on a terminal,
    else a line such as "episode: video 40% (16:56 of 42:21)" about every tenth."""

    def __init__(
        self, total_s: float, label: str, *, enabled: bool | None = None,
        stream: TextIO | None = None,
    ) -> None:
        super().__init__(stream, enabled is not False and total_s > 0)
        self.total_s = total_s
        self.label = label
        self._next_tenth = 1

    def __enter__(self) -> SecondsProgress:
        if self.enabled and self.stream.isatty():
            self._bar = RichProgress(
                TextColumn(self.label), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(), console=Console(file=self.stream), transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total_s)
        elif self.enabled:
            self._print(0.0)
        return self

    def update(self, done_s: float) -> None:
        done_s = min(done_s, self.total_s)
        if not self.enabled:
            return
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done_s)
            return
        tenth = int(done_s / self.total_s * 10)
        if tenth >= self._next_tenth:
            self._next_tenth = tenth + 1
            self._print(done_s)

    def _print(self, done_s: float) -> None:
        percent = round(done_s / self.total_s * 100)
        print(
            f"episode: {self.label} {percent}% ({_clock(done_s)} of {_clock(self.total_s)})",
            file=self.stream, flush=True,
        )


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


class StepReport(_Display):
    """The stages after synthesis (music, subtitles, mixing, loudness, encoding and
    verification, tagging, bundle), so a 30-50 s encode of a long episode does not look like a
    hang: a spinner with the stage and its elapsed time on a terminal, one line per stage
    otherwise. `enabled` as for Progress."""

    def __init__(self, enabled: bool | None = None, stream: TextIO | None = None) -> None:
        super().__init__(stream, enabled is not False)
        self._quarter = 0
        self._stage = ""

    def start(self, stage: str) -> None:
        self._quarter, self._stage = 0, stage
        if not self.enabled:
            return
        if not self.stream.isatty():
            print(f"episode: {stage}…", file=self.stream, flush=True)
            return
        if self._bar is None:
            self._bar = RichProgress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=True,
            )
            self._bar.start()
        if self._task is not None:
            self._bar.update(self._task, visible=False)
        self._task = self._bar.add_task(stage, total=None)

    def progress(self, fraction: float) -> None:
        """How far the current stage is (0 to 1): the bar fills on a terminal; plain output
        prints a line every quarter."""
        if not self.enabled:
            return
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, total=1.0, completed=fraction)
        elif self._bar is None and int(fraction * 4) > self._quarter:
            self._quarter = int(fraction * 4)
            print(f"episode: {self._stage} {round(fraction * 100)}%", file=self.stream, flush=True)

    def done(self) -> None:
        self._stop()

    def __enter__(self) -> StepReport:
        return self
