"""episode check on what a bundle publishes: cover.jpg, the embedded artwork, chapters.json,
upload.json and the manifest's feed identity. Each broken bundle differs from a good one in one
thing and must give exactly the one complaint about it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.check.test_check import UPLOAD, Spec, make_mp3, problems


@pytest.fixture(scope="module")
def mp3s(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    good = tmp_path_factory.mktemp("mp3") / "good.mp3"
    make_mp3(good, 0.224)
    return {"good": good}


def jpeg(size: tuple[int, int], kind: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#336699").save(buffer, kind)
    return buffer.getvalue()


def noisy_jpeg(size: tuple[int, int]) -> bytes:
    """A 1280×720 JPEG of random noise at quality 100: well over 2 MB."""
    import numpy as np

    pixels = np.random.default_rng(7).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=100, subsampling=0)
    return buffer.getvalue()


def upload(**changes: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(UPLOAD))
    for path, value in changes.items():
        platform, key = path.split("__")
        data[platform][key] = value
    return data


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (Spec(cover=jpeg((1280, 800))), ["cover.jpg: is 1280×800 (must be 1280×720)"]),
        (Spec(cover=jpeg((1280, 720), "PNG")), ["cover.jpg: is PNG, not JPEG"]),
        (Spec(cover=b"not a picture"), None),
        (Spec(artwork=None), ["episode.mp3: has no embedded front cover (APIC)"]),
        (Spec(artwork=jpeg((3200, 3200))),
         ["episode.mp3: APIC: is 3200×3200 (must be square, at most 3000 px)"]),
        (Spec(podcast_chapters='{"version": "1.2.0", "chapters": []}'),
         ["chapters.json: has no chapters"]),
        (Spec(podcast_chapters=json.dumps({"version": "1.2.0", "chapters": [
            {"startTime": 0, "title": "開場"}, {"startTime": 0, "title": "正題"},
            {"startTime": 20, "title": "結尾"}]})),
         ["chapters.json: chapter 2: does not start after the one before"]),
        (Spec(upload=upload(youtube__title="長" * 101)),
         ["upload.json: youtube title: has 101 characters (max 100)"]),
        (Spec(upload=upload(youtube__description="a <b> c")),
         ["upload.json: youtube description: contains < or >"]),
        (Spec(upload=upload(bilibili__title="長" * 81)),
         ["upload.json: bilibili title: has 81 characters (max 80)"]),
        (Spec(upload=upload(bilibili__desc="字" * 2001)),
         ["upload.json: bilibili desc: has 2001 characters (max 2000)"]),
        (Spec(upload=upload(bilibili__tags=[f"t{n}" for n in range(11)])),
         ["upload.json: bilibili tags: are 11 (max 10)"]),
        (Spec(upload=upload(bilibili__tags=["一" * 21])),
         ["upload.json: bilibili tags: '" + "一" * 21 + "' has 21 characters (max 20)"]),
        (Spec(identity={"published": "2026-11-27T14:00:00+00:00"}),
         ["manifest.json: has no 'guid' (the feed needs one per episode)"]),
    ],
)
def test_each_publishing_defect_is_one_complaint(
    tmp_path: Path, mp3s: dict[str, Path], spec: Spec, expected: list[str] | None
) -> None:
    found = problems(tmp_path, mp3s, spec)
    if expected is None:  # an unreadable cover: one complaint naming cover.jpg
        assert len(found) == 1 and found[0].startswith("cover.jpg: is not a readable image")
    else:
        assert found == expected


def test_a_cover_over_2_mb(tmp_path: Path, mp3s: dict[str, Path]) -> None:
    heavy = noisy_jpeg((1280, 720))
    assert len(heavy) > 2_000_000
    assert problems(tmp_path, mp3s, Spec(cover=heavy)) == [
        f"cover.jpg: is {len(heavy)} bytes (must be under 2 MB)"
    ]


def test_youtube_tags_over_500_characters(tmp_path: Path, mp3s: dict[str, Path]) -> None:
    tags = ["十個字的一個標籤名稱"] * 46  # 46 × 10 + 45 commas = 505
    assert problems(tmp_path, mp3s, Spec(upload=upload(youtube__tags=tags))) == [
        "upload.json: youtube tags: take 505 characters (max 500)"
    ]
