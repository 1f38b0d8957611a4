r"""Template data -> Script: render the Jinja2 templates in scripts/ into the script body.

episode.j2 renders the body in the script.md format (`## ` chapters, blank-line paragraphs,
optional `[speaker] ` tags), which is then converted to the Document's Chinese script and parsed
by scriptfile.parse_body.

Summary text is data, never template code or structure: it is passed as values (Jinja does not
evaluate values), and the characters that could start structure in the body (`#`, `[`, `\`)
are swapped for private-use placeholders until the body is parsed.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from episodekit import chinese, resources
from episodekit.errors import ScriptFormatError, TemplateError
from episodekit.model import (
    Chapter,
    ChineseScript,
    Document,
    Paragraph,
    Script,
)
from episodekit.narrate.context import EPISODE_TEMPLATE, SUMMARY_TEMPLATE, context
from episodekit.narrate.scriptfile import parse_body
from episodekit.narrate.text import (
    _RESTORE,
    RGX_SPACES,
    add_subject,
    clause,
    clean,
    is_question,
    sentence,
)
from episodekit.show import Show, default_show

# ---------------------------------------------------------------- rendering


class _ScriptLoader(jinja2.FileSystemLoader):
    """Loads templates converted to the episode's Chinese script. Converting the template text
    rather than the rendered script leaves the summary's own text alone: OpenCC is not
    idempotent on text already in the target script (s2tw turns 只 into 隻, 注重 into 註重)."""

    def __init__(self, folder: Path, script: ChineseScript) -> None:
        super().__init__(str(folder))
        self.script = script

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        return chinese.convert(source, self.script), filename, uptodate


# Limits on what a template may do: the sandbox already stops range() at 100000 items, but
# nested loops, `'x' * 10**10` or a recursive macro still hung or ran out of memory.
TEMPLATE_SECONDS = 10.0  # a render taking longer is stopped (on the main thread, where signals go)
MAX_RENDER_CHARS = 2_000_000  # ~100 hours of narration


class _LimitedSandbox(SandboxedEnvironment):
    """Jinja's sandbox, with `*` and `**` refused when they would build something huge."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 64:
                raise _LimitError(f"'{left} ** {right}' is too big a number")
            return left**right
        sized = next((x for x in (left, right) if isinstance(x, (str, list, tuple))), None)
        count = right if sized is left else left
        if sized is not None and isinstance(count, int) and len(sized) * count > MAX_RENDER_CHARS:
            raise _LimitError(f"repeating {len(sized)} items {count} times is too much output")
        return super().call_binop(context, operator, left, right)


class _LimitError(Exception):
    """A template went past one of the limits above."""


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise _LimitError in the render when it runs past `seconds` (main thread, POSIX only;
    elsewhere the output-size limit still holds)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise _LimitError(f"rendering took more than {seconds:g} s (a loop that does not end?)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def environment(
    folder: Path, script: ChineseScript = "hant", show: Show | None = None
) -> SandboxedEnvironment:
    """The sandboxed environment of a template folder, kept between calls: compiling the
    templates costs most of a narration, and Jinja reloads a template whose file changed."""
    show = show or default_show()
    try:
        return _cached_environment(folder, script, show)
    except TypeError:  # a show with an unhashable field: an environment for this call only
        return _environment(folder, script, show)


@functools.lru_cache(maxsize=16)
def _cached_environment(folder: Path, script: ChineseScript, show: Show) -> SandboxedEnvironment:
    return _environment(folder, script, show)


def _environment(folder: Path, script: ChineseScript, show: Show) -> SandboxedEnvironment:
    env = _LimitedSandbox(
        loader=_ScriptLoader(folder, script),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(sentence=sentence, clause=clause)
    env.tests.update(question=is_question)
    env.globals.update(add_subject=add_subject)
    # A global rather than context data, so that templates imported without context
    # (`{% import "phrases.j2" as p %}`) see the show too.
    env.globals["show"] = _template_show(show or default_show(), script)
    return env


def _template_show(show: Show, script: ChineseScript) -> dict[str, str]:
    """What templates see as `show`: its name and host in the episode's script (as the
    templates' own text is), protected like any other data."""
    written = show.in_script(script)
    return {"name": clean(written.name), "host": clean(written.host)}


def _template_frames(tb: TracebackType | None) -> Iterator[tuple[str, int]]:
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            yield filename, tb.tb_lineno
        tb = tb.tb_next


def render(
    folder: Path, name: str, data: dict[str, Any], script: ChineseScript = "hant",
    show: Show | None = None,
) -> str:
    """Render template `name` from `folder`; any template fault becomes one TemplateError."""
    env = environment(folder, script, show)
    try:
        with _deadline(TEMPLATE_SECONDS):
            text = env.get_template(name).render(data)
        if len(text) > MAX_RENDER_CHARS:
            raise _LimitError(f"rendered {len(text)} characters (at most {MAX_RENDER_CHARS})")
        return text
    except jinja2.TemplateSyntaxError as error:
        where = Path(error.filename) if error.filename else folder / (error.name or name)
        raise TemplateError(where, error.lineno, error.message or "syntax error") from error
    except jinja2.TemplateNotFound as error:
        raise TemplateError(folder / str(error.name or name), None, "template not found") from error
    except jinja2.TemplateError as error:
        frames = list(_template_frames(error.__traceback__))
        where, line = (Path(frames[-1][0]), frames[-1][1]) if frames else (folder / name, None)
        reason = error.message or type(error).__name__
        if isinstance(error, jinja2.UndefinedError) and "has no attribute" in reason:
            # A scripts/ folder from before a phrase list was added (issue 10 added several).
            reason += (
                f"; phrases.j2 in {folder} lacks a list the templates use: copy it from a fresh"
                " `episode init` or add the missing `{% set … %}` line"
            )
        raise TemplateError(where, line, reason) from error
    except (_LimitError, OverflowError, RecursionError, MemoryError) as error:
        # range(10**9) (OverflowError), a macro calling itself, a string too big to build.
        frames = list(_template_frames(error.__traceback__))
        where, line = (Path(frames[-1][0]), frames[-1][1]) if frames else (folder / name, None)
        reason = str(error) or type(error).__name__
        if isinstance(error, RecursionError):
            reason = "recursion too deep (a macro calling itself?)"
        raise TemplateError(where, line, reason) from None


def restore(text: str) -> str:
    return "".join(_RESTORE.get(ch, ch) for ch in text)


def narrate(
    doc: Document, templates: Path | None = None, *, voice: str = "narrator",
    show: Show | None = None,
) -> Script:
    """The narration script for `doc`, worded by the templates in `templates` (or the defaults)
    for `show` (or the shipped default show)."""
    folder = resources.find_dir("scripts", templates)
    data = context(doc)
    body = render(folder, EPISODE_TEMPLATE, data, doc.script, show)
    episode = folder / EPISODE_TEMPLATE
    try:
        chapters = parse_body(body.split("\n"), episode, voice)
    except ScriptFormatError as error:
        reason = f"the rendered script is malformed (line {error.line}: {error.reason})"
        raise TemplateError(episode, None, reason) from error
    summary = render(folder, SUMMARY_TEMPLATE, data, doc.script, show)
    return Script(
        title=restore(RGX_SPACES.sub(" ", doc.title).strip()),
        chapters=tuple(
            Chapter(
                restore(chapter.title),
                tuple(Paragraph(restore(p.text), p.speaker) for p in chapter.paragraphs),
            )
            for chapter in chapters
        ),
        source=doc.source,
        voice=voice,
        script=doc.script,
        summary=restore(RGX_SPACES.sub(" ", summary).strip()),
        links=doc.links,
    )
