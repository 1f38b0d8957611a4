"""Issue 15: the hostile cases that did not end cleanly, one test per finding (numbered as in the
issue). Crafted inputs live in tests/data/hostile/. Builds use the offline voice and the short
summary there, so each takes a couple of seconds."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import wave
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3

from episodekit import build as build_module
from episodekit import files
from episodekit.check import check_bundle
from episodekit.check.rules import FILES
from episodekit.errors import os_error_line
from tests.conftest import ROOT, run_cli

HOSTILE = ROOT / "tests" / "data" / "hostile"
SHORT = HOSTILE / "short.txt"
BUNDLE = tuple(sorted(FILES))  # every file of a bundle, as check knows them


def episode(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run `episode ARGS` in-process: (exit code, stdout, stderr)."""
    return run_cli(args, capsys)


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.removeprefix("episode: ").rstrip("\n")


def build_offline(
    source: Path, out: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    return episode(["build", str(source), "--engine", "offline", "-o", str(out), *extra], capsys)


def write_tone(path: Path, seconds: float = 1.0) -> Path:
    t = np.arange(int(24_000 * seconds)) / 24_000
    samples = (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(24_000)
        out.writeframes(samples.tobytes())
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One build of the short summary (with music, so the music scratch files are made):
    the bundle folder and what the build printed on stderr."""
    import subprocess
    import sys

    work = tmp_path_factory.mktemp("built")
    intro = write_tone(work / "intro.wav")
    env = {
        **os.environ,
        "EPISODEKIT_CACHE_DIR": str(work / "cache"),
        "EPISODEKIT_EDGE_URL": "ws://127.0.0.1:9/edge/v1?TrustedClientToken=test",
        "PYTHONPATH": str(ROOT / "src"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "episodekit", "build", str(SHORT), "--engine", "offline",
         "-o", str(work / "out"), "--intro-music", str(intro)],
        capture_output=True, text=True, env=env, cwd=work, check=False,
    )
    assert done.returncode == 0, done.stderr
    return work / "out" / "short", done.stderr


# ---------------------------------------------------------------- data loss, writing outside


def test_01_summary_named_script_md_is_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "notes" / "script.md"
    summary.parent.mkdir()
    shutil.copy(HOSTILE / "summary_named_script" / "script.md", summary)
    before = summary.read_bytes()
    monkeypatch.chdir(tmp_path)
    code, _, err = episode(["build", str(summary), "--engine", "offline"], capsys)
    assert code == 0, err
    assert "using your edited" not in err
    code, _, err = episode(
        ["build", str(summary), "--engine", "offline", "--regenerate-script"], capsys
    )
    assert code == 0, err
    assert summary.read_bytes() == before  # the summary was never written over
    assert (tmp_path / "out" / "script" / "script.md").is_file()  # the bundle went to out/


def test_02_planted_symlinks_in_the_bundle_are_never_written_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, _, err = build_offline(SHORT, out, capsys)
    assert code == 0, err
    victims = [tmp_path / "victim.txt", tmp_path / "victim2.txt"]
    for victim in victims:
        victim.write_text("keep me", encoding="utf-8")
    folder = out / "short"
    (folder / "music-intro.f32").symlink_to("../../victim.txt")
    (folder / "episode.srt").unlink()
    (folder / "episode.srt").symlink_to("../../victim2.txt")
    intro = write_tone(tmp_path / "intro.wav")
    code, _, err = build_offline(SHORT, out, capsys, "--intro-music", str(intro))
    assert code == 0, err
    assert [v.read_text(encoding="utf-8") for v in victims] == ["keep me", "keep me"]
    assert not (folder / "episode.srt").is_symlink()  # replaced by the new file, not followed


@pytest.mark.parametrize("name", ["...txt", "..txt", ". .txt"])
def test_03_a_file_name_that_gives_no_folder_name_is_refused(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in" / name
    source.parent.mkdir()
    shutil.copy(SHORT, source)
    monkeypatch.chdir(tmp_path)
    code, _, err = episode(["build", str(source), "--engine", "offline"], capsys)
    assert code == 1
    assert "gives no folder name for the bundle" in one_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # nothing written anywhere


def test_04_damaged_cache_entries_are_discarded_and_synthesized_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    cache = tmp_path / "cache"
    code, _, err = build_offline(SHORT, out, capsys, "--cache-dir", str(cache))
    assert code == 0, err
    metas = sorted(cache.rglob("*.json"))
    # Random samples behind a valid RIFF header; an edited duration; a zeroed header.
    noisy = metas[0].with_suffix(".wav")
    data = bytearray(noisy.read_bytes())
    data[44:] = np.random.default_rng(1).integers(0, 256, len(data) - 44, dtype=np.uint8).tobytes()
    noisy.write_bytes(bytes(data))
    meta = json.loads(metas[1].read_text(encoding="utf-8"))
    meta["duration_ms"] = 10_000_000
    metas[1].write_text(json.dumps(meta), encoding="utf-8")
    zeroed = metas[2].with_suffix(".wav")
    zeroed.write_bytes(bytes(44) + zeroed.read_bytes()[44:])
    code, _, err = build_offline(SHORT, out, capsys, "--cache-dir", str(cache))
    assert code == 0, err
    assert "3 damaged cache entries" in err and "synthesizing again" in err
    manifest = json.loads((out / "short" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stats"]["synthesized"] == 3
    assert manifest["duration_ms"] < 120_000
    assert check_bundle(out / "short") == []


def test_05_a_commit_cut_short_is_detected_and_finished_by_the_next_build(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The state a kill -9 leaves in the middle of files.commit: the marker, two new files
    # moved in, the rest still staged. (The kill test in test_episode.py does it for real.)
    folder = tmp_path / "short"
    shutil.copytree(built[0], folder)
    staged = folder / f"{files.SCRATCH_PREFIX}999999999-dead"
    staged.mkdir()
    names = sorted(BUNDLE)
    for name in names:
        shutil.copy(folder / name, staged / name)
    (staged / "episode.srt").write_text("new", encoding="utf-8")  # stands for the new files
    listing = "\n".join([staged.name, *names]) + "\n"
    (folder / files.COMMIT_MARKER).write_text(listing, encoding="utf-8")
    for name in names[:2]:
        os.replace(staged / name, folder / name)
    problems = [str(v) for v in check_bundle(folder)]
    assert any("interrupted while writing the bundle" in p for p in problems)
    notes: list[str] = []
    files.recover_commit(folder, notes.append)
    assert notes == [
        f"finished writing {folder}/, which an interrupted build had left half written"
    ]
    assert (folder / "episode.srt").read_text(encoding="utf-8") == "new"
    assert not (folder / files.COMMIT_MARKER).exists() and not staged.exists()


def test_05_ctrl_c_during_the_commit_still_moves_every_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "b"
    bundle.mkdir()
    staged = bundle / f"{files.SCRATCH_PREFIX}{os.getpid()}-x"
    staged.mkdir()
    for name in ("a", "b", "c"):
        (staged / name).write_text(name, encoding="utf-8")
    real_replace = os.replace
    calls: list[str] = []

    def interrupted_once(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        calls.append(str(target))
        if Path(target).name == "b" and calls.count(str(target)) == 1:
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        files.commit(bundle, staged, ["a", "b", "c"])
    assert sorted(p.name for p in bundle.iterdir() if p.is_file()) == ["a", "b", "c"]


# ---------------------------------------------------------------- crashes, hangs, resources


def test_08_bullets_nested_too_deep_are_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = episode(
        ["script", str(HOSTILE / "deep_bullets.txt"), "-o", str(tmp_path / "s.md")], capsys
    )
    assert code == 1
    assert "bullets nested more than 12 levels deep" in one_line(err)


def test_09_only_regular_files_of_limited_size_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(6 * 1024 * 1024)
    for source, reason in (
        (fifo, "is not a regular file (a pipe or a device)"),
        (Path("/dev/zero"), "is not a regular file (a pipe or a device)"),
        (big, "is 6.3 MB; a summary is at most 5 MB"),
    ):
        code, _, err = episode(["script", str(source), "-o", str(tmp_path / "s.md")], capsys)
        assert code == 1
        assert one_line(err) == f"{source}: {reason}; give a text file" or reason in err


def test_11_no_scratch_file_is_left_and_check_reports_leftovers(
    built: tuple[Path, str], tmp_path: Path
) -> None:
    folder, _ = built
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([*BUNDLE, ".generated-script.sha256"])  # no music-*.f32, no .s16
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / f"{files.SCRATCH_PREFIX}999999999-dead").mkdir()
    (copy / ".episode.mp3.x.part").write_bytes(b"x")
    problems = [str(v) for v in check_bundle(copy)]
    assert f"{files.SCRATCH_PREFIX}999999999-dead: left by an interrupted build; the next " \
        "build removes it" in problems
    assert any(p.startswith(".episode.mp3.x.part: left by an interrupted build") for p in problems)
    files.sweep_scratch(copy)
    assert check_bundle(copy) == []


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("nested_loops.j2", "rendering took more than 0.5 s"),
        ("huge_range.j2", "Range too big"),
        ("recursive_macro.j2", "recursion too deep"),
        ("huge_string.j2", "too much output"),
    ],
)
def test_12_runaway_templates_end_in_one_line_naming_the_template(
    template: str, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from episodekit.narrate import render

    monkeypatch.setattr(render, "TEMPLATE_SECONDS", 0.5)
    scripts = tmp_path / "scripts"
    shutil.copytree(ROOT / "scripts", scripts)
    shutil.copy(HOSTILE / "templates" / template, scripts / "episode.j2")
    code, _, err = episode(
        ["script", str(SHORT), "--templates", str(scripts), "-o", str(tmp_path / "s.md")], capsys
    )
    assert code == 1
    line = one_line(err)
    assert line.startswith(f"{scripts / 'episode.j2'}:") and reason in line


def test_13_a_long_unpunctuated_paragraph_gives_readable_cues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, _, err = build_offline(HOSTILE / "long_unpunctuated.txt", out, capsys)
    assert code == 0, err
    assert check_bundle(out / "long_unpunctuated") == []


@pytest.mark.parametrize(
    "option",
    [
        ["--loudness", "50"], ["--loudness", "0"], ["--loudness", "inf"],
        ["--loudness", "-200"], ["--loudness", "nan"], ["--jobs", "0"], ["--lines", "3"],
        ["--subtitles", "big5"], ["--pauses", "-1,2,3"],
    ],
)
def test_14_options_out_of_range_are_refused_by_typer_before_any_work(
    option: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = build_offline(SHORT, tmp_path / "out", capsys, *option)
    assert code == 2
    assert "Invalid value" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_14_subtitles_in_the_other_script_pass_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, _, err = build_offline(SHORT, out, capsys, "--subtitles", "hans")
    assert code == 0, err
    assert "这里" in (out / "short" / "episode.srt").read_text(encoding="utf-8")
    assert check_bundle(out / "short") == []


def test_14_scripts_and_profiles_that_would_fail_check_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    for name, reason in (
        ("empty_title.md", "front matter title is empty"),
        ("only_punctuation.md", "nothing to speak: no paragraph holds a letter or a digit"),
    ):
        source = tmp_path / name
        shutil.copy(HOSTILE / name, source)
        code, _, err = build_offline(source, out, capsys)
        assert code == 1
        assert reason in one_line(err)
    voices = tmp_path / "voices"
    voices.mkdir()
    shutil.copy(HOSTILE / "fast_rate.toml", voices / "narrator.toml")
    code, _, err = build_offline(SHORT, out, capsys, "--voices", str(voices))
    assert code == 1
    assert "rate '+1000%' is out of range; the offline voice takes -50% to +50%" in one_line(err)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("english.txt", "is mostly Latin script (0% Chinese)"),
        ("pdf_text.txt", "looks like the raw content of a PDF file"),
        ("one_line.txt", "holds almost nothing to narrate"),
    ],
)
def test_15_input_that_is_not_a_chinese_summary_is_refused_unless_forced(
    name: str, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "s.md"
    code, _, err = episode(["script", str(HOSTILE / name), "-o", str(target)], capsys)
    assert code == 1
    assert reason in one_line(err) and "pass --force" in err
    assert not target.exists()
    code, _, err = episode(["script", str(HOSTILE / name), "-o", str(target), "--force"], capsys)
    assert code == 0
    assert reason in one_line(err) and "narrating it anyway" in err
    assert "title: \n" not in target.read_text(encoding="utf-8")  # never an empty title


def test_16_a_summary_with_yaml_front_matter_is_narrated_not_taken_for_a_script(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, _, err = build_offline(HOSTILE / "front_matter_summary.txt", out, capsys)
    assert code == 0, err
    script = (out / "front_matter_summary" / "script.md").read_text(encoding="utf-8")
    assert "source: https://example.com/talk" in script and "voice: narrator" in script


# ---------------------------------------------------------------- messages and exit codes


def test_17_problems_a_user_can_fix_are_exit_1_naming_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    for args in (
        ["build", str(SHORT), "--cache-dir", str(a_file)],
        ["build", str(SHORT), "-o", str(a_file)],
        ["init", str(a_file)],
    ):
        code, _, err = episode(args, capsys)
        assert code == 2 and "is a file" in " ".join(err.replace("│", " ").split()), err
    code, _, err = episode(["script", str(SHORT), "-o", str(tmp_path)], capsys)
    assert (code, one_line(err)) == (1, f"{tmp_path}: is a folder; -o takes the script's file name")

    # Root may write anywhere, so a full disk is simulated where the bundle is written.
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out" / "x"))

    monkeypatch.setattr(files, "write_bytes_atomic", disk_full)
    code, _, err = build_offline(SHORT, tmp_path / "out", capsys)
    assert code == 1
    assert one_line(err) == (
        f"{tmp_path / 'out' / 'x'}: no space left on the disk; fix that and run the command again"
    )
    denied = PermissionError(errno.EACCES, "Permission denied", "/ro/out")
    assert os_error_line(denied) == "/ro/out: permission denied; fix that and run the command again"


def test_18_verbose_and_quiet_work_after_the_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.txt"
    code, _, err = episode(["script", str(missing), "--verbose"], capsys)
    assert code == 1 and "Traceback" in err and err.endswith(f"{missing}: no such file\n")
    code, _, err = episode(["script", str(missing), "-q"], capsys)
    assert (code, err) == (1, f"episode: {missing}: no such file\n")
    code, out, err = build_offline(SHORT, tmp_path / "out", capsys, "--quiet")
    assert (code, out, err) == (0, "", "")


def test_19_an_unreachable_service_named_explicitly_is_exit_3_said_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = episode(
        ["build", str(SHORT), "--engine", "edge", "-o", str(tmp_path / "out")], capsys
    )
    assert code == 3
    line = one_line(err)
    assert line.startswith("voice service ws://127.0.0.1:9/edge/v1 unreachable: ")
    assert line.count("unreachable") == 1


def test_19_the_probe_waits_as_long_as_a_request(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from episodekit.speech.engines.edge import EdgeEngine

    seen: list[tuple[float, float]] = []

    async def synthesize(self: EdgeEngine, text: str, voice: object) -> None:
        seen.append((self.connect_timeout, self.receive_timeout))

    monkeypatch.setattr(EdgeEngine, "synthesize", synthesize)
    asyncio.run(EdgeEngine(connect_timeout=10, receive_timeout=60).probe())
    assert seen == [(10, 60)]


def test_20_ctrl_c_says_what_was_kept_and_how_to_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from episodekit import audio

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(audio, "render_episode", interrupted)
    code, _, err = build_offline(SHORT, tmp_path / "out", capsys)
    assert code == 130
    cached = len(list(Path(os.environ["EPISODEKIT_CACHE_DIR"]).rglob("*.json")))
    assert cached > 0
    assert err.endswith(
        f"episode: interrupted; {cached} segment(s) synthesized in this run are cached, the "
        "bundle was left as it was: run the same command again to resume\n"
    )
    assert not [p for p in (tmp_path / "out" / "short").iterdir() if p.name.startswith(".epi")]


def test_21_each_stage_after_synthesis_is_shown(built: tuple[Path, str]) -> None:
    _, stderr = built
    stages = [line for line in stderr.splitlines() if line.endswith("…")]
    assert stages == [
        "episode: music…", "episode: subtitles…", "episode: mixing and measuring…",
        "episode: fitting loudness…", "episode: encoding and verifying…", "episode: tagging…",
        "episode: bundle…",
    ]
    assert "episode: mixing and measuring 100%" in stderr.splitlines()  # the mix's own progress


# ---------------------------------------------------------------- conventions


def test_22_bundle_files_follow_the_umask(built: tuple[Path, str]) -> None:
    folder, _ = built
    expected = files.FILE_MODE
    modes = {name: stat.S_IMODE((folder / name).stat().st_mode) for name in BUNDLE}
    assert set(modes.values()) == {expected}, modes


def test_22_chapter_frames_are_stored_in_time_order(built: tuple[Path, str]) -> None:
    folder, _ = built
    ids = [frame.element_id for frame in ID3(folder / "episode.mp3").getall("CHAP")]
    assert ids == sorted(ids) and len(ids) >= 2


def test_22_check_validates_the_manifest_schema(built: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = built
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["segments"] = "x"
    manifest["duration_ms"] = "long"
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    problems = [str(v) for v in check_bundle(copy)]
    assert "manifest.json: 'segments' is not a list: 'x'" in problems
    assert "manifest.json: 'duration_ms' is not an integer: 'long'" in problems


def test_22_a_lone_star_in_a_summary_is_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "s.md"
    code, _, err = episode(["script", str(HOSTILE / "stars.txt"), "-o", str(target)], capsys)
    assert code == 0, err
    assert "{{ 7*7 }}" in target.read_text(encoding="utf-8")


def test_output_folder_refuses_dot_stems_directly() -> None:
    from episodekit.errors import InputError

    for name in ("...txt", "..txt"):
        with pytest.raises(InputError):
            build_module.output_folder(Path(name), Path("out"))


def test_17_a_bug_is_internal_error_with_its_own_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def bug(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(build_module, "build", bug)
    code, _, err = build_offline(SHORT, tmp_path / "out", capsys)
    assert code == 4
    assert one_line(err) == "internal error: ValueError: a bug (run with --verbose for details)"


def test_readme_error_contract_matches_the_code() -> None:
    # The exit codes the README's table documents are the ones the code uses (the tests above
    # assert each in a real run: 1, 2, 3, 4, 130, 143).
    from episodekit.errors import (
        INTERNAL_ERROR_EXIT,
        BuildInterrupted,
        EpisodeError,
        ServiceUnreachable,
        SynthesisError,
    )

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Errors and exit codes") : readme.index("What is refused")]
    codes = [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| ")]
    assert codes[1:] == ["0", "1", "2", "3", "4", "130 / 143"]
    assert EpisodeError.exit_code == 1 and INTERNAL_ERROR_EXIT == 4
    assert ServiceUnreachable.exit_code == SynthesisError.exit_code == 3
    assert (BuildInterrupted(0).exit_code, BuildInterrupted(0, terminated=True).exit_code) == (
        130, 143,
    )


def test_07_check_accepts_an_mp3_holding_the_first_255_of_more_chapters(
    built: tuple[Path, str], tmp_path: Path
) -> None:
    # The manifest keeps every chapter; the ID3 tag can hold 255: check compares those.
    from mutagen.id3 import CHAP, CTOC, TIT2, CTOCFlags

    from episodekit.audio.id3 import chapter_id

    folder, _ = built
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    marks = [
        {"title": f"第{i}章", "start_ms": i * 100, "end_ms": (i + 1) * 100} for i in range(300)
    ]
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["chapters"] = marks
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    id3 = ID3(copy / "episode.mp3")
    id3.delall("CHAP")
    id3.delall("CTOC")
    for i, mark in enumerate(marks[:255]):
        id3.add(CHAP(element_id=chapter_id(i), start_time=mark["start_ms"],
                     end_time=mark["end_ms"], sub_frames=[TIT2(text=[mark["title"]])]))
    id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                 child_element_ids=[chapter_id(i) for i in range(255)]))
    id3.save(copy / "episode.mp3", v2_version=3)
    problems = [str(v) for v in check_bundle(copy) if str(v).startswith("episode.mp3")]
    assert not [p for p in problems if "chapter" in p], problems
