"""Plain-text helpers shared by the stages, and the one way text becomes feed markup.
No business logic."""

import re
from html import escape
from typing import Literal

# XML 1.0 allows TAB, LF, CR and U+0020 and up, except the surrogates and U+FFFE/U+FFFF.
# DEL and the C1 controls it allows are dropped too: YAML refuses them, and in a post
# they are debris of a wrong decoding, never text.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# How a feed field carries text: as text (RSS titles, categories, names; every Atom text
# construct), or as HTML (RSS descriptions, which readers render).
Model = Literal["text", "html"]


def xml_safe(text: str) -> str:
    """Drop the characters an XML 1.0 document cannot carry, and DEL and C1 controls."""
    return _XML_FORBIDDEN.sub("", text)


def one_line(text: str) -> str:
    """Fold runs of white space, newlines included, into single spaces."""
    return " ".join(xml_safe(text).split())


def field_text(text: str, model: Model = "text") -> str:
    """Plain text as a feed field of that model holds it; the XML writer then escapes it once.

    The one place text becomes markup. Tested with feedparser, newsboat and sfeed
    (tests/test_hardening_text_fields.py): all three show an RSS title, escaped once, as
    text, and show an escaped-twice one with its `&amp;`, so titles are escaped once, as
    the RSS profile's character references do. A description is HTML to every reader, so
    its text is escaped as HTML first.
    """
    safe = xml_safe(text)
    return escape(safe, quote=False) if model == "html" else safe
