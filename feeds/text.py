"""Plain-text helpers shared by the stages. No business logic."""

import re

# XML 1.0 allows TAB, LF, CR and U+0020 and up, except the surrogates and U+FFFE/U+FFFF.
# DEL and the C1 controls it allows are dropped too: YAML refuses them, and in a post
# they are debris of a wrong decoding, never text.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Drop the characters an XML 1.0 document cannot carry, and DEL and C1 controls."""
    return _XML_FORBIDDEN.sub("", text)


def one_line(text: str) -> str:
    """Fold runs of white space, newlines included, into single spaces."""
    return " ".join(xml_safe(text).split())
