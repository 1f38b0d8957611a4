"""The small plain data model passed between the stages.

summary text --ingest--> Document --narrate--> Script --speech--> Segment[]
Segment[] --audio--> Placement[] + episode.mp3 --subtitles--> Cue[] --bundle--> files

Every type is a frozen dataclass. Times are integer milliseconds everywhere; engines convert
their own units (edge-tts's 100 ns ticks, eSpeak's sample counts) once, at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

# "hant" is Traditional Chinese, "hans" Simplified. The script's characters follow the input.
ChineseScript = Literal["hant", "hans"]

# How a script's narration was written: the Jinja2 templates, or a chat model checked by them.
Writer = Literal["template", "llm"]

# How long the silence after a segment is: sentence < paragraph < chapter; "end" is the last.
PauseLevel = Literal["sentence", "paragraph", "chapter", "end"]

# Every engine delivers audio at this rate (mono, 16-bit), so assembly never resamples.
SAMPLE_RATE = 24_000

# A CTOC frame counts its children in one byte: an MP3's ID3 tag holds the first 255 chapters;
# the manifest (and chapters.txt, the feed) keep them all.
MAX_ID3_CHAPTERS = 255


# ---------------------------------------------------------------- document (ingest output)


@dataclass(frozen=True)
class Point:
    """A bullet or numbered item: `label` a bold lead-in ("革命性飛躍"), `children` nested items."""

    text: str
    label: str = ""
    children: tuple[Point, ...] = ()


@dataclass(frozen=True)
class Turn:
    """One speaker's turn in an interview transcript.

    `speaker` is the label as written ("SA", "主持人", "Sam Altman"; "" when the line had no
    prefix); `role` says who it is in the conversation.
    """

    text: str
    speaker: str = ""
    role: Literal["host", "guest"] = "guest"


@dataclass(frozen=True)
class Quote:
    """A block quote or a quoted line, with its speaker when the summary names one."""

    text: str
    speaker: str = ""


@dataclass(frozen=True)
class Prose:
    """A plain paragraph of the summary."""

    text: str


@dataclass(frozen=True)
class Table:
    """A table of the summary: `header` names the columns (the first column names what each row
    compares, the others the things compared), `rows` hold the cells, row by row."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @property
    def text(self) -> str:
        """Every cell, for "does this text reach the script" checks."""
        return "，".join(cell for row in (self.header, *self.rows) for cell in row if cell)


Block = Point | Turn | Quote | Prose | Table


@dataclass(frozen=True)
class Section:
    """A chapter of the summary: a heading and the blocks under it (title may be "")."""

    title: str
    blocks: tuple[Block, ...] = ()


@dataclass(frozen=True)
class Document:
    """A cleaned, parsed summary. Nothing in it is markup; every string is narratable text."""

    title: str
    sections: tuple[Section, ...]
    script: ChineseScript = "hant"
    source: str = ""  # the source link, for the description; never read aloud
    links: tuple[str, ...] = ()  # every other URL found, for the description
    guest: str = ""  # the main guest's name when known ("Sam Altman"); a person, never a product
    host: str = ""  # the interviewer's name when the summary gives one ("Sonya Huang")
    has_greeting: bool = False  # the summary brought its own "大家好，這裡是…" greeting
    has_signoff: bool = False  # the summary brought its own "…我們下期再見"


# ------------------------------------------------ script (narrate output, user-edited)


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of script.md: one unit of synthesis. `speaker` picks the voice profile."""

    text: str
    speaker: str = "narrator"


@dataclass(frozen=True)
class Chapter:
    """A `##` chapter of the script."""

    title: str
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Script:
    """The narration script, as script.md holds it (front matter + chapters)."""

    title: str
    chapters: tuple[Chapter, ...]
    source: str = ""
    voice: str = "narrator"  # the default voice profile
    script: ChineseScript = "hant"
    summary: str = ""  # a one- or two-sentence description for the upload form
    links: tuple[str, ...] = ()
    writer: Writer = "template"  # who wrote the narration
    model: str = ""  # the language model, when the writer is "llm"


@dataclass(frozen=True)
class ChapterTokens:
    """What writing one chapter (0 is the opening) with a language model took."""

    title: str
    prompt_tokens: int
    completion_tokens: int
    requests: int  # answers the service sent in this run
    from_cache: int  # answers read from the cache
    fallback: str = ""  # why the template narration was used instead; "" when it was not


@dataclass(frozen=True)
class WriterReport:
    """The language-model writer's account of a script, for the manifest and the report."""

    writer: Writer
    model: str
    chapters: tuple[ChapterTokens, ...]
    requests: int  # requests sent, retries included
    estimated_seconds: float

    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens for c in self.chapters)

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.chapters)

    @property
    def from_cache(self) -> int:
        return sum(c.from_cache for c in self.chapters)


# ---------------------------------------------------------------- speech (engine output)


@dataclass(frozen=True)
class Word:
    """A word the engine spoke: its time within its segment, and the span of *script* text it
    covers (`text[text_start:text_end]` of the segment's `text`, not of the respelled speech)."""

    start_ms: int
    end_ms: int
    text_start: int
    text_end: int


@dataclass(frozen=True)
class VoiceSettings:
    """What an engine needs to know to speak: the engine's own voice name and prosody."""

    engine: str  # "edge" | "offline"
    voice: str  # "zh-CN-YunxiNeural" or an eSpeak voice such as "cmn"
    rate: str = "+0%"
    pitch: str = "+0Hz"
    volume: str = "+0%"


@dataclass(frozen=True)
class Segment:
    """One synthesized piece of the episode, in script order.

    `text` is what the subtitles show (the script's text); `spoken` is what the engine was given
    (the lexicon's respellings applied). `audio` is a WAV file: mono, 16-bit, 24 kHz.
    """

    index: int
    chapter: int  # index into Script.chapters
    paragraph: int  # index into that chapter's paragraphs
    speaker: str
    text: str
    spoken: str
    audio: Path
    duration_ms: int
    words: tuple[Word, ...]
    voice: VoiceSettings
    pause_after: PauseLevel = "paragraph"
    from_cache: bool = False


@dataclass(frozen=True)
class Placement:
    """Where a segment sits in the finished episode."""

    segment: Segment
    start_ms: int

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.segment.duration_ms


# ---------------------------------------------------------------- subtitles and bundle


@dataclass(frozen=True)
class Cue:
    """One subtitle cue; `lines` has one or two lines of text."""

    start_ms: int
    end_ms: int
    lines: tuple[str, ...]


@dataclass(frozen=True)
class ChapterMark:
    """A chapter of the finished episode (ID3 CHAP, YouTube chapters, manifest)."""

    title: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class BuildStats:
    synthesized: int = 0
    from_cache: int = 0
    wall_seconds: float = 0.0
    engine: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # stage name -> seconds
    writer: WriterReport | None = None  # when a language model wrote the script in this build


# ---------------------------------------------------------------- audio (options and report)


@dataclass(frozen=True)
class Pauses:
    """Silence, in ms, after a segment by its `pause_after`, and around the whole voice track."""

    sentence: int = 250
    paragraph: int = 600
    chapter: int = 1200
    lead_in: int = 300  # before the first segment, so players that fade in do not clip it
    tail: int = 800  # after the last segment; the last subtitle may run into it

    def after(self, level: PauseLevel) -> int:
        # "end" on a segment that is not the last is treated as a chapter break.
        return {"sentence": self.sentence, "paragraph": self.paragraph}.get(level, self.chapter)


@dataclass(frozen=True)
class Music:
    """User-named music files (any format ffmpeg reads). Gains are relative to the file."""

    intro: Path | None = None
    outro: Path | None = None
    bed: Path | None = None  # looped under the voice, from the intro's end to the outro
    bed_gain_db: float = -20.0
    duck_db: float = 12.0  # how much further the bed goes down while the voice speaks


@dataclass(frozen=True)
class AudioReport:
    duration_ms: int
    integrated_lufs: float
    true_peak_dbtp: float
    target_lufs: float
    verified: bool  # True: both values were measured on the decoded final MP3
    attempts: int = 1  # encoding passes needed to land within tolerance
    seconds_by_step: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Tags:
    """The ID3 tags of the episode MP3."""

    title: str
    artist: str = ""
    album: str = ""
    date: str = ""  # "2024-05-01" or "2024"
    comment: str = ""
    language: str = "zho"  # ISO 639-2, for the COMM and TLAN frames
    copyright: str = ""  # TCOP: "2026 name" (ID3 wants the year first)
    url: str = ""  # WOAS: the page of the talk the episode retells
    artwork: Path | None = None  # APIC front cover: a JPEG of at most 3000 px


@dataclass(frozen=True)
class WriterOptions:
    """Who writes the narration of a summary: the templates, or a language model (`--writer
    llm`) with its model, a source transcript, a target length and strictness."""

    writer: Writer = "template"
    model: str | None = None
    source: Path | None = None
    minutes: float | None = None
    strict: bool = False
    jobs: int | None = None  # requests in flight at once (default 4)
    cache_dir: Path | None = None
    ask_again: bool = False  # --regenerate-script: do not reuse cached answers
