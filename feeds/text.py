"""Plain-text helpers shared by the stages, and the one way text becomes feed markup.
No business logic."""

import re
from html import escape
from typing import Literal

# XML 1.0 allows TAB, LF, CR and U+0020 and up, except the surrogates and U+FFFE/U+FFFF.
# DEL and the C1 controls it allows are dropped too: YAML refuses them, and in a post
# they are debris of a wrong decoding, never text.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Invisible characters that reorder or split what a label shows without showing
# themselves: bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069; a
# title could display reversed), and zero-width space, word joiner and invisible operators
# (U+200B, U+2060-U+2064) and U+FEFF, which make `a\u200bb` a category other than `ab`.
# Kept: ZWNJ and ZWJ (U+200C, U+200D), which spell words in Persian and Indic scripts and
# join emoji sequences, and the LRM/RLM marks, which order neutral characters in
# mixed-direction text without reordering a run.
_INVISIBLE = re.compile("[\u200b\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

# How a feed field carries text: as text (RSS titles, categories, names; every Atom text
# construct), or as HTML (RSS descriptions, which readers render).
Model = Literal["text", "html"]


def xml_safe(text: str) -> str:
    """Drop the characters an XML 1.0 document cannot carry, and DEL and C1 controls."""
    return _XML_FORBIDDEN.sub("", text)


def one_line(text: str) -> str:
    """Fold runs of white space, newlines included, into single spaces, and drop the
    invisible characters that would make two labels look alike (see _INVISIBLE)."""
    return " ".join(_INVISIBLE.sub("", xml_safe(text)).split())


def words(text: str) -> list[str]:
    """Space-separated labels (Jekyll's `categories: a b`), each as one_line keeps it."""
    return one_line(text).split()


def field_text(text: str, model: Model = "text") -> str:
    """Plain text as a feed field of that model holds it; the XML writer then escapes it once.

    The one place text becomes markup. Tested with feedparser, newsboat and sfeed
    (tests/test_hardening_text_fields.py): all three show an RSS title escaped once as
    text, and newsboat and sfeed show one escaped twice with its `&amp;`; so titles are
    escaped once (the RSS format writes them as the profile's character references,
    `&#x26;`, the same characters to a parser). A description is HTML
    to every reader (feedparser's channel description too), so its text is escaped as
    HTML first.
    """
    safe = xml_safe(text)
    return escape(safe, quote=False) if model == "html" else safe
