"""What the model is asked, chapter by chapter: the material, the length, the prompt templates.

The material of a chapter is its blocks as plain lines (a point with its label, a turn with its
speaker, a quote with who said it), plus the neighbouring chapters' titles for bridges and, with
`--source`, the passages of the transcript about it. The length target is shared out between
chapters in proportion to their material; a chapter whose material is longer than its share is
condensed (condense.j2) rather than retold (chapter.j2).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from episodekit.model import ChineseScript
from episodekit.narrate.llm import checks
from episodekit.narrate.llm.source import relevant
from episodekit.narrate.render import render, restore
from episodekit.narrate.scriptfile import (
    CJK_CHARS_PER_SECOND,
    PARAGRAPH_PAUSE_S,
    SENTENCE_PAUSE_S,
)
from episodekit.show import Show

SYSTEM_TEMPLATE = "llm/system.j2"
OPENING_TEMPLATE = "llm/opening.j2"
CHAPTER_TEMPLATE = "llm/chapter.j2"
CONDENSE_TEMPLATE = "llm/condense.j2"

# The channel's narration is about 2.6 times as long as the summary it retells (NARRATION.md);
# without --minutes that is the target, up to this many minutes.
RETELL_RATIO = 2.6
DEFAULT_MAX_MINUTES = 20
# Characters of narration a minute, from the spoken-length model of scriptfile (a sentence of
# about 25 characters, a paragraph of about 150, with their pauses).
CHARS_PER_MINUTE = round(
    60 / (1 / CJK_CHARS_PER_SECOND + SENTENCE_PAUSE_S / 25 + PARAGRAPH_PAUSE_S / 150)
)
MIN_CHAPTER_CHARS = 50
OPENING_SHARE = 0.08  # of the body's length
OPENING_CHARS = (60, 250)
PARAGRAPH_CHARS = 180  # how long a paragraph the prompt asks for, on average


@dataclass(frozen=True)
class Job:
    """One request's worth of writing: the opening (number 0) or a chapter."""

    number: int
    title: str
    template: str
    data: dict[str, Any]  # the template's variables (without `problems`)
    material: str  # what numbers and names in the answer may come from
    points: list[checks.Point]
    target_chars: int
    kept: float = 1.0  # the share of its material the answer can keep (below 1: condensed)


def _restored(value: Any) -> str:
    return restore(str(value)).strip()


def block_lines(block: dict[str, Any]) -> tuple[str, str, str]:
    """(line for the prompt, label, text) of one block of the template context."""
    kind = block["kind"]
    text = _restored(block.get("text", ""))
    if kind == "point":
        label = _restored(block["label"])
        line = f"{label}：{text}" if label else text
        for child in block["children"]:
            child_line = block_lines(child)[0].replace("\n", "\n  ")
            line += f"\n  - {child_line}"
            text += " " + child_line
        return line, label, text
    if kind == "turn":
        who = _restored(block["name"]) or ("主持人" if block["role"] == "host" else "嘉賓")
        if block.get("unsure"):
            who = "（未標明是誰）"
        return f"{who}：{text}", "", text
    if kind == "table":  # a comparison: one line per feature, naming each thing's value
        rows = [
            _restored(row["feature"])
            + "："
            + "，".join(
                f"{'、'.join(_restored(t) for t in group['things'])}：{_restored(group['value'])}"
                for group in row["groups"]
            )
            for row in block["rows"]
        ]
        return "\n".join(rows), "", "；".join(rows)
    if kind == "quote":
        speaker = _restored(block["speaker"])
        return (f"{speaker}說：「{text}」" if speaker else f"「{text}」"), "", text
    return text, "", text


def _material_of(blocks: list[dict[str, Any]]) -> tuple[list[str], list[tuple[str, str]]]:
    lines, labelled = [], []
    for block in blocks:
        line, label, text = block_lines(block)
        lines.append(line)
        labelled.append((label, text))
    return lines, labelled


def targets(lengths: list[int], minutes: float | None, fixed_chars: int) -> tuple[int, list[int]]:
    """(opening target, chapter targets) in characters for chapters whose material has
    `lengths` characters; `fixed_chars` is what the show's own phrases already take."""
    material = max(1, sum(lengths))
    if minutes is None:
        total = min(RETELL_RATIO * material, DEFAULT_MAX_MINUTES * CHARS_PER_MINUTE)
    else:
        total = minutes * CHARS_PER_MINUTE
    body = max(total - fixed_chars, MIN_CHAPTER_CHARS * max(1, len(lengths)))
    low, high = OPENING_CHARS
    opening = int(min(high, max(low, OPENING_SHARE * body)))
    body -= opening
    chapters = [max(MIN_CHAPTER_CHARS, round(body * n / material)) for n in lengths]
    return opening, chapters


def plan(
    data: dict[str, Any],
    *,
    minutes: float | None,
    fixed_chars: int,
    passages: list[str] | None,
    phrases: dict[str, str] | None = None,
) -> list[Job]:
    """The opening and one job per chapter of the template context `data`; `phrases` are the
    show's own words the prompts may quote (`greeting`, `hand_over`)."""
    chapters = data["chapters"]
    materials = [_material_of(c["blocks"]) for c in chapters]
    lengths = [checks.spoken_length("\n".join(lines)) for lines, _ in materials]
    titles = [_restored(c["title"]) or f"第{c['number']}部分" for c in chapters]
    opening_chars, chapter_chars = targets(lengths, minutes, fixed_chars)
    common = {
        "title": _restored(data["title"]),
        "guest": _restored(data["guest"]),
        "guest_short": _restored(data["guest_short"]),
        "script": data["script"],
        "is_interview": data["is_interview"],
        "greeting": "",
        "hand_over": "",
        **(phrases or {}),
    }
    intro_lines, intro_points = _material_of(data["intro_blocks"])
    jobs = [
        Job(
            number=0,
            title="開場",
            template=OPENING_TEMPLATE,
            data={**common, "points": intro_lines, "chapter_titles": titles,
                  "target_chars": opening_chars},
            material="\n".join([common["title"], common["guest"], *intro_lines, *titles]),
            points=checks.points_with_terms(intro_points),
            target_chars=opening_chars,
        )
    ]
    for index in range(len(chapters)):
        lines, labelled = materials[index]
        target = chapter_chars[index]
        source = relevant(passages, titles[index] + "\n" + "\n".join(lines)) if passages else []
        previous = titles[index - 1] if index else ""
        following = titles[index + 1] if index + 1 < len(titles) else ""
        jobs.append(
            Job(
                number=index + 1,
                title=titles[index],
                template=CONDENSE_TEMPLATE if lengths[index] > target else CHAPTER_TEMPLATE,
                data={
                    **common,
                    "chapter": {"number": index + 1, "title": titles[index], "points": lines},
                    "previous_title": previous,
                    "next_title": following,
                    "source": source,
                    "target_chars": target,
                    "paragraphs": max(1, round(target / PARAGRAPH_CHARS)),
                },
                material="\n".join(
                    [common["title"], common["guest"], titles[index], previous, following,
                     *lines, *source]
                ),
                points=checks.points_with_terms(labelled),
                target_chars=target,
                kept=min(1.0, target / max(1, lengths[index])),
            )
        )
    return jobs


def messages(
    folder: Path, job: Job, script: ChineseScript, problems: list[str], show: Show | None = None
) -> list[dict[str, str]]:
    """The chat messages for `job`: the system prompt and the job's prompt, with what was wrong
    with the last answer when it is asked again. The templates see `show` (name, host)."""
    system = render(folder, SYSTEM_TEMPLATE, job.data, script, show)
    user = render(folder, job.template, {**job.data, "problems": problems}, script, show)
    return [
        {"role": "system", "content": system.strip()},
        {"role": "user", "content": user.strip()},
    ]
