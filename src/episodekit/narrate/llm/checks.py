"""What a model's chapter must be before it goes into a script: the checks, and the reasons
given back to the model when it is asked again (and to the user when it falls back).

Every check reads the answer and the material the model was given (the chapter's points, the
neighbouring titles, the source excerpt): a number or a Latin-script name that is not in the
material was invented; a point whose key terms are missing was dropped.

The checks are tables of (pattern, why) where they are patterns, so a new kind of chatter is a
new row, not a new branch.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from episodekit import chinese
from episodekit.model import Chapter, ChineseScript, Paragraph, Script
from episodekit.narrate.checks import CHECKS

# Allowed distance from the asked length, as a fraction of it (the issue's ±20 %).
LENGTH_TOLERANCE = 0.2
# A point counts as covered when this share of its distinctive two-character pieces is in the
# answer (a paraphrase keeps the nouns; a dropped point keeps almost none). A chapter condensed
# to a fraction of its material keeps that fraction of this share.
COVERAGE_RATIO = 0.25
MAX_DROPPED_SHARE = 0.5
# Characters of the other script an answer may hold: OpenCC judges some characters the
# Taiwanese standard also uses (台, 后) as Simplified, so a handful is not a wrong script.
OTHER_SCRIPT_SHARE = 0.05
OTHER_SCRIPT_MIN = 2

# Markup and layout that a spoken paragraph never has.
NOT_SPOKEN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*#", re.MULTILINE), "has a heading"),
    (re.compile(r"^\s*(?:[-*•+]\s|\d+[.)]\s|\d+、|[一二三四五六七八九十]+、)", re.MULTILINE),
     "has a bullet or a numbered list"),
    (re.compile(r"\*\*|__|`|\[[^\]]*\]\([^)]*\)|^\s*\|", re.MULTILINE), "has Markdown"),
    (re.compile(r"https?://|www\.", re.IGNORECASE), "has a URL"),
    (re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]"), "has an emoji"),
)

# The channel's own greeting and sign-off: the show says them, never the model (matched on the
# answer converted to Traditional, so one table serves both scripts).
SIGNATURE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"大家好|各位(觀眾|朋友)"), "greets the audience (the show's greeting does that)"),
    # The show's own name and host come from show.toml (`show_words` in problems()).
    (re.compile(r"這裡是.{1,12}[，,]我是|歡迎(來到|收看)"),
     "introduces the show (the greeting does that)"),
    (re.compile(r"以上就是|感謝(大家)?(收看|觀看|收聽)|下期再見|我們下次見"),
     "signs off (the show's sign-off does that)"),
)

# What an assistant says to its user rather than to the audience.
CHATTER: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"作為一?個?(AI|人工智慧|語言模型|人工智能)", re.IGNORECASE), "speaks as an AI"),
    (re.compile(r"以下是|如下[：:]|這是(一份|為(您|你)|我(為|幫|整理|寫))"),
     "introduces its answer"),
    (re.compile(r"^(好的|當然|沒問題)[，,！!。]"), "answers the request (好的…)"),
    (re.compile(r"希望(這|以上|我的)?.{0,6}(對你|對您|對大家)有.{0,2}幫助"), "hopes it helped"),
    (re.compile(r"如需|如果(你|您)需要|請告訴我|需要我"), "offers more help"),
    (re.compile(r"(為|幫)(你|您)(整理|撰寫|寫)"), "talks to its user"),
)

RGX_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
RGX_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-+.'’][A-Za-z0-9]+)*")
RGX_QUOTED = re.compile(r"「([^」]{1,12})」")
# Latin words so generic that using one is not naming anybody.
COMMON_LATIN = frozenset({"ai"})


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def spoken_length(text: str) -> int:
    """Characters as the length target counts them: Chinese characters plus Latin words."""
    return sum(1 for ch in text if _is_cjk(ch)) + len(RGX_LATIN.findall(text))


def numbers(text: str) -> set[str]:
    """The numbers written in digits, width folded, thousands separators dropped."""
    folded = unicodedata.normalize("NFKC", text)
    return {n.replace(",", "") for n in RGX_NUMBER.findall(folded)}


def latin_names(text: str) -> set[str]:
    folded = unicodedata.normalize("NFKC", text)
    return {w.casefold() for w in RGX_LATIN.findall(folded) if len(w) > 1}


def _bigrams(text: str) -> set[str]:
    pairs = (text[i : i + 2] for i in range(len(text) - 1))
    return {pair for pair in pairs if _is_cjk(pair[0]) and _is_cjk(pair[-1])}


@dataclass(frozen=True)
class Point:
    """One point of the material and what shows it was retold."""

    text: str
    terms: frozenset[str]  # distinctive Latin names, numbers, its label, quoted terms (folded)
    pieces: frozenset[str]  # distinctive two-character pieces


def points_with_terms(texts: list[tuple[str, str]]) -> list[Point]:
    """(label, text) per point -> Points whose terms and pieces are not shared with the other
    points of the chapter (a name every point mentions shows nothing)."""
    raw = []
    for label, text in texts:
        whole = f"{label} {text}"
        terms = latin_names(whole) | numbers(whole) | set(RGX_QUOTED.findall(whole))
        if label and len(label) <= 12:
            terms.add(label.casefold())
        raw.append((text, {t.casefold() for t in terms}, _bigrams(whole)))
    points = []
    for index, (text, terms, pieces) in enumerate(raw):
        others_terms = set().union(*(r[1] for i, r in enumerate(raw) if i != index))
        others_pieces = set().union(*(r[2] for i, r in enumerate(raw) if i != index))
        points.append(
            Point(text, frozenset(terms - others_terms), frozenset(pieces - others_pieces))
        )
    return points


def _covered(point: Point, answer: str, kept: float) -> bool:
    folded = answer.casefold()
    if any(term in folded for term in point.terms):
        return True
    if not point.pieces:
        return True  # nothing distinctive to look for: no evidence it was dropped
    found = sum(1 for piece in point.pieces if piece in answer)
    return found > 0 and found / len(point.pieces) >= COVERAGE_RATIO * kept


def _preview(text: str, size: int = 24) -> str:
    return text if len(text) <= size else text[:size] + "…"


def _table(text: str, table: Iterable[tuple[re.Pattern[str], str]]) -> list[str]:
    found = []
    for pattern, why in table:
        match = pattern.search(text)
        if match:
            found.append(f"{why}: «{_preview(match.group(0).strip(), 16)}»")
    return found


def problems(
    answer: str,
    *,
    material: str,
    points: list[Point],
    script: ChineseScript,
    target_chars: int,
    kept: float = 1.0,
    show_words: tuple[str, ...] = (),
) -> list[str]:
    """What is wrong with `answer` as a chapter of spoken narration; [] when nothing is.
    `kept` is how much of its material the chapter was asked to keep (below 1: condensed)."""
    text = answer.strip()
    if not text:
        return ["is empty"]
    found = _table(text, NOT_SPOKEN)
    traditional = chinese.convert(text, "hant")
    found += _table(traditional, SIGNATURE)
    said = [word for word in show_words if word and word in text]
    if said and not any(f.startswith("introduces the show") for f in found):
        found.append(f"introduces the show (the greeting does that): «{said[0]}»")
    found += _table(traditional, CHATTER)
    invented = sorted(numbers(text) - numbers(material), key=len)
    if invented:
        found.append(f"has numbers that are not in the material: {', '.join(invented[:5])}")
    # A name counts as the material's when the material holds it, even inside a longer one
    # ("GPT" of "GPT-4o": a model may write the hyphen as another dash).
    folded = unicodedata.normalize("NFKC", material).casefold()
    names = sorted(n for n in latin_names(text) - COMMON_LATIN if n not in folded)
    if names:
        found.append(f"has names that are not in the material: {', '.join(names[:5])}")
    dropped = [p for p in points if not _covered(p, text, min(1.0, kept))]
    # Condensed to a fraction, a chapter cannot retell every turn of a long transcript: up to
    # that much of its points (at most half) may go unmentioned.
    allowed = int(len(points) * min(MAX_DROPPED_SHARE, 1.0 - min(1.0, kept)))
    for point in dropped[:3] if len(dropped) > allowed else []:
        found.append(f"leaves out the point «{_preview(point.text)}»")
    found += _script_problem(text, script)
    length = spoken_length(text)
    if abs(length - target_chars) > LENGTH_TOLERANCE * target_chars:
        found.append(f"is {length} characters long; about {target_chars} were asked for (±20%)")
    return found


def _script_problem(text: str, script: ChineseScript) -> list[str]:
    traditional, simplified = chinese.count_script_chars(text)
    other = simplified if script == "hant" else traditional
    if other > max(OTHER_SCRIPT_MIN, OTHER_SCRIPT_SHARE * (traditional + simplified)):
        names = ("Simplified", "Traditional")
        wrong, right = names if script == "hant" else names[::-1]
        return [f"is written in {wrong} characters ({other} of them); the episode is {right}"]
    return []


# The rules every script must pass whoever wrote it (chatter, title, label echo, lead-ins,
# ordinals, typography): the narrate stage's script checks, run on the chapter as a one-chapter
# script, exactly as on the template narrator's output.
ScriptCheck = Callable[[Script], Sequence[object]]
SHARED_CHECKS: tuple[ScriptCheck, ...] = tuple(check for _, check in CHECKS)


def shared_problems(title: str, paragraphs: Sequence[str], script: ChineseScript) -> list[str]:
    """What the narration checks every script passes find in one chapter."""
    if not SHARED_CHECKS:
        return []
    chapter = Chapter(title, tuple(Paragraph(text) for text in paragraphs))
    one = Script(title=title, chapters=(chapter,), script=script)
    return [str(problem) for check in SHARED_CHECKS for problem in check(one)]
