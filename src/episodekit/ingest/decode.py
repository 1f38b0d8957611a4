"""Bytes -> text: read an input file and decode it (UTF-8 with or without BOM, UTF-16 with a
BOM, GB18030/GBK, Big5), refusing binary and empty files with one line naming the file.
"""

from __future__ import annotations

import stat
from pathlib import Path

import charset_normalizer

from episodekit.errors import InputError

# ---------------------------------------------------------------- decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# The legacy encodings Chinese text files come in. GB18030 is a superset of GBK and GB2312.
_LEGACY = ("gb18030", "big5")
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "big5hkscs": "big5",
    "cp950": "big5",
}
# The commonest characters of written Chinese in both scripts: a wrong legacy decoding turns
# text into rare characters, a right one is full of these.
_COMMON = set(
    "的一是不了人我在有他這这个個們们中來来上大為为和國国地到以說说時时要就出會会可也你對对生能而子"
    "那得於于著着下自之年過过發发後后作裡里用道行所然家種种事成方多經经麼么去法學学如都同現现當当沒没"
    "動动面起看定天分還还進进好小部其些主樣样理心她本前開开但因只從从想實实日者意無无力它與与長长把"
    "機机十民第公此已工使情明性知全三又關关點点正業业外將将兩两高間间由問问很最重並并物手應应向頭头文"
    "體体相見见被利什二等產产或新己身果加月話话合回特代內内信表化老給给世位次度門门任常先海通教兒儿"
    "原東东聲声提立及比員员解水名真論论處处走義义各入幾几口認认條条平系氣气題题活更別别打女變变四神"
    "總总何電电數数安少報报才結结反受目太量再感建務务做接必場场件計计管期市直資资命山金指許许統统區区"
    "保至形社便空決决治展馬马科司五基眼書书非則则聽听白界達达光放強强即像難难且權权思王象完設设式色"
    "路記记南品住告類类求據据程北邊边張张該该交規规萬万取拉格望覺觉術术領领共確确傳传師师觀观清今切"
    "院讓让識识候帶带導导爭争運运笑飛飞風风步改收根造言聯联持組组每濟济車车親亲極极林服快辦办議议往"
    "元英士證证近失轉转夫令準准布始怎呢存未遠远叫台單单影具羅罗字愛爱擊击流備备兵連连調调深商算質质"
    "團团集百需價价花華华城石級级整府離离況况請请技際际約约示復复病息究線线似官火斷断精滿满支視视消"
    "越器容照須须九增研寫写稱称企八功嗎吗包片史委乎查輕轻易早曾除農农找裝装廣广顯显吧李標标談谈吃圖图"
    "，。、：；？！「」“”（）"
)


def _commonness(text: str) -> float:
    cjk = [c for c in text if ord(c) >= 0x2E80]
    if not cjk:
        return 0.0
    return sum(c in _COMMON for c in cjk) / len(cjk)


def _looks_binary(text: str) -> bool:
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    return controls > max(2, len(text) // 100)


def decode(data: bytes, path: Path) -> str:
    """Text of a summary file: UTF-8 (BOM or not), UTF-16 with a BOM, GB18030/GBK or Big5.

    Strict UTF-8 comes first: it almost never decodes legacy bytes by accident. Between the
    legacy encodings, charset-normalizer misjudges short texts, so a candidate that decodes
    strictly wins by how common its characters are; charset-normalizer breaks ties.
    """
    if not data.strip():
        raise InputError(path, "empty file")
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise InputError(path, "not valid text in any supported encoding") from None
            break
    if text is None:
        if b"\x00" in data:
            raise InputError(path, "binary file, not text")
        text = _decode_unmarked(data, path)
    if _looks_binary(text):
        raise InputError(path, "binary file, not text")
    if not text.strip():
        raise InputError(path, "empty file")
    return text


def _decode_unmarked(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates: dict[str, str] = {}
    for encoding in _LEGACY:
        try:
            candidates[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise InputError(path, "not valid text in any supported encoding")
    if len(candidates) == 1:
        return next(iter(candidates.values()))
    scores = {enc: _commonness(text) for enc, text in candidates.items()}
    best = max(scores.values())
    leaders = [enc for enc, score in scores.items() if best - score < 0.05]
    if len(leaders) > 1:
        guess = charset_normalizer.from_bytes(data).best()
        named = _CHARSET_ALIASES.get(guess.encoding, guess.encoding) if guess else ""
        if named in leaders:
            return candidates[named]
    return candidates[max(scores, key=lambda enc: scores[enc])]


# ---------------------------------------------------------------- cleaning


# A summary is a few pages; a script of a 3-hour episode ~200 kB. Anything far bigger is a
# mistake (a video, a disk image, /dev/zero) and would be read into memory whole.
MAX_INPUT_BYTES = 5 * 1024 * 1024


def read_text(path: Path) -> str:
    """Read and decode an input file (a summary or a script); InputError naming it if refused.

    Only a regular file of at most MAX_INPUT_BYTES is read: a FIFO would block forever and a
    device such as /dev/zero never ends."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as error:
        raise InputError(path, f"cannot be read ({error.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(path, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, "is not a regular file (a pipe or a device); give a text file")
    limit_mb = MAX_INPUT_BYTES // (1024 * 1024)
    if info.st_size > MAX_INPUT_BYTES:
        size = f"{info.st_size / 1e6:.1f} MB"
        raise InputError(path, f"is {size}; a summary is at most {limit_mb} MB")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        raise InputError(path, f"cannot be read ({error.strerror})") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(path, f"is over {limit_mb} MB; a summary is at most {limit_mb} MB")
    return decode(data, path)
