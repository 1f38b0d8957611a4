"""The `episode` command as a user meets it: in-process through `main`, and as a real
subprocess (`python -m episodekit`). Errors are one line on stderr, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS, run_cli


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run_cli(args, capsys)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0
    assert out.startswith("episodekit ")


def test_missing_input_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    code, _, err = run(["script", str(missing)], capsys)
    assert code == 1
    assert err == f"episode: {missing}: no such file\n"


def test_folder_as_input_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(
        ["build", str(tmp_path), "--engine", "offline", "-o", str(tmp_path / "out")], capsys
    )
    assert code == 1
    assert err == f"episode: {tmp_path}: is a folder, not a file\n"


def test_bad_engine_choice(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["build", str(SEEDS[0]), "--engine", "cloud"], capsys)
    assert code == 2  # Typer refuses a choice that is not offered, before any work
    assert "'cloud' is not one of 'auto', 'edge', 'offline'" in " ".join(
        err.replace("│", " ").split()
    )


def test_init_copies_defaults_and_refuses_to_overwrite(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, _ = run(["init", str(tmp_path / "show")], capsys)
    assert code == 0
    for kind in ("scripts", "voices"):
        shipped = sorted(p.name for p in (ROOT / kind).iterdir())
        copied = sorted(p.name for p in (tmp_path / "show" / kind).iterdir())
        assert copied == shipped and copied
    # show.toml: the shipped one, comments and all, and it loads.
    written = tmp_path / "show" / "show.toml"
    assert written.read_bytes() == (ROOT / "show.toml").read_bytes()
    assert written.read_text(encoding="utf-8").count("\n# ") >= 5
    from episodekit.show import load_show

    assert load_show(written).source == written
    prompts = sorted(p.name for p in (tmp_path / "show" / "scripts" / "llm").iterdir())
    assert prompts == ["chapter.j2", "condense.j2", "opening.j2", "problems.j2", "system.j2"]
    code, _, err = run(["init", str(tmp_path / "show")], capsys)
    assert code == 1
    assert "already exists; not overwriting your scripts" in err


def test_check_of_missing_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(["check", str(tmp_path / "none")], capsys)
    assert code == 1
    assert err == f"episode: {tmp_path / 'none'}: no such bundle folder\n"


def test_subprocess_error_has_no_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    done = subprocess.run(
        [sys.executable, "-m", "episodekit", "script", str(missing)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == f"episode: {missing}: no such file\n"
    assert "Traceback" not in done.stderr


def test_subprocess_verbose_shows_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    done = subprocess.run(
        [sys.executable, "-m", "episodekit", "--verbose", "script", str(missing)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" in done.stderr
    assert done.stderr.endswith(f"episode: {missing}: no such file\n")


def test_readme_build_in_a_fresh_folder_with_relative_paths(tmp_path: Path) -> None:
    # The README's run command: a relative input, the default out/ in the current folder.
    (tmp_path / "seeds").mkdir()
    seed = SEEDS[0]
    (tmp_path / "seeds" / seed.name).write_bytes(seed.read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "episodekit", "build", f"seeds/{seed.name}", "--engine", "offline"],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "out" / seed.stem
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "chapters.json", "chapters.txt", "cover.jpg", "description.txt", "episode.mp3",
        "episode.srt", "episode.vtt", "manifest.json", "script.md", "upload.json",
    ]
    assert f"built out/{seed.stem}/" in done.stdout
    # Nothing but the bundle was written in the working folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "seeds"]


def test_voices_lists_profiles_and_online_voices(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from episodekit.speech.engines import EngineUnavailable, edge

    async def answered(language: str) -> list[dict[str, str]]:
        assert language == "zh"
        return [{"ShortName": "zh-CN-YunxiNeural", "Gender": "Male"}]

    monkeypatch.setattr(edge, "list_edge_voices", answered)
    code, out, err = run(["voices", "--voices", str(ROOT / "voices")], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("guest ") and "edge: zh-CN-YunjianNeural" in lines[0]
    assert lines[1].startswith("narrator ") and "edge: zh-CN-YunxiNeural" in lines[1]
    assert "  zh-CN-YunxiNeural            Male" in lines

    async def unreachable(language: str) -> list[dict[str, str]]:
        raise EngineUnavailable("voice list unreachable: Name or service not known")

    monkeypatch.setattr(edge, "list_edge_voices", unreachable)
    code, out, err = run(["voices", "--voices", str(ROOT / "voices")], capsys)
    assert code == 0
    assert err == (
        "episode: voice service unreachable (voice list unreachable: Name or service not known);"
        " only profiles listed\n"
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00binary", "binary file, not text"),
        (
            "好的，這是經過整理的文稿：\n\n希望這個版本對您有幫助！\n".encode(),
            "nothing to narrate after cleaning",
        ),
    ],
)
def test_refused_input_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, reason: str
) -> None:
    summary = tmp_path / "in.txt"
    summary.write_bytes(content)
    code, out, err = run(["build", str(summary), "-o", str(tmp_path / "out")], capsys)
    assert (code, out, err) == (1, "", f"episode: {summary}: {reason}\n")
    assert not (tmp_path / "out").exists()


def test_unknown_speaker_names_the_script_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    script = tmp_path / "mine.md"
    script.write_text(
        "---\ntitle: x\nvoice: narrator\nscript: hant\n---\n\n## A\n\n[nobody] 你好。\n",
        encoding="utf-8",
    )
    code, _, err = run(
        ["build", str(script), "--engine", "offline", "--voices", str(ROOT / "voices")], capsys
    )
    assert code == 1
    # The voices folder is shown as the user would type it (relative to where they are).
    assert err.startswith(f"episode: {script}: speaker [nobody] has no voice profile in ")
    assert err.endswith("voices/ (have: guest, narrator)\n")


def test_pauses_option_sets_the_silences_between_segments(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import itertools
    import json

    script = tmp_path / "short.md"
    script.write_text(
        "---\ntitle: 測試\nvoice: narrator\nscript: hant\n---\n\n## 一\n\n你好，大家好。\n\n"
        "今天聊一聊。\n\n## 二\n\n感謝收看。\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["build", str(script), "--engine", "offline", "-o", str(out)]
    code, _, err = run([*args, "--pauses", "100,300,900"], capsys)
    assert code == 0, err
    segments = json.loads((out / "short" / "manifest.json").read_text("utf-8"))["segments"]
    gaps = [b["start_ms"] - a["end_ms"] for a, b in itertools.pairwise(segments)]
    assert gaps == [300, 900]  # after a paragraph, after a chapter
    # Two short chapters cannot be YouTube chapters: chapters.txt is empty, the bundle passes.
    assert (out / "short" / "chapters.txt").read_text(encoding="utf-8") == ""
    code, check_out, _ = run(["check", str(out / "short")], capsys)
    assert (code, check_out) == (0, f"{out / 'short'}: meets the standards\n")

    code, _, err = run([*args, "--pauses", "600,300,900"], capsys)
    assert code == 2  # Typer's usage error: an option out of range (README's error contract)
    assert "'600,300,900': give three silences in ms" in " ".join(err.split())


def test_feed_without_a_base_url_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "show.toml").write_text('name = "A"\nhost = "B"\n', encoding="utf-8")
    (tmp_path / "out").mkdir()
    code, _, err = run(["feed"], capsys)
    assert code == 1
    assert err == (
        "episode: show.toml: base_url: is empty; the feed needs the address where out/ is "
        "served\n"
    )


def test_a_bad_show_file_stops_the_build_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "show.toml").write_text('name = "A"\nhost = "B"\nexplicit = "no"\n', "utf-8")
    code, _, err = run(["build", str(ROOT / "seeds" / "000_c0def597f3ce7aed.txt")], capsys)
    assert code == 1
    assert err == "episode: show.toml: explicit: must be true or false, not 'no'\n"
    assert not (tmp_path / "out").exists()


def test_feed_writes_and_warns_of_what_apple_would_refuse(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.bundle.test_feed import make_bundle

    monkeypatch.chdir(tmp_path)
    (tmp_path / "show.toml").write_text(
        'name = "A"\nhost = "B"\nbase_url = "https://example.com/p/"\n', encoding="utf-8"
    )
    make_bundle(tmp_path / "out", "001_a", "第一集", "2026-11-01T10:00:00+00:00")
    code, out, err = run(["feed"], capsys)
    assert code == 0
    assert out == "wrote out/feed.xml: 1 episode(s)\n"
    assert err == "episode: feed.xml: channel: itunes:owner has no email (set [owner] email)\n"


SPOKEN_SCRIPT = (
    "---\ntitle: 測試\nvoice: narrator\nscript: hant\n---\n\n## 開場\n\n"
    "GPT-4o在2024年5月2日發布，增長了79.4%。\n\n[guest] Altman說2-3年內見分曉。\n"
)


def test_spoken_shows_what_each_engine_is_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    script = tmp_path / "short.md"
    script.write_text(SPOKEN_SCRIPT, encoding="utf-8")
    code, out, err = run(["spoken", str(script), "--voices", str(ROOT / "voices")], capsys)
    assert (code, err) == (0, "")
    assert out == (
        "1  開場 · 1 · narrator\n"
        "   G P T 四 o在二零二四年五月二日發布，增長了百分之七十九點四。\n"
        "2  開場 · 2 · guest\n"
        "   奧特曼說兩到三年內見分曉。\n"
    )
    code, out, _ = run(
        ["spoken", str(script), "--engine", "edge", "--voices", str(ROOT / "voices")], capsys
    )
    assert code == 0
    # The online voice reads numbers itself: only the lexicon's respellings change its text.
    assert out.splitlines()[1] == "   G P T 4 o在2024年5月2日發布，增長了79.4%。"
    assert out.splitlines()[3] == "   奧特曼說2-3年內見分曉。"


def test_spoken_of_a_summary_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["spoken", str(SEEDS[0])], capsys)
    assert code == 0 and out.startswith("1  ")
    assert not list(tmp_path.iterdir())
    code, _, err = run(["spoken", str(SEEDS[0]), "--engine", "auto"], capsys)
    assert (code, err) == (1, "episode: unknown voice engine 'auto'; use edge or offline\n")


def test_check_prints_break_warnings_without_failing_on_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tests.check.test_breaks import BAD, GOOD, bundle

    code, out, _ = run(["check", str(bundle(tmp_path / "bad", BAD))], capsys)
    assert "warning: episode.srt: cue 2 (00:00:02,000): word split: ends inside '計算機'\n" in out
    assert f"6 warning(s) about where cues break in {tmp_path / 'bad'}\n" in out
    # The bundle fails for its missing files, not for the warnings: same exit with good cues.
    good_code, good_out, _ = run(["check", str(bundle(tmp_path / "good", GOOD))], capsys)
    assert (code, good_code) == (1, 1)
    assert "warning" not in good_out
