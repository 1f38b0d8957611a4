"""Checks a narration script must pass, whoever wrote it (the templates or a language model).

    problems = check_script(script)              # rules that need only the script
    problems = check_script(script, doc)         # plus the ones that compare with the summary

Each check returns a list of Problem (empty when the script passes); `check_script` runs them
all. The same functions measure the channel's figures (`narration_stats`) so a bench and a test
count the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from episodekit import chinese
from episodekit.model import Document, Script
from episodekit.wording import ASIDES, CHATTER, looks_like_person

__all__ = [
    "CHECKS",
    "Problem",
    "body_sentences",
    "check_script",
    "narration_stats",
]


@dataclass(frozen=True)
class Problem:
    """One broken rule: `rule` names it (the check's name), `text` quotes where."""

    rule: str
    text: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.text}"


# ---------------------------------------------------------------- sentences and counts

RGX_SENTENCE = re.compile(r"[^。？！?!]+[。？！?!]*[」』”’）)]*")
# Ordinals as the issue lists them, at the start of a sentence or clause.
ORDINALS = ("首先", "其次", "另外", "此外", "同時", "還有", "最後", "再次")
COUNTED = tuple(f"第{n}" for n in "一二三四五六七八九十")
RGX_ORDINAL_START = re.compile(
    r"^(?:那麼|那么|而|但|好了)?[，,]?(?:" + "|".join(ORDINALS + COUNTED) + r"|其次|最后|还有)"
)
CONTRAST = ("但是", "不過", "然而", "不过")
# Attribution verbs and frames of NARRATION.md (Traditional forms; the body is compared after
# conversion to Traditional).
ATTRIBUTION = (
    "指出",
    "直言",
    "坦言",
    "強調",
    "認為",
    "表示",
    "補充道",
    "相信",
    "解釋說",
    "回答說",
    "提到",
    "談到",
    "在他看來",
    "在她看來",
    "給出的回答是",
    "問道",
    "追問",
)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _hant(text: str) -> str:
    return chinese.convert(text, "hant")


def body_text(script: Script) -> str:
    """Every paragraph of every chapter, one per line (chapter titles are not spoken)."""
    return "\n".join(p.text for c in script.chapters for p in c.paragraphs)


def body_sentences(script: Script) -> list[str]:
    return [s.strip() for s in RGX_SENTENCE.findall(body_text(script)) if s.strip()]


def cjk_count(text: str) -> int:
    return len(CJK.findall(text))


def is_ordinal_sentence(sentence: str) -> bool:
    return bool(RGX_ORDINAL_START.match(_hant(sentence)))


def narration_stats(script: Script) -> dict[str, float]:
    """Figures of NARRATION.md per 1000 Chinese characters of body: ordinals opening a sentence,
    contrast words, attribution verbs (all, and distinct), questions; plus sentence counts."""
    body = _hant(body_text(script))
    sentences = body_sentences(script)
    per_k = 1000 / max(cjk_count(body), 1)
    verbs = [v for v in ATTRIBUTION if v in body]
    return {
        "chars": cjk_count(body),
        "sentences": len(sentences),
        "ordinals": round(sum(map(is_ordinal_sentence, sentences)) * per_k, 2),
        "contrast": round(sum(body.count(w) for w in CONTRAST) * per_k, 2),
        "attribution": round(sum(body.count(v) for v in ATTRIBUTION) * per_k, 2),
        "attribution_distinct": len(verbs),
        "questions": round((body.count("？") + body.count("?")) * per_k, 2),
    }


# ---------------------------------------------------------------- checks on the script alone


def check_chatter(script: Script) -> list[Problem]:
    """Nothing a summarizer says to its user, and no note-taker's aside, is narrated."""
    found = []
    for sentence in body_sentences(script):
        plain = _hant(sentence)
        for name, _why, pattern in (*CHATTER, *ASIDES):
            if pattern.search(plain):
                found.append(Problem("chatter", f"{name}: {sentence}"))
                break
    return found


def check_title(script: Script) -> list[Problem]:
    """A title exists, and the body never says it in quotation marks nor says 「」."""
    found = []
    if not script.title.strip():
        found.append(Problem("empty_title", "title is empty"))
    body = body_text(script)
    if re.search(r"「\s*」|“\s*”", body):
        found.append(Problem("empty_quotes", "the body says 「」"))
    if script.title.strip() and f"「{script.title.strip()}」" in body:
        found.append(Problem("title_quoted", f"「{script.title}」"))
    return found


def _squash(text: str) -> str:
    """`text` to compare by content: no punctuation or spaces, and 但是 (the spoken form the
    narrator gives a written 但) counted as 但."""
    text = _hant(text).replace("但是", "但")
    return "".join(c for c in text if unicodedata.category(c)[0] not in "PZC").lower()


def check_label_echo(script: Script) -> list[Problem]:
    """A short sentence (a bullet's label) is not repeated by the next one, and no heading is
    read with its label colon ("我們先來看看核心：…")."""
    found = []
    for chapter in script.chapters:
        for paragraph in chapter.paragraphs:
            sentences = [s for s in RGX_SENTENCE.findall(paragraph.text) if s.strip()]
            for first, second in pairwise(sentences):
                label = RGX_ORDINAL_START.sub("", _hant(first)).lstrip("是，,")
                core = _squash(label)
                if 0 < len(core) <= 16 and core in _squash(second):
                    found.append(Problem("label_echo", first + second))
        said = _hant("".join(p.text for p in chapter.paragraphs))
        if re.search(r"[:：]", chapter.title) and _hant(chapter.title) in said:
            found.append(Problem("heading_colon_read", chapter.title))
    return found


def _lead_in(chapter_title: str, first_sentence: str) -> str:
    """A chapter's first sentence with the chapter's own words taken out: what is left is the
    template of its lead-in, to compare between chapters."""
    lead = _hant(first_sentence)
    for part in re.split(r"[:：]", _hant(chapter_title)):
        if part.strip():
            lead = lead.replace(part.strip(), "{t}")
    return lead


def check_lead_ins(script: Script) -> list[Problem]:
    """No chapter is entered with the same words as another one."""
    seen: dict[str, str] = {}
    found = []
    for chapter in script.chapters[1:]:
        if not chapter.paragraphs:
            continue
        first = next(iter(RGX_SENTENCE.findall(chapter.paragraphs[0].text)), "")
        lead = _lead_in(chapter.title, first)
        if "{t}" not in lead:
            continue  # entered by content, not by an announcement
        if lead in seen:
            found.append(Problem("repeated_lead_in", f"{lead} ({seen[lead]} / {chapter.title})"))
        seen.setdefault(lead, chapter.title)
    return found


def check_ordinals(script: Script, limit: float = 1 / 6) -> list[Problem]:
    """Ordinals open at most one sentence in six, and never nest (其次…第一…第六)."""
    sentences = body_sentences(script)
    ordinal = [s for s in sentences if is_ordinal_sentence(s)]
    found = []
    if sentences and len(ordinal) > limit * len(sentences):
        found.append(Problem("too_many_ordinals", f"{len(ordinal)} of {len(sentences)} sentences"))
    for paragraph in (p for c in script.chapters for p in c.paragraphs):
        text = _hant(paragraph.text)
        clauses = re.split(r"[。？！：；，]", text)
        outer = any(c.strip().startswith(ORDINALS) for c in clauses)
        inner = any(c.strip().startswith(COUNTED[:2]) for c in clauses)
        if outer and inner:
            found.append(Problem("nested_numbering", paragraph.text[:60]))
    return found


# A half-width mark between (or right after/before) Chinese characters.
_WIDE = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef「」“”"
RGX_HALF_BY_CJK = re.compile(rf"(?<=[{_WIDE}])[,:;?!()]|[,:;?!()](?=[{_WIDE}])")


def check_typography(script: Script) -> list[Problem]:
    """Full-width commas, colons, brackets next to Chinese characters; one script only."""
    found = []
    for paragraph in (p for c in script.chapters for p in c.paragraphs):
        for m in RGX_HALF_BY_CJK.finditer(paragraph.text):
            around = paragraph.text[max(0, m.start() - 6) : m.end() + 6]
            found.append(Problem("half_width", around))
    body = body_text(script)
    changed = chinese.one_script(body, script.script)
    if changed != body:
        diffs = {
            body[max(0, i - 2) : i + 2]
            for i, (a, b) in enumerate(zip(body, changed, strict=False))
            if a != b
        }
        found.append(Problem("mixed_script", "、".join(sorted(diffs)[:8]) or "length changed"))
    return found


# ---------------------------------------------------------------- checks against the summary


def check_guest(script: Script, doc: Document) -> list[Problem]:
    """The guest is a person or nobody: never a product, model, company or event."""
    if doc.guest and not looks_like_person(doc.guest):
        return [Problem("guest_not_a_person", doc.guest)]
    return []


def check_closing_kept(script: Script, doc: Document) -> list[Problem]:
    """Every sentence of the summary's closing section that is not a sign-off reaches the script."""
    if not doc.sections:
        return []
    said = _squash(body_text(script))
    found = []
    for block in doc.sections[-1].blocks:
        for piece in RGX_SENTENCE.findall(block.text):
            core = _squash(piece)
            if core and core not in said:
                found.append(Problem("closing_dropped", piece))
    return found


ScriptCheck = Callable[[Script], list[Problem]]
DocCheck = Callable[[Script, Document], list[Problem]]
CHECKS: tuple[tuple[str, ScriptCheck], ...] = (
    ("chatter", check_chatter),
    ("title", check_title),
    ("label_echo", check_label_echo),
    ("lead_ins", check_lead_ins),
    ("ordinals", check_ordinals),
    ("typography", check_typography),
)
DOC_CHECKS: tuple[tuple[str, DocCheck], ...] = (
    ("guest", check_guest),
    ("closing", check_closing_kept),
)


def check_script(script: Script, doc: Document | None = None) -> list[Problem]:
    """Every problem found in `script` (with `doc`, also the ones that need the summary)."""
    problems = [p for _, check in CHECKS for p in check(script)]
    if doc is not None:
        problems += [p for _, check in DOC_CHECKS for p in check(script, doc)]
    return problems
