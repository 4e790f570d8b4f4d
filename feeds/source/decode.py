"""Bytes to text: UTF-8 (BOM or not), UTF-16 (with a BOM or opening `---`), Chinese GB18030.

Chinese archives hold GB18030/GBK files beside UTF-8 ones. Which legacy encoding a file
is in cannot be told reliably from a few hundred bytes: charset detectors take short GBK
posts for EUC-KR or Big5, and cp1252 for cp1250. So a file that is not UTF-8 is read as
GB18030 only when it decodes strictly into the characters Chinese text is written with,
and is refused otherwise, with a hint: never published as mojibake. (Korean EUC-KR falls
in the same byte range and cannot be told apart; a Chinese archive does not hold it.)
"""

import codecs
import re

BINARY_SNIFF = 8192
# GB2312 holds the 6,763 common hanzi and CJK punctuation: nearly every character of real
# Chinese text, but only a small share of the hanzi that Big5, Shift-JIS or Latin bytes
# turn into when misread as GBK.
CHINESE_SHARE = 0.9
# Python's gb2312 codec maps two GB2312 punctuation marks to other code points than GBK
# and GB18030 decode them to: the middle dot and the em dash.
_AS_GB2312 = str.maketrans({"\u00b7": "\u30fb", "\u2014": "\u2015"})
# A detector's guess, spelt as iconv spells it, offered only as a hint in the message.
_ICONV_NAMES = {
    "big5": "BIG5",
    "big5hkscs": "BIG5-HKSCS",
    "cp950": "CP950",
    "cp932": "CP932",
    "shift_jis": "SHIFT_JIS",
    "euc_jp": "EUC-JP",
    # The detector names JIS X 0213 supersets first; their common part is the usual one.
    "euc_jis_2004": "EUC-JP",
    "euc_jisx0213": "EUC-JP",
    "shift_jis_2004": "SHIFT_JIS",
    "shift_jisx0213": "SHIFT_JIS",
    "cp949": "CP949",
    "euc_kr": "EUC-KR",
    "cp1250": "CP1250",
    "cp1251": "CP1251",
    "cp1252": "CP1252",
    "latin_1": "LATIN1",
}
# GB2312 holds the Japanese kana too (rows 4 and 5, at the very bytes EUC-JP gives them),
# so EUC-JP read as GBK keeps its kana and turns its kanji into other hanzi, all GB2312:
# kana are not what Chinese text is written with, and count against it.
_KANA = re.compile("[\u3041-\u3096\u30a1-\u30fa\u30fc]")
# The 7-bit ISO-2022 encodings switch character sets with escape sequences, and so pass
# for ASCII, and UTF-8: told by the sequences that designate their sets.
_ISO_2022 = re.compile(rb"\x1b(\$[@B]|\$\(D|\(J|\$\)C|\$\)[AG]|\$\*H)")
_ISO_2022_NAMES = {
    b"$)C": "ISO-2022-KR",
    b"$)A": "ISO-2022-CN",
    b"$)G": "ISO-2022-CN",
    b"$*H": "ISO-2022-CN",
}  # else ISO-2022-JP
# UTF-16 without a BOM is told by its front matter's opening '---', after any blank lines.
_UTF16_FRONT = (
    (re.compile(rb"(?:[ \t\r\n]\x00)*-\x00-\x00-\x00"), "utf-16-le"),
    (re.compile(rb"(?:\x00[ \t\r\n])*\x00-\x00-\x00-"), "utf-16-be"),
)


class UndecodableError(ValueError):
    """The bytes are neither UTF-8 nor Chinese GB18030 text."""


def looks_binary(data: bytes) -> bool:
    """A NUL byte near the start means an image, archive or other non-text file.

    A file that opens with front matter is a post, whatever stray NUL bytes it holds.
    """
    head = data[:BINARY_SNIFF]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_front(head):
        return False
    if head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n").startswith(b"---"):
        return False
    return b"\x00" in head


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name); raises UndecodableError rather than guess."""
    encoding = _unambiguous(data)
    try:
        if encoding is not None:
            return codecs.decode(data, encoding), encoding
        text = data.decode("utf-8")
        _refuse_iso_2022(data)
        return text, "utf-8"
    except UnicodeDecodeError as exc:
        error = exc
    if encoding is None:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            pass
        else:
            if reads_as_chinese(text):
                return text, "gb18030"
    raise UndecodableError(_refusal(data, encoding or "utf-8", error))


def _refuse_iso_2022(data: bytes) -> None:
    """Raise UndecodableError for 7-bit ISO-2022 text, which decodes as UTF-8 mojibake."""
    if b"\x1b" not in data:  # what every post is spared
        return
    found = _ISO_2022.search(data)
    if found is None:
        return
    name = _ISO_2022_NAMES.get(found.group(1), "ISO-2022-JP")
    line = data.count(b"\n", 0, found.start()) + 1
    raise UndecodableError(
        f"{name} text, not UTF-8 (escape sequence on line {line}); convert it, e.g. "
        f"iconv -f {name} -t UTF-8"
    )


def _unambiguous(data: bytes) -> str | None:
    """The encoding a BOM or a UTF-16 front matter opening names, if any."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return _utf16_front(data)


def _utf16_front(data: bytes) -> str | None:
    """The UTF-16 byte order of a file that opens with front matter in it, BOM or not."""
    if b"\x00" not in data[:2]:  # what every other file is spared
        return None
    for pattern, encoding in _UTF16_FRONT:
        if pattern.match(data):
            return encoding
    return None


def reads_as_chinese(text: str) -> bool:
    """Most characters beyond ASCII are common hanzi or CJK punctuation."""
    beyond_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if not beyond_ascii:
        return False
    missing = text.translate(_AS_GB2312).encode("gb2312", "replace").count(b"?") - text.count("?")
    missing += len(_KANA.findall(text))
    return missing <= beyond_ascii * (1 - CHINESE_SHARE)


def _refusal(data: bytes, encoding: str, error: UnicodeDecodeError) -> str:
    line = data.count(b"\n", 0, error.start) + 1
    if encoding != "utf-8":
        name = encoding.upper().removesuffix("-SIG")
        return f"not valid {name} although it starts as such (line {line}); save it as UTF-8"
    from charset_normalizer import from_bytes  # here: slow to import, and rarely needed

    guess = from_bytes(data[: 64 * 1024]).best()
    name = _ICONV_NAMES.get(guess.encoding, "") if guess is not None else ""
    how = f"iconv -f {name} -t UTF-8 ({name} is a guess)" if name else "iconv -f ENCODING -t UTF-8"
    return f"not UTF-8 (bad byte on line {line}) nor Chinese GB18030 text; convert it, e.g. {how}"
