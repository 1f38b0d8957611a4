"""How the summary's points and tables become spoken sentences, as template data.

The channel retells; it does not read bullets. So the code decides *which* form a point takes
(a label the text already says is not read; a run of short items becomes one 包括… sentence;
ordinals only open a genuine run of three or more, first and last only; a table row becomes
one comparison) and the templates decide the *words* (scripts/phrases.j2).
"""

from __future__ import annotations

import re
from typing import Any

from episodekit.model import Document, Point, Table
from episodekit.narrate.text import clause, clean

# A point that is a short phrase (no clause punctuation) can join a list: "A、B，以及C".
PHRASE_LIMIT = 24
# A label is "already said" by its text when this share of its characters and words is in it.
ECHO_SHARE = 0.5
# A table with more rows than this is summarized by its first column, not retold row by row.
TABLE_ROWS_LIMIT = 8
# Characters that say nothing on their own when comparing a label with its text.
_FILLER = set("的與与和及之是在了")
RGX_UNITS = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-+]*|[\u3400-\u9fff]")
# A point made only of a noun like this, over sub-points, names an aspect of something.
RGX_ASPECT = re.compile(
    r"^.{1,12}的(?:重要性|意義|意义|作用|優勢|优势|原因|價值|价值|影響|影响|好處|好处|挑戰|挑战|風險|风险)$"
)
# A label ending like this introduces what follows ("人們不禁好奇：…").
RGX_INTRODUCES = re.compile(
    r"(?:好奇|問|问|說|说|表示|認為|认为|指出|強調|强调|坦言|透露|提到|寫道|写道)$"
)
# A first column headed like this lists the things compared, not their features.
RGX_THINGS_COLUMN = re.compile(
    r"模型|產品|产品|公司|名稱|名称|型號|型号|工具|服務|服务|方案|model|product|name|tool", re.I
)
# Cells that say "yes" / "no" in a comparison table.
YES = {"支持", "支援", "是", "有", "可以", "✅", "✓", "√", "yes", "y", "true", "●"}
NO = {
    "不支持",
    "不支援",
    "否",
    "無",
    "无",
    "沒有",
    "没有",
    "不可以",
    "❌",
    "✗",
    "×",
    "no",
    "n",
    "-",
}


def coverage(short: str, long: str) -> float:
    """The share of `short`'s Chinese characters and Latin words that `long` also contains."""
    units = [u.lower() for u in RGX_UNITS.findall(short) if u not in _FILLER]
    if not units:
        return 0.0
    haystack = long.lower()
    return sum(unit in haystack for unit in units) / len(units)


def already_says(text: str, label: str) -> bool:
    """Does `text` already say `label` ("個人 AI 訂閱服務" in "OpenAI 希望成為人們的個人 AI
    訂閱服務")? Half of a label of three units or more is enough (潛力巨大 / 極具潛力); a
    shorter label must be said whole. A gloss in brackets does not count."""
    label = _unbracketed(label)
    units = [u for u in RGX_UNITS.findall(label) if u not in _FILLER]
    share = ECHO_SHARE if len(units) >= 3 else 1.0
    return bool(units) and coverage(label, text) >= share


def _width(text: str) -> float:
    """Length as it is spoken: a Latin letter is about half a Chinese character."""
    return sum(0.5 if c.isascii() else 1.0 for c in text)


def _unbracketed(text: str) -> str:
    return re.sub(r"[（(][^（）()]*[)）]", "", text)


def is_phrase(point: Point) -> bool:
    return (
        not point.children
        and not point.label
        and _width(point.text) <= PHRASE_LIMIT
        and not re.search(r"[。？！，；?!;,：:]", clause(point.text))
    )


def point_data(point: Point) -> dict[str, Any]:
    """One point: its label is `echoed` (its text already says it: not read) or read as a
    lead-in; its children are `phrases` (one 包括 list) or clauses."""
    children = [point_data(child) for child in point.children]
    label = clean(point.label)
    return {
        "kind": "point",
        "label": label,
        "echoed": bool(label) and already_says(point.text, point.label),
        # "人們不禁好奇：OpenAI 究竟想做什麼？": a label that introduces a question or a
        # saying is kept with its colon, not turned into "說到…".
        "colon": bool(label)
        and bool(
            RGX_INTRODUCES.search(clause(point.label))
            or (point.text.rstrip().endswith(("？", "?")) and not point.children)
        ),
        "text": clean(point.text),
        "children": children,
        "phrase": is_phrase(point),
        "children_are_phrases": bool(children) and all(c["phrase"] for c in children),
        "ordinal": "",
        # "Sora 的重要性" over its points names an aspect: "…體現在幾個方面：".
        "aspects": bool(children) and bool(RGX_ASPECT.search(clause(point.text))),
    }


def group_points(items: list[dict[str, Any]], count: dict[str, int]) -> list[dict[str, Any]]:
    """Runs of two or more short phrase points become one `list` item; in the episode's first
    run of three or more other unlabelled points the first and last get an ordinal ("first" /
    "last"): the channel hardly uses them (`count["ordinals"]` counts runs so far)."""
    grouped: list[dict[str, Any]] = []
    run: list[dict[str, Any]] = []
    for item in [*items, {"kind": "end"}]:
        if item["kind"] == "point":
            run.append(item)
            continue
        grouped.extend(_retell_run(run, count))
        run = []
        if item["kind"] != "end":
            grouped.append(item)
    return grouped


def _retell_run(run: list[dict[str, Any]], count: dict[str, int]) -> list[dict[str, Any]]:
    if len(run) >= 2 and all(p["phrase"] for p in run):
        return [
            {
                "kind": "list",
                "entries": [p["text"] for p in run],
                "text": "、".join(p["text"] for p in run),
            }
        ]
    for index, point in enumerate(run):  # a run's places, for templates written before
        point["index"], point["count"] = index, len(run)  # issue 10 that number points
    plain = [p for p in run if not p["label"]]
    if len(plain) == len(run) >= 3 and not count["ordinals"]:
        run[0]["ordinal"], run[-1]["ordinal"] = "first", "last"
        count["ordinals"] += 1
    return run


def _cell_kind(cell: str) -> str:
    key = cell.strip().lower()
    return "yes" if key in YES else "no" if key in NO else ""


def _features_by_rows(table: Table) -> tuple[list[str], list[tuple[str, ...]]]:
    """(things compared, rows of feature + one cell per thing). A table whose first column
    lists the things ("模型 | 延遲") is turned so that each row is a feature."""
    header = list(table.header)
    if RGX_THINGS_COLUMN.search(header[0]):
        things = [row[0] for row in table.rows]
        columns = [
            (feature, *(row[i] if i < len(row) else "" for row in table.rows))
            for i, feature in enumerate(header[1:], start=1)
        ]
        return things, columns
    return header[1:], list(table.rows)


def table_data(table: Table) -> dict[str, Any]:
    """A table retold by comparison: per row the feature (first column), and the things
    compared grouped by equal value, each group with its value and whether it says yes/no."""
    names, feature_rows = _features_by_rows(table)
    things = [clean(name) for name in names]
    rows = []
    for row in feature_rows:
        feature, cells = clean(clause(row[0])), row[1:]
        groups: dict[str, list[str]] = {}
        for thing, cell in zip(things, cells, strict=False):
            if cell.strip():
                groups.setdefault(cell.strip(), []).append(thing)
        rows.append(
            {
                "feature": feature,
                "same": len(groups) == 1 and len(groups[next(iter(groups))]) == len(things),
                "groups": [
                    {"things": names, "value": clean(value), "says": _cell_kind(value)}
                    for value, names in groups.items()
                ],
            }
        )
    return {
        "kind": "table",
        "things": things,
        "rows": rows,
        "too_big": len(rows) > TABLE_ROWS_LIMIT,
        "text": table.text,
    }


def retelling_notes(doc: Document) -> list[str]:
    """What the narrator could not retell in full, for the build report: a table too large to
    say row by row is summarized by its first column."""
    notes = []
    for section in doc.sections:
        for block in section.blocks:
            if isinstance(block, Table):
                rows = len(_features_by_rows(block)[1])
                if rows > TABLE_ROWS_LIMIT:
                    notes.append(
                        f"a table of {rows} rows under '{section.title or doc.title}' is too "
                        f"large to retell row by row: the script names its first column only"
                    )
    return notes
