"""Plain-text summary of a cleaned body: its opening, cut at a sentence or character boundary.

Reads a body that cleaning has already rid of widgets, footers and attribution, and
skips figures (alt text, image credits) and tables. No site knowledge, no I/O.
"""

import re
import unicodedata
from collections.abc import Callable, Iterator

import lxml.html  # type: ignore[import-untyped, unused-ignore]
from lxml.html import HtmlElement  # type: ignore[import-untyped, unused-ignore]

MAX_CHARS = 200
MIN_CHARS = 150
ELLIPSIS = "…"
SENTENCE_ENDS = frozenset("。！？!?")
# One of SENTENCE_ENDS, or a full stop before a space or the end.
_SENTENCE_END = re.compile(r"[。！？!?]|\.(?= |\Z)")
CLOSERS = frozenset("”’」』）)\"'")
SKIPPED_TAGS = frozenset({"figcaption", "figure", "img", "pre", "table"})
BLOCK_TAGS = frozenset(
    {
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "ul",
    }
)
JOINERS = frozenset({"\u200c", "\u200d"})


ENTER, LEAVE, PASS = "enter", "leave", "pass"


def walk(
    root: HtmlElement, enters: Callable[[HtmlElement], bool]
) -> Iterator[tuple[str, HtmlElement]]:
    """The nodes below root in document order: (ENTER, element) before what it holds and
    (LEAVE, element) after; (PASS, node) for a node `enters` refuses, passed over whole.
    Root is entered first and left last. Each child's tail comes after its LEAVE or PASS.
    A stack of its own, not recursion: a body may nest thousands deep."""
    yield ENTER, root
    stack = [(root, iter(root))]
    while stack:
        parent, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            yield LEAVE, parent
        elif enters(child):
            yield ENTER, child
            stack.append((child, iter(child)))
        else:
            yield PASS, child


def text_pieces(element: HtmlElement) -> Iterator[str]:
    """Yield an element's text, with a newline around each block and a space for each <br>."""
    if not _shown(element):
        return
    for step, node in walk(element, _shown):
        if step == ENTER:
            yield _boundary(node)
            yield node.text or ""
            continue
        if step == LEAVE:
            yield _boundary(node)
        if node is not element:
            yield node.tail or ""


def _shown(element: HtmlElement) -> bool:
    return isinstance(element.tag, str) and element.tag not in SKIPPED_TAGS


def _boundary(element: HtmlElement) -> str:
    return "\n" if element.tag in BLOCK_TAGS else " " if element.tag == "br" else ""


def repeats(block: str, earlier: str) -> bool:
    """Tell whether a block is contained in an earlier one, or mostly made of it."""
    return block in earlier or (earlier in block and 2 * len(earlier) >= len(block))


def distinct_blocks(blocks: Iterator[str], enough: int | None = None) -> list[str]:
    """Keep non-empty blocks not already said (2022 digests repeat the first paragraph),
    until they hold more than `enough` characters: a block never changes what came before
    it, and each is compared with every one kept, which a post of 8,000 paragraphs made
    take seconds."""
    kept: list[str] = []
    size = 0
    for block in blocks:
        if block and not any(repeats(block, earlier) for earlier in kept):
            kept.append(block)
            size += len(block) + 1
            if enough is not None and size > enough:
                break
    return kept


def visible_text(root: HtmlElement, enough: int | None = None) -> str:
    """Return the body's text, one blank-collapsed line per block, blocks joined by spaces;
    with `enough`, its opening only, at least that long when the body is."""
    blocks = lines(text_pieces(root))
    return " ".join(distinct_blocks((" ".join(block.split()) for block in blocks), enough))


def lines(pieces: Iterator[str]) -> Iterator[str]:
    """`"".join(pieces).split("\n")`, line by line as the pieces come: the summary reads
    the opening of a body, not the whole of it."""
    line: list[str] = []
    for piece in pieces:
        if "\n" not in piece:
            line.append(piece)
            continue
        first, *middle, last = piece.split("\n")
        line.append(first)
        yield "".join(line)
        yield from middle
        line = [last]
    yield "".join(line)


def sentence_ends(text: str) -> Iterator[int]:
    """Yield the index just past each sentence end, closing quotes included (`。”`)."""
    for found in _SENTENCE_END.finditer(text):  # a search in C, not a step a character
        end = found.end()
        while end < len(text) and text[end] in CLOSERS:
            end += 1
        yield end


def sentence_cut(text: str, *, low: int, high: int) -> int | None:
    """Return the first sentence end in [low, high], else the last one below low, else None."""
    earlier = None
    for end in sentence_ends(text[: high + 1]):
        if end > high:
            break
        if end >= low:
            return end
        earlier = end
    return earlier if earlier is not None and earlier >= low // 2 else None


def is_inside_character(text: str, index: int) -> bool:
    """Tell whether cutting before text[index] would split a user-perceived character."""
    char = text[index]
    return (
        unicodedata.combining(char) > 0
        or char in JOINERS
        or text[index - 1] in JOINERS
        or unicodedata.category(char) == "Mn"
        or "\ufe00" <= char <= "\ufe0f"
    )


def character_cut(text: str, limit: int) -> int:
    """Return a cut at most limit, moved back out of combining sequences and Latin words."""
    cut = limit
    while cut > 1 and is_inside_character(text, cut):
        cut -= 1
    space = text.rfind(" ", 0, cut + 1)
    if text[cut - 1].isascii() and text[cut].isascii() and space > limit * 3 // 4:
        cut = space
    return cut


def summarize(text: str, *, max_chars: int = MAX_CHARS, min_chars: int = MIN_CHARS) -> str:
    """Cut text to about min_chars..max_chars at a sentence end, else at a character with `…`."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = sentence_cut(text, low=min_chars, high=max_chars)
    if cut is not None:
        return text[:cut]
    return text[: character_cut(text, max_chars - len(ELLIPSIS))].rstrip() + ELLIPSIS


def summarize_fragment(root: HtmlElement) -> str:
    """Summarize a parsed, cleaned body (see feeds.content.cleaning.sanitize.parse_fragment)."""
    return summarize(visible_text(root, enough=2 * MAX_CHARS))


def summarize_html(html: str) -> str:
    """Summarize a cleaned HTML fragment (2022-01-25-NW202201252261386140.md: no 图源 credit)."""
    return summarize_fragment(lxml.html.fragment_fromstring(html, create_parent="div"))
