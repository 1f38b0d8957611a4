from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from episodekit import resources
from episodekit.chinese import convert
from episodekit.errors import TemplateError
from episodekit.model import Block, Document, Point, Prose, Quote, Section, Table, Turn
from episodekit.narrate.context import INTRO_TITLES, OUTRO_TITLES, RGX_SCENE_TITLE
from episodekit.narrate.render import narrate
from episodekit.narrate.retell import already_says
from episodekit.narrate.scriptfile import parse_script, render_script
from episodekit.narrate.text import sentence, split_paragraphs

TEMPLATES = resources.default_dir("scripts")
GREETING = "大家好，這裡是最佳拍檔，我是大飛"
SIGNOFF = "感謝大家收看本期視頻，我們下期再見"

DOC = Document(
    title="OpenAI 的下一步？Altman 解讀三大核心戰略",
    guest="Sam Altman",
    source="https://example.com/talk",
    links=("https://example.com/more",),
    sections=(
        Section(
            "開場",
            (Prose("最近 OpenAI 熱度持續高漲"), Point("人們不禁好奇：OpenAI 究竟想做什麼？")),
        ),
        Section(
            "OpenAI 的三大核心戰略：",
            (
                Point("Altman認為GPT-4o是計算機使用方式的一次革命性飛躍。", label="革命性飛躍："),
                Point("OpenAI 必須構建海量的基礎設施", label="海量基礎設施"),
                Point(
                    "Sora 的重要性：",
                    children=(Point("製作優秀的產品"), Point("推進AGI的研究。"), Point("帶來樂趣")),
                ),
                Point(
                    "未來的界面會包括兩部分：",
                    children=(
                        Point("像 Sora 那樣實時渲染影片的世界模型。"),
                        Point("新的硬件設備，能理解上下文"),
                    ),
                ),
            ),
        ),
        Section(
            "其他重點",
            (Point("認為開源是好的", label="開源"), Quote("限制肯定是有的", speaker="Altman")),
        ),
        Section(
            "投資者心態",
            (
                Turn("你期望誰來支付？", role="host"),
                Turn("是的，我期望OpenAI的營收來支付。", speaker="SA"),
                Turn("明白了", role="host"),
                Turn("絕對是其中之一", speaker="SA"),
            ),
        ),
    ),
)


def _body_lines(text: str) -> list[str]:
    return text.split("---\n", 2)[2].split("\n")


def _squash(text: str) -> str:
    """Text without punctuation or spaces, for 'does this text reach the script' checks."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZC")


def _assert_everything_reaches(doc: Document, text: str) -> None:
    """Every piece of the summary is said, or is in a `## ` heading; a label counts as said
    when its text already says it (it is not read twice, issue 10); 但 may be said 但是."""
    said = _squash(convert(text, doc.script)).replace("但是", "但")
    for section in doc.sections:
        for block in section.blocks:
            for piece, beside in _block_pieces(block):
                if beside and already_says(beside, piece):
                    continue
                # Sentence by sentence: narration may put a subject before one ("他認為…").
                for part in re.split(r"[。？！；?!;]", piece):
                    assert _squash(convert(part, doc.script)).replace("但是", "但") in said, piece
    last = len(doc.sections) - 1
    for index, section in enumerate(doc.sections):
        # The summary's own opening and closing are retold without their headings; other
        # chapter titles are in the script's `## ` headings (spoken only when announced).
        title = convert(section.title, "hant")
        opening = index == 0 and (title in INTRO_TITLES or RGX_SCENE_TITLE.match(title))
        closing = 0 < index == last and title in OUTRO_TITLES
        if not (opening or closing):
            assert _squash(convert(section.title, doc.script)) in said, section.title


def _block_pieces(block: Block) -> list[tuple[str, str]]:
    """(piece of text, the text that may already say it) for each piece of a block."""
    if isinstance(block, Point):
        pieces = [(block.text, ""), (block.label, block.text)]
        return pieces + [p for child in block.children for p in _block_pieces(child)]
    if isinstance(block, Table):
        return [(cell, "") for row in (block.header[1:], *block.rows) for cell in row]
    return [(block.text, "")] + ([(block.speaker, "")] if isinstance(block, Quote) else [])


def test_the_channel_shape_greeting_hook_transitions_outro() -> None:
    script = narrate(DOC, TEMPLATES)
    text = render_script(script)
    first = script.chapters[0]
    assert first.title == "開場"
    # The summary's own opening is the hook; the title is never read in quotation marks.
    assert first.paragraphs[0].text == GREETING + "。最近 OpenAI 熱度持續高漲。"
    assert "「" + DOC.title not in text
    assert first.paragraphs[-1].text == "今天大飛就來給大家簡單分享一下。"
    assert [c.title for c in script.chapters] == [
        "開場",
        "OpenAI 的三大核心戰略",
        "其他重點",
        "投資者心態",
    ]
    assert script.chapters[-1].paragraphs[-1].text.endswith(SIGNOFF + "。")
    # A label the text already says is not read as its own sentence.
    assert "我們先來看看OpenAI 的三大核心戰略。Altman認為GPT-4o是計算機使用方式" in text
    assert "革命性飛躍。Altman" not in text and "海量基礎設施。OpenAI" not in text
    assert "Sora 的重要性體現在幾個方面，包括製作優秀的產品、推進AGI的研究，以及帶來樂趣。" in text
    # Two sub-points are set side by side, never numbered.
    assert (
        "未來的界面會包括兩部分：一方面是像 Sora 那樣實時渲染影片的世界模型；"
        "另一方面是新的硬件設備，能理解上下文。" in text
    )
    assert "第一" not in text
    # "其他重點" is only a label: not announced; the view sentence gets its subject.
    assert "Altman認為開源是好的。" in text and "其他重點。" not in text
    assert "Altman說：「限制肯定是有的」。" in text
    assert "那麼，投資者心態又是怎麼回事呢？主持人問道：你期望誰來支付？" in text
    assert "Altman指出：是的，我期望OpenAI的營收來支付。" in text
    # Unlabelled, asks nothing, right after the guest: retold without naming a speaker.
    assert "談話繼續說道：明白了。" in text
    assert "他回答：絕對是其中之一。" in text
    assert script.source == DOC.source and script.links == DOC.links
    # The title already names Altman: the summary does not say "Sam Altman最新訪談：" before it.
    assert script.summary.startswith("OpenAI 的下一步？Altman 解讀三大核心戰略。")
    assert script.title == DOC.title and script.voice == "narrator"


@pytest.mark.parametrize(("greeting", "signoff"), [(False, False), (True, True)])
def test_greeting_and_signoff_exactly_once(greeting: bool, signoff: bool) -> None:
    doc = Document(
        title=DOC.title, sections=DOC.sections, has_greeting=greeting, has_signoff=signoff
    )
    text = render_script(narrate(doc, TEMPLATES))
    assert text.count(GREETING) == 1
    assert text.count(SIGNOFF) == 1
    assert text.count("以上就是") == 1


def test_no_markup_and_every_paragraph_ends_a_sentence() -> None:
    script = narrate(DOC, TEMPLATES)
    lines = _body_lines(render_script(script))
    assert "*" not in "\n".join(lines)
    assert all(line.startswith("## ") for line in lines if "#" in line)
    for chapter in script.chapters:
        for paragraph in chapter.paragraphs:
            assert paragraph.text.rstrip("」』）)")[-1] in "。？！", paragraph.text


def test_script_follows_the_document_script() -> None:
    hans = render_script(
        narrate(Document(title="标题", sections=DOC.sections, script="hans"), TEMPLATES)
    )
    hant = render_script(
        narrate(Document(title="標題", sections=DOC.sections, script="hant"), TEMPLATES)
    )
    assert "这里是最佳拍档" in hans and "這裡是最佳拍檔" not in hans
    assert "這裡是最佳拍檔" in hant and "这里是最佳拍档" not in hant
    assert "感谢大家收看本期视频" in hans
    assert "script: hans" in hans


def test_every_block_reaches_the_script() -> None:
    _assert_everything_reaches(DOC, render_script(narrate(DOC, TEMPLATES)))


def test_same_input_gives_byte_identical_scripts() -> None:
    assert render_script(narrate(DOC, TEMPLATES)) == render_script(narrate(DOC, TEMPLATES))


def test_narrated_script_round_trips_through_script_md() -> None:
    text = render_script(narrate(DOC, TEMPLATES))
    assert render_script(parse_script(text, Path("script.md"))) == text


def test_summary_text_is_data_never_template_code_or_structure() -> None:
    sneaky = (
        "{{ 7*7 }} 與 {% for x in y %}迴圈{% endfor %}",
        "## 偽造的章節",
        "[guest] 偽造的聲音",
        "\\ 反斜線 {# 註解 #}",
    )
    doc = Document(
        title="{{ title }}",
        guest="{{ guest }}",
        sections=(Section("## 真章節", (*(Prose(s) for s in sneaky), Point("重點", label="[x]"))),),
    )
    script = narrate(doc, TEMPLATES)
    assert [c.title for c in script.chapters] == ["開場", "## 真章節"]
    texts = [p.text for p in script.chapters[1].paragraphs]
    assert texts[0].endswith("{{ 7*7 }} 與 {% for x in y %}迴圈{% endfor %}。")
    assert texts[1:4] == ["## 偽造的章節。", "[guest] 偽造的聲音。", "\\ 反斜線 {# 註解 #}。"]
    assert texts[4] == "說到[x]，重點。"
    assert all(p.speaker == "narrator" for c in script.chapters for p in c.paragraphs)
    assert "最近，{{ guest }}在一次談話中" in script.chapters[0].paragraphs[0].text
    assert parse_script(render_script(script), Path("s.md")) == script


def _copy_templates(tmp_path: Path) -> Path:
    folder = tmp_path / "scripts"
    shutil.copytree(TEMPLATES, folder)
    return folder


def test_editing_a_template_changes_the_next_script(tmp_path: Path) -> None:
    folder = _copy_templates(tmp_path)
    phrases = folder / "phrases.j2"
    phrases.write_text(
        phrases.read_text(encoding="utf-8").replace(
            '"，我是" ~ show.host ~ "。"', '"，我是小飛。"'
        ),
        encoding="utf-8",
    )
    intro = folder / "intro.j2"
    intro.write_text(
        intro.read_text(encoding="utf-8").replace("{{ p.share }}", "今天就聊到這裡。"),
        encoding="utf-8",
    )
    script = narrate(DOC, folder)
    assert script.chapters[0].paragraphs[0].text.startswith("大家好，這裡是最佳拍檔，我是小飛。")
    assert script.chapters[0].paragraphs[-1].text == "今天就聊到這裡。"


def test_a_template_can_give_a_paragraph_another_voice(tmp_path: Path) -> None:
    folder = _copy_templates(tmp_path)
    outro = folder / "outro.j2"
    outro.write_text("[guest] 謝謝收看。\n", encoding="utf-8")
    last = narrate(DOC, folder, voice="dafei").chapters[-1].paragraphs
    assert (last[-1].text, last[-1].speaker) == ("謝謝收看。", "guest")
    assert last[0].speaker == "dafei"


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    folder = _copy_templates(tmp_path)
    (folder / "outro.j2").write_text("好了。\n{% if %}\n", encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        narrate(DOC, folder)
    assert str(caught.value).startswith(f"{folder / 'outro.j2'}:2: template error: ")
    assert "\n" not in str(caught.value)


def test_undefined_variable_names_the_template(tmp_path: Path) -> None:
    folder = _copy_templates(tmp_path)
    (folder / "outro.j2").write_text("好了。\n\n{{ no_such_thing }}再見。\n", encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        narrate(DOC, folder)
    assert (
        str(caught.value)
        == f"{folder / 'outro.j2'}:3: template error: 'no_such_thing' is undefined"
    )


def test_missing_template_is_a_template_error(tmp_path: Path) -> None:
    folder = _copy_templates(tmp_path)
    (folder / "chapter.j2").unlink()
    with pytest.raises(TemplateError, match=r"chapter\.j2: template error: template not found$"):
        narrate(DOC, folder)


def test_a_template_that_breaks_the_script_format_is_a_template_error(tmp_path: Path) -> None:
    folder = _copy_templates(tmp_path)
    (folder / "episode.j2").write_text("開場白，沒有章節。\n", encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        narrate(DOC, folder)
    assert str(caught.value) == (
        f"{folder / 'episode.j2'}: template error: the rendered script is malformed "
        "(line 1: text before the first chapter: add a '## ' heading)"
    )


def test_long_interview_turns_are_split_into_readable_paragraphs() -> None:
    long_answer = "我們正在努力構建極其強大的AI，並以造福大眾的方式去部署它。" * 12
    doc = Document(
        title="訪談",
        guest="Sam Altman",
        sections=(
            Section("訪談", (Turn("你怎麼看？", role="host"), Turn(long_answer, speaker="SA"))),
        ),
    )
    paragraphs = narrate(doc, TEMPLATES).chapters[1].paragraphs
    assert all(len(p.text) < 300 for p in paragraphs)
    assert len(paragraphs) >= 4
    _assert_everything_reaches(doc, render_script(narrate(doc, TEMPLATES)))


def test_a_document_with_only_an_opening_still_signs_off() -> None:
    doc = Document(title="短片", sections=(Section("開場", (Prose("只有一段話"),)),))
    script = narrate(doc, TEMPLATES)
    assert [c.title for c in script.chapters] == ["開場"]
    assert script.chapters[0].paragraphs[-1].text.endswith(SIGNOFF + "。")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("他認為", "他認為。"),
        ("他認為：", "他認為。"),
        ("真的嗎?", "真的嗎？"),
        ("好。", "好。"),
        ("他說「好」", "他說「好」。"),
        ("他說「好。」", "他說「好。」"),
        ("列表、", "列表。"),
    ],
)
def test_sentence_completes_unfinished_text(text: str, expected: str) -> None:
    assert sentence(text) == expected


def test_split_paragraphs_keeps_sentences_whole() -> None:
    text = "一二三四五。" * 10
    parts = split_paragraphs(text, limit=20)
    assert "".join(parts) == text
    assert all(part.endswith("。") and len(part) <= 20 for part in parts)
    assert split_paragraphs("沒有句號的一段話" * 5, limit=10) == ["沒有句號的一段話" * 5]


# ---------------------------------------------------------------- property: nothing dropped

# Characters written the same in both scripts, so conversion cannot change the data.
_WORDS = st.text(
    st.sampled_from("大家好我是的一在人有上中工作科技未日月天地ABCxyz19 "), min_size=1, max_size=40
)
_PUNCT = st.sampled_from(["", "。", "：", "？", "，", "!", "」"])
_TEXT = st.builds(lambda w, p: w.strip() + p, _WORDS, _PUNCT).filter(lambda t: _squash(t) != "")
_POINTS = st.recursive(
    st.builds(Point, text=_TEXT, label=st.one_of(st.just(""), _TEXT)),
    lambda kids: st.builds(
        Point, text=_TEXT, children=st.lists(kids, min_size=1, max_size=3).map(tuple)
    ),
    max_leaves=6,
)
_BLOCKS = st.one_of(
    _POINTS,
    st.builds(
        Turn,
        text=_TEXT,
        speaker=st.sampled_from(["", "SA", "Ben"]),
        role=st.sampled_from(["host", "guest"]),
    ),
    st.builds(Quote, text=_TEXT, speaker=st.sampled_from(["", "Altman"])),
    st.builds(Prose, text=_TEXT),
)
_SECTIONS = st.builds(
    Section, title=_TEXT, blocks=st.lists(_BLOCKS, min_size=1, max_size=5).map(tuple)
)
_DOCS = st.builds(
    Document,
    title=_TEXT,
    sections=st.lists(_SECTIONS, min_size=1, max_size=4).map(tuple),
    script=st.sampled_from(["hant", "hans"]),
    guest=st.sampled_from(["", "Sam Altman"]),
    has_greeting=st.booleans(),
    has_signoff=st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(_DOCS)
def test_any_document_is_fully_narrated_with_one_greeting_and_one_signoff(doc: Document) -> None:
    script = narrate(doc, TEMPLATES)
    text = render_script(script)
    _assert_everything_reaches(doc, text)
    said = convert(text, "hant")
    assert said.count(GREETING) == 1 and said.count(SIGNOFF) == 1
    for chapter in script.chapters:
        for paragraph in chapter.paragraphs:
            assert paragraph.text.rstrip("」』）)")[-1] in "。？！", paragraph.text
    assert parse_script(text, Path("s.md")) == script


def _closing_doc(words: str) -> Document:
    return Document(
        title="訪談",
        guest="Sam Altman",
        sections=(
            Section("開場", (Point("OpenAI 究竟想做什麼？", label="人們不禁好奇"),)),
            Section(
                "重點",
                (
                    Point(
                        "Sora 的重要性",
                        children=(Point("製作優秀的產品，讓社會嚐鮮。"), Point("推進研究。")),
                    ),
                    Point("未來的界面會有兩部分。", children=(Point("世界模型"), Point("新硬件"))),
                ),
            ),
            Section("結尾", (Point(words),)),
        ),
        has_signoff=True,
    )


def test_the_summary_closing_words_lead_into_the_signoff() -> None:
    closing = "以上就是這次訪談的主要內容，大家有什麼看法？歡迎在評論區留言。"
    script = narrate(_closing_doc(closing), TEMPLATES)
    assert [c.title for c in script.chapters] == ["開場", "重點"]
    # The summary's own wrap-up gets the channel's 好了， and is not said twice.
    assert [p.text for p in script.chapters[-1].paragraphs[-2:]] == [
        "好了，" + closing,
        SIGNOFF + "。",
    ]
    text = render_script(script)
    assert text.count("以上就是") == 1 and text.count("評論區") == 1 and text.count(SIGNOFF) == 1


def test_closing_words_without_the_invitation_still_get_it() -> None:
    closing = "以上就是這次專訪的主要內容，話題較為廣泛"
    last = narrate(_closing_doc(closing), TEMPLATES).chapters[-1].paragraphs
    assert last[-2].text == "好了，" + closing + "。"
    assert last[-1].text == "大家對此有什麼看法？歡迎在評論區留言。" + SIGNOFF + "。"


def test_points_lead_into_their_sub_points() -> None:
    script = narrate(_closing_doc("再見"), TEMPLATES)
    # A label that introduces a question keeps its colon.
    opening = script.chapters[0].paragraphs[0].text
    assert opening == GREETING + "。人們不禁好奇：OpenAI 究竟想做什麼？"
    assert [p.text for p in script.chapters[1].paragraphs[:2]] == [
        # An interview summary's first view in a chapter is framed as the guest's.
        "在Altman看來，Sora 的重要性體現在幾個方面："
        "一方面是製作優秀的產品，讓社會嚐鮮；另一方面是推進研究。",
        "未來的界面會有兩部分，包括世界模型以及新硬件。",
    ]


# ---------------------------------------------------------------- goldens (read by eye)

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
SEEDS = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_seed_scripts_match_their_goldens(seed: Path) -> None:
    from episodekit.ingest.document import load_document

    doc = load_document(seed)
    text = render_script(narrate(doc, TEMPLATES))
    assert text.encode("utf-8") == (GOLDEN / f"{seed.stem}.script.md").read_bytes()
    _assert_everything_reaches(doc, text)


@pytest.mark.parametrize(
    ("title", "heading", "word"),
    [
        ("Sam Altman 專訪重點整理", "要點", "訪談"),  # the title says it is an interview
        ("OpenAI 的下一步", "Altman a16z 訪談重點回顧", "訪談"),  # a heading says so
        ("OpenAI 的下一步", "要點", "談話"),  # nothing says so, and there is no transcript
    ],
)
def test_an_interview_is_called_one_even_without_a_transcript(
    title: str, heading: str, word: str
) -> None:
    doc = Document(
        title=title, guest="Sam Altman",
        sections=(Section(heading, (Point("他認為AI會改變一切。"),)),),
    )
    script = narrate(doc, TEMPLATES)
    opening = script.chapters[0].paragraphs[0].text
    assert f"Sam Altman的一次{word}引起了不少關注" in opening
    if "Altman" in title:  # a title naming the guest is not prefixed with the name again
        assert script.summary.startswith(title)
    else:
        assert script.summary.startswith(f"Sam Altman最新{word}：")


def test_an_unlabelled_line_after_the_guest_is_not_put_in_the_hosts_mouth() -> None:
    # Seed 004's shape: the guest's lines are labelled "SA:", the interviewer's are not, and
    # an unlabelled line right after an answer is sometimes the guest going on. One that asks
    # nothing and says nothing to "you" is retold without naming who said it.
    doc = Document(
        title="專訪", guest="Sam Altman",
        sections=(
            Section("基礎設施", (
                Turn("那你怎麼看算力？", speaker="", role="host"),
                Turn("我們需要更多算力。", speaker="SA", role="guest"),
                Turn("至於研究方面，我從未這樣樂觀。", speaker="", role="host"),
                Turn("是的。", speaker="SA", role="guest"),
                Turn("我覺得你說得對。", speaker="", role="host"),
            )),
        ),
    )
    paragraphs = render_script(narrate(doc, TEMPLATES)).split("\n\n")
    [asked] = [p for p in paragraphs if "算力？" in p]
    [unsure] = [p for p in paragraphs if "至於研究方面" in p]
    [addressed] = [p for p in paragraphs if "你說得對" in p]
    assert "主持人問道：那你怎麼看算力？" in asked
    assert unsure.split("：")[0] in ("對話中接著提到", "談話繼續說道", "對話中還提到")
    assert addressed.startswith("主持人") and addressed.endswith("：我覺得你說得對。")


@pytest.mark.parametrize("script", ["hant", "hans"])
def test_the_show_names_the_channel_and_host_in_the_episodes_script(script: str) -> None:
    from dataclasses import replace

    from episodekit.show import default_show

    show = replace(default_show(), name="矽谷夜話", host="阿明 [AI]")
    doc = replace(DOC, script=script)
    narrated = narrate(doc, TEMPLATES, show=show)
    greeting = convert("大家好，這裡是矽谷夜話，我是阿明 [AI]。", script)  # type: ignore[arg-type]
    assert narrated.chapters[0].paragraphs[0].text.startswith(greeting)
    assert convert("阿明 [AI]為大家簡單分享其中的要點。", script) in narrated.summary  # type: ignore[arg-type]
    text = render_script(narrated)
    for old in ("最佳拍檔", "最佳拍档", "大飛", "大飞"):
        assert old not in text


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        ("AI 的下一步：三大核心戰略", "Sam Altman最新談話：AI 的下一步：三大核心戰略。"),
        # A title that already names the guest is not prefixed with the name again.
        ("Altman 解讀三大核心戰略", "Altman 解讀三大核心戰略。"),
        ("Sam Altman 專訪：三大核心戰略", "Sam Altman 專訪：三大核心戰略。"),
    ],
)
def test_the_summary_names_the_guest_once(title: str, summary: str) -> None:
    doc = Document(
        title=title,
        sections=(Section("戰略", (Prose("OpenAI 希望成為人們的個人 AI 訂閱服務。"),)),),
        guest="Sam Altman",
    )
    assert narrate(doc, TEMPLATES).summary == summary + "大飛為大家簡單分享其中的要點。"
