"""Bytes to text: UTF-8 (with or without BOM), else a detected legacy encoding.

Chinese archives hold GB18030/GBK files beside UTF-8 ones. A file is decoded only when
the encoding is certain enough; otherwise it is refused rather than published as mojibake.
"""

import codecs

from charset_normalizer import from_bytes

BINARY_SNIFF = 8192
# Encodings a post may be written in when it is not UTF-8; anything else is refused.
LEGACY_ENCODINGS = {
    "gb18030",
    "gbk",
    "gb2312",
    "big5",
    "cp950",
    "cp936",
    "shift_jis",
    "cp932",
    "euc_jp",
    "euc_kr",
    "cp949",
    "cp1252",
    "latin_1",
    "iso8859_1",
    "utf_16",
    "utf_16_le",
    "utf_16_be",
}


class UndecodableError(ValueError):
    """The bytes are not UTF-8 and no encoding could be told with confidence."""


def looks_binary(data: bytes) -> bool:
    """A NUL byte near the start means an image, archive or other non-text file."""
    head = data[:BINARY_SNIFF]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in head


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name); raises UndecodableError when no encoding is sure."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        # GB18030 covers GBK and GB2312: the encodings Chinese scrapers wrote.
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    best = from_bytes(data).best()
    if best is not None and best.encoding in LEGACY_ENCODINGS:
        if text is not None and best.encoding in {"gb18030", "gbk", "gb2312", "cp936"}:
            return text, "gb18030"
        return str(best), best.encoding
    raise UndecodableError(
        f"not UTF-8 (bad byte at offset {utf8_error.start}) and no other encoding fits; "
        "convert the file to UTF-8 (e.g. iconv -f GB18030 -t UTF-8)"
    )
