"""Any text a user can bring either becomes a script or is refused with the documented one-line
error: `episode script` never fails with a traceback, whatever the summary holds."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from episodekit.cli import main
from episodekit.narrate.scriptfile import read_script

REFUSALS = (
    "empty file",
    "binary file, not text",
    "not valid text in any supported encoding",
    "nothing to narrate after cleaning",
)

FRAGMENTS = [
    "# 標題", "## 第一章", "**一、GPT-4o：**", "*   **革命性飛躍：** 它很快。", "    - 子項目",
    "- 要點", "1. 第一", "（一）其次", "> 引言", "| a | b |", "|---|---|", "---", "SA: 是的。",
    "主持人：你怎麼看？", "[model=gemini-2.0-flash,0]", "https://example.com/x", "{{ 7*7 }}",
    "{% for x in y %}", "<details>原文</details>", "大家好，這裡是最佳拍檔，我是大飛。",
    "感謝大家收看本期視頻，我們下期再見。", "好的，這是經過整理的文稿：", "这里是简体。", "😀",
    "\u200b", "\x07", "`代碼`", "[連結](https://a.b/c)", "00:12:34 開場", "",
]

texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(FRAGMENTS), max_size=25).map("\n".join),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=30)), max_size=15).map(
        "\n".join
    ),
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=texts, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_any_text_gives_a_script_or_a_one_line_refusal(
    text: str, encoding: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        summary = folder / "summary.txt"
        summary.write_bytes(text.encode(encoding, errors="replace"))
        target = folder / "script.md"
        with pytest.raises(SystemExit) as exited:
            # --force: text that is not a Chinese summary is narrated too, with one warning.
            main(["script", str(summary), "-o", str(target), "--force"])
            raise SystemExit(0)
        _, err = capsys.readouterr()
        event("script" if exited.value.code == 0 else "refused")
        if exited.value.code == 0:
            assert err == "" or (
                err.count("\n") == 1 and err.endswith("narrating it anyway (--force)\n")
            )
            script = read_script(target)  # what was written reads back as a script
            assert script.chapters and all(c.paragraphs for c in script.chapters)
            if "{{ 7*7 }}" in text and "49" not in text:
                assert "49" not in target.read_text(encoding="utf-8")  # data, never code
        else:
            assert exited.value.code == 1
            assert not target.exists()
            assert err.count("\n") == 1 and "Traceback" not in err
            assert err.startswith(f"episode: {summary}: ")
            assert err[len(f"episode: {summary}: ") : -1] in REFUSALS
