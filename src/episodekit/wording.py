"""What in a summary's wording is not the talk: named tables shared by ingest (which cuts or
rewrites it) and narrate.checks (which verifies that no script says it, whoever wrote it).

Every table holds (name, why, pattern) rules; patterns are written for Traditional text and
match Simplified too where the characters differ (both forms are in the pattern).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Rule = tuple[str, str, re.Pattern[str]]

# What a summarizer says to its user, wherever it stands (before or after the title, around a
# `---`, at the end, or as the last clause of the summary's own closing sentence).
CHATTER: tuple[Rule, ...] = (
    (
        "ack_then_offer",
        "an assistant acknowledging the request before handing the text over",
        re.compile(
            r"^(?:好的|好|當然|当然|沒問題|没问题|OK|Okay|Sure)[，,！!。.\s]*"
            r"(?:我|這|这|以下|下面|為您|为您|為你|为你)"
        ),
    ),
    (
        "made_for_you",
        "the text presented as made for the user",
        re.compile(
            r"(?:為你|为你|為您|为您|幫你|帮你|幫您|帮您)(?:整理|改寫|改写|準備|准备|總結|总结|梳理|"
            r"撰寫|撰写|潤色|润色|優化|优化|重寫|重写)"
        ),
    ),
    (
        "here_is_the_edit",
        "announces the edited text instead of saying anything about the talk",
        re.compile(
            r"^(?:以下|下面|這|这)(?:是|為|为|就是).{0,20}(?:整理|改寫|改写|潤色|润色|優化|优化|精簡|精简|"
            r"版本|文稿|稿件)"
        ),
    ),
    (
        "as_follows",
        "announces the edited text",
        re.compile(
            r"(?:整理|改寫|改写|修改|優化|优化)後?的?(?:文稿|版本|內容|内容|稿件|重點|重点)如下"
        ),
    ),
    (
        "hope_it_helps",
        "hopes the summary helps its reader: the summarizer speaking, not the host",
        re.compile(
            r"希望(?:我的|這份|这份|這個|这个|這樣的|这样的|以上的?|本次的?)?(?:整理|總結|总结|版本|"
            r"內容|内容|文稿|筆記|笔记|摘要).{0,16}(?:幫助|帮助|有用|需求|參考|参考)"
        ),
    ),
    (
        "hope_helps_you",
        "hopes it helps 您/你: said to the user",
        re.compile(r"希望.{0,12}(?:對|对|能|可以)(?:您|你)(?![們们]).{0,8}(?:幫助|帮助|有用)"),
    ),
    (
        "ask_for_changes",
        "offers to revise the text",
        re.compile(
            r"(?:如需|如果需要|若需|若需要|如有需要|需要的話|需要的话|如果您|如果你).{0,16}"
            r"(?:調整|调整|修改|補充|补充|進一步|进一步|改動|改动)"
        ),
    ),
    (
        "tell_me",
        "asks the user to reply",
        re.compile(r"(?:請|请|歡迎|欢迎)(?:隨時|随时)?(?:告訴|告诉|告知|讓|让)我"),
    ),
    (
        "for_reference",
        "offers the text for the user's reference",
        re.compile(r"供(?:您|你)參考|供(?:您|你)参考"),
    ),
    (
        "sorry_for_omissions",
        "the summarizer excusing its own work",
        re.compile(r"如有(?:疏漏|錯誤|错误|不當|不当|遺漏|遗漏).{0,6}(?:見諒|见谅|指正)"),
    ),
    (
        "compiled_from",
        "says how the text was compiled",
        re.compile(r"^以上(?:內容|内容|文字|筆記|笔记).{0,16}(?:整理|整理而成)"),
    ),
    (
        "about_this_version",
        "describes the edited version",
        re.compile(r"^(?:這個|这个|此|這份|这份)(?:版本|整理|文稿)"),
    ),
    (
        "english_chatter",
        "English assistant chatter",
        re.compile(r"\b(?:hope this helps|let me know if|here is|here's)\b", re.I),
    ),
)

# A note-taker's own asides: never read in the host's voice. Cut out of the text in place.
ASIDES: tuple[Rule, ...] = (
    (
        "laughter",
        "a written laugh",
        re.compile(r"[，,\s]*(?:哈{2,}|呵{2,}|嘿{2,}|嘻{2,})[！!～~]*"),
    ),
    (
        "xd",
        "an emoticon in letters",
        re.compile(r"\s*(?<![A-Za-z])(?:XD+|xD+|LOL|lol|233+)(?![A-Za-z])[！!～~]*"),
    ),
    (
        "laugh_mark",
        "a transcript's or note's (笑)",
        re.compile(r"[（(]\s*(?:笑|大笑|苦笑|掩面|捂臉|捂脸)\s*[)）]"),
    ),
    (
        "first_person_bracket",
        "the note-taker's own reaction in brackets",
        re.compile(
            r"[（(【\[][^（）()【】\[\]]{0,20}?(?:我個人|我个人|個人覺得|个人觉得|我覺得|我觉得|我認為|我认为|"
            r"說實話|说实话|筆者|笔者|我原本|我以為|我以为|我最喜歡|我最喜欢|小編|小编)"
            r"[^（）()【】\[\]]{0,30}[)）】\]]"
        ),
    ),
)

# A heading that is only a label: it heads a chapter but is not announced.
LABEL_HEADINGS: tuple[Rule, ...] = (
    (
        "points",
        "says only that points follow",
        re.compile(
            r"^(?:其他|其它|更多|主要|核心|關鍵|关键)?(?:重點|重点|要點|要点|亮點|亮点|看點|看点|觀點|观点)"
            r"(?:整理|回顧|回顾|摘要|總結|总结|一覽|一览)?$"
        ),
    ),
    ("core", "a bare 核心", re.compile(r"^核心(?:內容|内容)?$")),
    (
        "ending",
        "the end of the text",
        re.compile(r"^(?:結尾|结尾|結語|结语|總結|总结|小結|小结|尾聲|尾声|結束語|结束语)$"),
    ),
    (
        "own_thoughts",
        "the note-taker's own reflections: not announced in the host's voice",
        re.compile(
            r"^(?:我的|個人|个人|筆者|笔者)(?:一點|一点|一些)?(?:感想|看法|心得|想法|總結|总结|感受)$"
        ),
    ),
    (
        "body",
        "the body of the text",
        re.compile(r"^(?:主要內容|主要内容|內容摘要|内容摘要|摘要|概要|正文|內容|内容)$"),
    ),
)

# A summarizer's labels in a title: stripped before the title is used.
TITLE_LABELS: tuple[Rule, ...] = (
    (
        "date_brackets",
        "a date in brackets",
        re.compile(r"[【\[（(]\s*\d{2,4}[-./年]\d{1,2}(?:[-./月]\d{1,2}日?)?\s*[】\]）)]\s*"),
    ),
    (
        "digest_suffix",
        "重點整理 and the like: what the summarizer did, not what was said",
        re.compile(
            r"\s*(?:[-—|｜:：]\s*)?(?:重點|重点|精華|精华|要點|要点|內容|内容)(?:整理|回顧|回顾|摘要|總結|总结)"
            r"|\s*全文整理$"
        ),
    ),
)

# Words that make a name a product, model, company or event rather than a person.
_NOT_PERSON = re.compile(
    r"\d|(?<![A-Za-z])(?:GPT|Claude|Gemini|Llama|Grok|Sora|Codex|Copilot|ChatGPT|OpenAI|Anthropic|"
    r"Google|Meta|Apple|Microsoft|Nvidia|NVIDIA|Tesla|Code|Pro|Max|Ultra|Mini|Studio|Cloud|Kit|SDK|API|"
    r"App|Apps|Agent|Day|Summit|Conference|Labs?|Research|Inc|Corp|AI)(?![a-z])"
    r"|公司|集團|集团|大會|大会|發布會|发布会|模型|產品|产品|平台|平臺|實驗室|实验室|團隊|团队|大學|大学"
)
_CJK_NAME = re.compile(r"^[\u3400-\u9fff](?:[\u3400-\u9fff]|·){1,6}$")
_LATIN_NAME = re.compile(r"^[A-Z][a-z]+(?:[ ·\-][A-Z][a-z]+){0,3}$")


def looks_like_person(name: str, channel: Sequence[str] = ()) -> bool:
    """Could `name` be a person? Never a product, model, company or event (Claude Code, GPT-4o,
    DevDay, OpenAI): those have digits, inner capitals, or a product word; nor the channel or its
    host (`channel`: their names, from show.toml)."""
    name = name.strip()
    if not name or _NOT_PERSON.search(name) or any(c and c in name for c in channel):
        return False
    return bool(_CJK_NAME.match(name) or _LATIN_NAME.match(name))


def matches(rules: tuple[Rule, ...], text: str) -> str:
    """The name of the first rule whose pattern is found in `text`, or ""."""
    return next((name for name, _why, pattern in rules if pattern.search(text)), "")


_GAP = "\ue010"
RGX_GAP_BETWEEN_HAN = re.compile(r"(?<=[\u3400-\u9fff])\s*\ue010[\ue010\s]*(?=[\u3400-\u9fff])")


def cut_asides(text: str) -> str:
    """`text` without a note-taker's asides; one that stood between two phrases leaves a comma
    ("人多到爆 XD 下面…" -> "人多到爆，下面…")."""
    for _name, _why, pattern in ASIDES:
        text = pattern.sub(_GAP, text)
    text = RGX_GAP_BETWEEN_HAN.sub("，", text)
    return text.replace(_GAP, "")


def strip_title_labels(title: str, channel: Sequence[str] = ()) -> str:
    """A title without a summarizer's labels: the channel's name before a colon (`channel`:
    the show's names), 重點整理, a date in brackets."""
    for name in (c for c in channel if c):
        title = re.sub(rf"^{re.escape(name)}\s*[:：]\s*", "", title)
    for _name, _why, pattern in TITLE_LABELS:
        title = pattern.sub("", title)
    return title.strip(" ：:，,-—|｜")
