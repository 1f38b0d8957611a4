"""show.toml: the shipped default, and every way a show file can be wrong as one line naming
the file and the key. Also: no template or code file names the default channel or host."""

from __future__ import annotations

from pathlib import Path

import pytest

from episodekit import resources
from episodekit.show import ShowError, default_show, find_show_file, load_show, parse_show

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = 'name = "矽谷夜話"\nhost = "阿明"\n'


def test_the_shipped_show_is_the_channel_and_its_host() -> None:
    show = default_show()
    assert (show.name, show.host, show.category, show.explicit) == ("最佳拍檔", "大飛",
                                                                     "Technology", False)
    assert show.loudness == -16.0 and show.subtitles == "keep" and show.voice == "narrator"
    assert show.in_script("hans").name == "最佳拍档" and show.in_script("hans").host == "大飞"
    assert show.language_for("hant") == "zh-TW" and show.language_for("hans") == "zh-CN"


def test_a_minimal_show_takes_the_defaults() -> None:
    show = parse_show(MINIMAL, Path("show.toml"))
    assert show.name == "矽谷夜話" and show.credited == "阿明" and show.artwork is None
    assert show.video.font_size == 64 and show.cover.font is None


def test_a_full_show_is_read(tmp_path: Path) -> None:
    (tmp_path / "art.png").write_bytes(b"png")
    (tmp_path / "font.ttf").write_bytes(b"ttf")
    text = MINIMAL + """language = "zh-CN"
author = "阿明和朋友"
category = "News"
subcategory = "Tech News"
explicit = true
artwork = "art.png"
base_url = "https://example.com/pod/"
[owner]
email = "amin@example.com"
[defaults]
loudness = -14
subtitles = "hans"
[video]
font = "font.ttf"
font_index = 2
margin = 80
background_colour = "#000000"
"""
    show = parse_show(text, tmp_path / "show.toml")
    assert show.language == "zh-CN" and show.script == "hans"
    assert show.credited == "阿明和朋友" and show.explicit is True
    assert show.artwork == tmp_path / "art.png" and show.video.font == tmp_path / "font.ttf"
    assert show.loudness == -14.0 and show.subtitles == "hans" and show.owner_email
    assert (show.video.font_index, show.video.margin) == (2, 80)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("colour = 1\n", "colour: unknown key"),
        ("explicit = \"no\"\n", "explicit: must be true or false, not 'no'"),
        ("artwork = \"missing.jpg\"\n", "artwork: file 'missing.jpg' does not exist"),
        ("language = \"zh\"\n", "language: must be"),
        ("category = \"Tech\"\n", "category: 'Tech' is not an Apple Podcasts category"),
        ("subcategory = \"Tech News\"\n",
         "subcategory: 'Tech News' is not a subcategory of 'Technology'"),
        ("base_url = \"example.com\"\n", "base_url: must start with https://"),
        ("[owner]\nemail = \"nobody\"\n", "owner.email: is not an email address"),
        ("[owner]\nphone = \"1\"\n", "owner.phone: unknown key"),
        ("[defaults]\nloudness = \"loud\"\n", "defaults.loudness: must be a number"),
        ("[defaults]\nsubtitles = \"both\"\n", "defaults.subtitles: must be"),
        ("[video]\nfont_size = 1.5\n", "video.font_size: must be a whole number, not 1.5"),
        ("[video]\ncolour = \"white\"\n", "video.colour: must be a colour"),
        ("[video]\nbackground_image = \"bg.png\"\n", "video.background_image: file 'bg.png'"),
        ("[cover]\nfont_index = true\n", "cover.font_index: must be a whole number"),
        ("video = 3\n", "video: must be a table"),
        ("description = \"" + "長" * 1334 + "\"\n",
         "description: is 4002 bytes; Apple Podcasts allows 4000"),
    ],
)
def test_each_mistake_is_one_line_naming_file_and_key(
    tmp_path: Path, extra: str, message: str
) -> None:
    path = tmp_path / "show.toml"
    with pytest.raises(ShowError) as raised:
        parse_show(MINIMAL + extra, path)
    text = str(raised.value)
    assert "\n" not in text
    assert text.startswith(f"{path}: {message}"), text


def test_name_and_host_are_required_and_not_empty() -> None:
    with pytest.raises(ShowError, match=r"^show.toml: host: is missing$"):
        parse_show('name = "A"\n', Path("show.toml"))
    with pytest.raises(ShowError, match=r"^show.toml: name: must not be empty$"):
        parse_show('name = " "\nhost = "B"\n', Path("show.toml"))


def test_toml_that_does_not_parse_and_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    with pytest.raises(ShowError, match=r"^show.toml: is not valid TOML: "):
        parse_show("name = ", Path("show.toml"))
    path = tmp_path / "show.toml"
    path.write_bytes('name = "最佳拍檔"'.encode("big5"))
    with pytest.raises(ShowError, match=r"show.toml: is not UTF-8$"):
        load_show(path)


def test_the_current_folders_show_wins(tmp_path: Path) -> None:
    # No show.toml there: the shipped default (the wheel's copy of the project's show.toml when
    # installed, the project's own file in an editable install).
    shipped = find_show_file(cwd=tmp_path)
    assert shipped == resources.default_file("show.toml")
    assert shipped.read_bytes() == (ROOT / "show.toml").read_bytes()
    (tmp_path / "show.toml").write_text(MINIMAL, encoding="utf-8")
    assert find_show_file(cwd=tmp_path) == tmp_path / "show.toml"
    assert find_show_file(Path("other.toml"), cwd=tmp_path) == Path("other.toml")


def test_no_template_or_code_names_the_channel_or_host() -> None:
    """The names live in show.toml only; templates say {{ show.name }} and {{ show.host }}."""
    files = [*(ROOT / "src").rglob("*.py"), *(ROOT / "scripts").glob("*.j2")]
    assert len(files) > 30
    for path in files:
        text = path.read_text(encoding="utf-8")
        for name in ("最佳拍檔", "最佳拍档", "大飛", "大飞"):
            assert name not in text, f"{path.relative_to(ROOT)} names {name}"
