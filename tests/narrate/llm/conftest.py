"""A small summary the writer tests narrate: an opening and two chapters."""

from __future__ import annotations

from pathlib import Path

import pytest

SUMMARY = """**標題：OpenAI 的下一步**

**開場：**

*   最近 OpenAI 熱度持續高漲，人們好奇它究竟想做什麼。

**三大戰略：**

*   **個人 AI 訂閱服務：** OpenAI 希望成為人們的個人 AI 訂閱服務。
*   **海量基礎設施：** OpenAI 必須構建海量的基礎設施，目前只支持自用。
*   **垂直整合：** 他以 iPhone 為例，指出它是極其垂直整合的產品。

**Sora 的意義：**

*   建立一個真正出色的世界模型，對 AGI 的重要性將超出人們的想像。
*   影片比文本有更多的情感共鳴，Sora 2 上線 30 天就有 500 萬用戶。
"""
REQUESTS = 3  # the opening and two chapters, when every answer passes


@pytest.fixture
def summary(tmp_path: Path) -> Path:
    path = tmp_path / "summary.txt"
    path.write_text(SUMMARY, encoding="utf-8")
    return path
