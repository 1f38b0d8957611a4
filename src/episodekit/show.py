"""The show: who makes the episodes and how they are published, from `show.toml`.

A `show.toml` in the current directory (beside `scripts/` and `voices/`) wins over the shipped
default (`episode init` writes a commented copy). It is validated once, when loaded: an unknown
key, a wrong type or a missing file is one line naming the file and the key, so a typo never
silently falls back to a default.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast

from episodekit import chinese, resources
from episodekit.errors import EpisodeError
from episodekit.model import ChineseScript

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SHOW_FILE = "show.toml"
LANGUAGES: dict[ChineseScript, str] = {"hant": "zh-TW", "hans": "zh-CN"}
SUBTITLE_SCRIPTS = ("keep", "hans", "hant")
MAX_DESCRIPTION_BYTES = 4000  # Apple: the channel's description

# Apple Podcasts' categories and their subcategories (podcasters.apple.com, "Apple Podcasts
# categories"): a feed with any other text is refused by Apple, so a typo is caught here.
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": (
        "Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit",
    ),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
        "Home & Garden", "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
        "Sports News", "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality",
    ),
    "Science": (
        "Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
        "Natural Sciences", "Nature", "Physics", "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships",
    ),
    "Sports": (
        "Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey",
        "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ShowError(EpisodeError):
    """A show.toml that does not parse or breaks its schema: names the file and the key."""

    def __init__(self, path: Path | str, key: str, reason: str) -> None:
        self.path = Path(path)
        self.key = key
        self.reason = reason
        where = f"{self.path}: {key}" if key else f"{self.path}"
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class CoverStyle:
    """How cover.jpg and the default artwork look."""

    font: Path | None = None  # None: the Noto Sans CJK that episodekit installs
    font_index: int | None = None  # face in a .ttc; None: by the episode's script
    background_colour: str = "#14182a"
    colour: str = "#ffffff"  # the title
    accent: str = "#e8503c"  # the show's name and the band


@dataclass(frozen=True)
class VideoStyle:
    """How the video (issue 14) sets its burned-in subtitles; validated here with the rest."""

    font: Path | None = None
    font_index: int | None = None
    font_size: int = 64
    colour: str = "#ffffff"
    outline_colour: str = "#000000"
    outline: int = 3
    margin: int = 60  # px between the subtitles and the bottom edge
    background_colour: str = "#14182a"
    background_image: Path | None = None


@dataclass(frozen=True)
class Show:
    name: str
    host: str
    language: str = ""  # "zh-TW" or "zh-CN"; "" follows each episode's script
    description: str = ""
    author: str = ""  # "" means the host
    owner_name: str = ""
    owner_email: str = ""
    copyright: str = ""
    website: str = ""
    category: str = "Technology"
    subcategory: str = ""
    explicit: bool = False
    artwork: Path | None = None
    base_url: str = ""
    loudness: float = -16.0
    voice: str = "narrator"
    subtitles: Literal["hans", "hant", "keep"] = "keep"
    cover: CoverStyle = field(default_factory=CoverStyle)
    video: VideoStyle = field(default_factory=VideoStyle)
    source: Path | None = None  # the show.toml it was read from

    def language_for(self, script: ChineseScript) -> str:
        return self.language or LANGUAGES[script]

    @property
    def script(self) -> ChineseScript:
        """The show's own script, for what all its episodes share (the artwork): its language's,
        else Traditional (the templates' own)."""
        return "hans" if self.language == "zh-CN" else "hant"

    @property
    def names(self) -> tuple[str, ...]:
        """The show's name and host as either script writes them: never a guest, never a title."""
        forms = (self, self.in_script("hant"), self.in_script("hans"))
        return tuple(dict.fromkeys(n for show in forms for n in (show.name, show.host) if n))

    def in_script(self, script: ChineseScript) -> Show:
        """The show with its name and host written in `script`, as the templates are."""
        return replace(
            self,
            name=chinese.convert(self.name, script),
            host=chinese.convert(self.host, script),
            author=chinese.convert(self.author, script),
        )

    @property
    def credited(self) -> str:
        """itunes:author and the ID3 artist: the author, else the host."""
        return self.author or self.host


# ---------------------------------------------------------------- schema

_KINDS = {str: "a string", bool: "true or false", float: "a number", int: "a whole number"}
# Every key show.toml may hold, with its TOML type: the top level, then each table's.
_TOP: dict[str, type] = {
    "name": str, "host": str, "language": str, "description": str, "author": str,
    "copyright": str, "website": str, "category": str, "subcategory": str, "explicit": bool,
    "artwork": str, "base_url": str,
}
_TABLES: dict[str, dict[str, type]] = {
    "owner": {"name": str, "email": str},
    "defaults": {"loudness": float, "voice": str, "subtitles": str},
    "cover": {
        "font": str, "font_index": int, "background_colour": str, "colour": str, "accent": str,
    },
    "video": {
        "font": str, "font_index": int, "font_size": int, "colour": str, "outline_colour": str,
        "outline": int, "margin": int, "background_colour": str, "background_image": str,
    },
}


def _typed(path: Path, key: str, value: Any, kind: type) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ShowError(path, key, f"must be {_KINDS[kind]}, not {value!r}")
    return value


def _flatten(path: Path, data: Mapping[str, Any]) -> dict[str, Any]:
    """{"owner": {"name": x}} -> {"owner.name": x}, every key known and every value typed."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in _TABLES:
            if not isinstance(value, dict):
                raise ShowError(path, key, "must be a table ([" + key + "])")
            for sub, item in value.items():
                name = f"{key}.{sub}"
                if sub not in _TABLES[key]:
                    raise ShowError(path, name, "unknown key")
                flat[name] = _typed(path, name, item, _TABLES[key][sub])
        elif key in _TOP:
            flat[key] = _typed(path, key, value, _TOP[key])
        else:
            raise ShowError(path, key, "unknown key")
    return flat


def _file(path: Path, key: str, value: str) -> Path | None:
    """A path given in show.toml, relative to it; it must exist."""
    if not value:
        return None
    found = (path.parent / value).expanduser()
    if not found.is_file():
        raise ShowError(path, key, f"file {value!r} does not exist (looked in {found})")
    return found


def _check_values(path: Path, v: dict[str, Any]) -> None:
    def require(key: str, ok: bool, reason: str) -> None:
        if key in v and not ok:
            raise ShowError(path, key, reason)

    require("name", bool(v.get("name", "x").strip()), "must not be empty")
    size = len(v.get("description", "").encode("utf-8"))
    require("description", size <= MAX_DESCRIPTION_BYTES,
            f"is {size} bytes; Apple Podcasts allows {MAX_DESCRIPTION_BYTES}")
    require("host", bool(v.get("host", "x").strip()), "must not be empty")
    require("language", v.get("language") in ("", *LANGUAGES.values()),
            "must be \"zh-TW\", \"zh-CN\" or \"\" (follow the script)")
    require("category", v.get("category") in APPLE_CATEGORIES,
            f"{v.get('category')!r} is not an Apple Podcasts category")
    category = v.get("category", Show.category)
    require("subcategory", v.get("subcategory") in ("", *APPLE_CATEGORIES.get(category, ())),
            f"{v.get('subcategory')!r} is not a subcategory of {category!r}")
    require("owner.email", _EMAIL.match(v.get("owner.email", "")) is not None
            or not v.get("owner.email"), "is not an email address")
    require("base_url", str(v.get("base_url", "")).startswith(("https://", "http://"))
            or not v.get("base_url"), "must start with https:// (where out/ is served)")
    require("website", str(v.get("website", "")).startswith(("https://", "http://"))
            or not v.get("website"), "must start with https:// or http://")
    require("defaults.subtitles", v.get("defaults.subtitles") in SUBTITLE_SCRIPTS,
            "must be \"keep\", \"hans\" or \"hant\"")
    require("defaults.loudness", -30.0 <= v.get("defaults.loudness", -16.0) <= -9.0,
            "must be between -30 and -9 LUFS")
    for key, value in v.items():
        if key.endswith(("colour", "accent")):
            require(
                key, bool(_COLOUR.match(value)), f'must be a colour like "#ff8800", not {value!r}'
            )
        if key in ("video.font_size", "video.outline", "video.margin", "cover.font_index",
                   "video.font_index"):
            require(key, 0 <= value <= 1000, "is out of range (0 to 1000)")
    require("video.font_size", v.get("video.font_size", 1) > 0, "must be above 0")


def parse_show(text: str, path: Path) -> Show:
    """The Show in `text` (the content of `path`, used for messages and relative paths)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ShowError(path, "", f"is not valid TOML: {error}") from error
    v = _flatten(path, data)
    _check_values(path, v)
    for key in ("name", "host"):
        if key not in v:
            raise ShowError(path, key, "is missing")
    cover = CoverStyle(
        font=_file(path, "cover.font", v.get("cover.font", "")),
        font_index=v.get("cover.font_index"),
        background_colour=v.get("cover.background_colour", CoverStyle.background_colour),
        colour=v.get("cover.colour", CoverStyle.colour),
        accent=v.get("cover.accent", CoverStyle.accent),
    )
    video = VideoStyle(
        font=_file(path, "video.font", v.get("video.font", "")),
        font_index=v.get("video.font_index"),
        font_size=v.get("video.font_size", VideoStyle.font_size),
        colour=v.get("video.colour", VideoStyle.colour),
        outline_colour=v.get("video.outline_colour", VideoStyle.outline_colour),
        outline=v.get("video.outline", VideoStyle.outline),
        margin=v.get("video.margin", VideoStyle.margin),
        background_colour=v.get("video.background_colour", VideoStyle.background_colour),
        background_image=_file(path, "video.background_image", v.get("video.background_image", "")),
    )
    return Show(
        name=v["name"].strip(),
        host=v["host"].strip(),
        language=v.get("language", ""),
        description=v.get("description", "").strip(),
        author=v.get("author", "").strip(),
        owner_name=v.get("owner.name", "").strip(),
        owner_email=v.get("owner.email", "").strip(),
        copyright=v.get("copyright", "").strip(),
        website=v.get("website", ""),
        category=v.get("category", Show.category),
        subcategory=v.get("subcategory", ""),
        explicit=v.get("explicit", False),
        artwork=_file(path, "artwork", v.get("artwork", "")),
        base_url=v.get("base_url", ""),
        loudness=v.get("defaults.loudness", Show.loudness),
        voice=v.get("defaults.voice", Show.voice),
        subtitles=cast(Literal["hans", "hant", "keep"], v.get("defaults.subtitles", "keep")),
        cover=cover,
        video=video,
        source=path,
    )


def find_show_file(explicit: Path | None = None, cwd: Path | None = None) -> Path:
    """The show.toml to use: an explicit one, else ./show.toml, else the shipped default."""
    if explicit is not None:
        return explicit
    # Relative when it is the current folder's, so that messages name it as the user does.
    local = cwd / SHOW_FILE if cwd is not None else Path(SHOW_FILE)
    if local.is_file():
        return local
    return resources.default_file(SHOW_FILE)


def load_show(explicit: Path | None = None, cwd: Path | None = None) -> Show:
    path = find_show_file(explicit, cwd)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise ShowError(path, "", f"cannot be read: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise ShowError(path, "", "is not UTF-8") from error
    return parse_show(text, path)


def default_show() -> Show:
    """The show episodekit ships (what `episode init` writes), whatever the current folder."""
    return load_show(resources.default_file(SHOW_FILE))
