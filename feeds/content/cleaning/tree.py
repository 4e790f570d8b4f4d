"""The parse tree cleaning works on: lxml's, read and edited through a few small helpers.

lxml keeps text on the elements: an element's `text` is the string before its first
child, and each child's `tail` the string after it. The helpers here give the view the
rules are written in, where strings are nodes between elements (`contents`), and edits
that keep the text around what they remove or unwrap where it was. No site knowledge.
"""

import contextlib
import re
import threading
from collections.abc import Iterator
from html import escape
from html.parser import HTMLParser
from typing import Any, TypeAlias

import lxml.html  # type: ignore[import-untyped, unused-ignore]
from lxml import etree  # type: ignore[import-untyped, unused-ignore]
from lxml.html import HtmlElement  # type: ignore[import-untyped, unused-ignore]

from feeds.content.summary import ENTER, walk
from feeds.text import xml_safe

# A child of an element as the rules see it: an element, a comment (an HtmlComment, not an
# HtmlElement: lxml.html is untyped here), or a string.
Node: TypeAlias = HtmlElement | str
# Strings a reader never sees as text, as browsers (and BeautifulSoup's get_text) skip them.
NOT_TEXT = ("script", "style", "template")
WRAPPERS = frozenset({"html", "body"})
# Where the fragment ends its own body or page: see _OneBody. Chooses a parse; edits nothing.
_WRAPPER_END = re.compile(r"</(?:body|html)", re.IGNORECASE)
# XML's white space is ASCII's but the form feed, which no XML document can hold.
_BLANK_STRINGS = etree.XPath(
    "descendant-or-self::text()"
    "[normalize-space(.) = '' and not(ancestor::pre or ancestor::textarea)]"
)
# What unwrap_all renames the elements it unwraps to: upper case, which no parsed tag is.
_UNWRAPPED = "FEEDS-UNWRAPPED"
# The names of the elements lxml wrote as `<name …/>`: text and attribute values hold no
# `<` or `>` (written `&lt;`, `&gt;`). A `/>` in a comment gives a name no element has, or
# one of a void element, which changes nothing: this only tells whether a pass is needed.
_SELF_CLOSED_NAMES = re.compile(r"<([^\s/>]+)[^<>]*/>")
# Elements with nothing in them, root too: libxml2 finds the few among all of them.
_EMPTY = etree.XPath("descendant-or-self::*[not(node())]")
# Elements that never have content: written `<br/>`, every other one with an end tag.
SELF_CLOSED = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)


# libxml2 builds a tree at most this many levels deep, html and body included, even with
# huge_tree: past them it stops without an error, and the rest of the body is lost.
MAX_NESTING = 2048


# Attributes on one element: libxml2, lxml and nh3 take time in their square (40,000 on
# one element took 20 s). Real elements have a few, a widget's a few dozen.
MAX_ATTRIBUTES = 1_000
# An attribute follows white space, a '/' or the quote that closes the one before.
_ATTRIBUTE_SEPARATORS = " \t\n\r\f/\"'"


class Unparsable(ValueError):
    """HTML the parser would not read whole, or only at a cost past all bounds."""


class TooDeep(Unparsable):
    """HTML nested deeper than the parser reads: it cannot be cleaned whole."""


class TooManyAttributes(Unparsable):
    """An element with more attributes than can be read in bounded time."""


def check_shape(html: str, *, nesting: bool = True, attributes: bool = True) -> None:
    """Raise TooDeep if libxml2 would stop inside this fragment when building its tree,
    as it parses one: inside html and body; TooManyAttributes if an element has too many
    attributes to build it (not checked without `attributes`). Measured only when it has
    the tags to be that deep (a post seldom has 2,000) or the separators for that many
    attributes (a post seldom has 1,000), without building a tree."""
    # Each tag and separator is a character: a fragment shorter than the bound is not
    # counted (most of the real sample's).
    deep = nesting and len(html) > MAX_NESTING - 2 and html.count("<") > MAX_NESTING - 2
    wide = (
        attributes
        and len(html) > MAX_ATTRIBUTES
        and sum(map(html.count, _ATTRIBUTE_SEPARATORS)) > MAX_ATTRIBUTES
    )
    if not (deep or wide):
        return
    depth, most = _measure(_document(html))
    if deep and depth > MAX_NESTING:
        raise TooDeep(
            f"its HTML is nested too deep for the HTML parser ({MAX_NESTING:,} levels at "
            "most): the rest of the body would be lost; flatten its markup"
        )
    if most > MAX_ATTRIBUTES:
        raise TooManyAttributes(
            f"an element of its HTML has {most:,} attributes, over the "
            f"{MAX_ATTRIBUTES:,} one may have"
        )


def parse_document_body(html: str) -> HtmlElement:
    """Parse an HTML fragment inside an explicit html/body, and return the body, free of
    the characters XML forbids.

    Without libxml2's limits (10 MB in one string, 256 levels of nesting), which it
    enforces by stopping without an error: the rest of the body would be lost. A post is
    16 MiB at most. Its nesting limit cannot be lifted past MAX_NESTING: a fragment that
    deep raises TooDeep rather than lose its end (a parser target, used for a fragment
    with wrappers of its own, has no limit; the sanitizer's parse checks again).
    """
    document = _document(without_doctypes(html))
    if _WRAPPER_END.search(html):
        check_shape(html, nesting=False)
        return etree.fromstring(document, etree.HTMLParser(target=_OneBody(), huge_tree=True))
    check_shape(html)
    root = lxml.html.document_fromstring(document, parser=html_parser())
    body = root.find("body")
    body = root if body is None else body
    if "&#" in html:
        _remove_forbidden_characters(body)
    return body


def without_doctypes(html: str) -> str:
    """The fragment without its `<!DOCTYPE …>` declarations, internal subset (`[…]`) and
    all. An HTML parser ends a doctype at its first `>`, and would leave the rest of a
    subset (` ]>`) in the text; a doctype inside a body declares nothing anyway."""
    if _DOCTYPE.search(html) is None:
        return html
    finder = _Doctypes(len(html))
    with contextlib.suppress(AssertionError):  # markup it cannot read: the spans so far
        finder.feed(html)
        finder.close()
    kept, start = [], 0
    for begin, end in finder.spans:
        kept.append(html[start:begin])
        start = end
    kept.append(html[start:])
    return "".join(kept)


_DOCTYPE = re.compile("<!doctype", re.IGNORECASE)  # only says whether to look further


class _Doctypes(HTMLParser):
    """The spans of a fragment's doctypes, read as the XML grammar reads them: the
    standard library's HTML tokenizer (comments, scripts and attribute values are not
    markup), with its SGML declaration scanner, which reads an internal subset whole."""

    def __init__(self, length: int) -> None:
        super().__init__(convert_charrefs=False)
        self.length = length  # the tokenizer drops what it has read: where `rawdata` starts
        self.spans: list[tuple[int, int]] = []

    def parse_html_declaration(self, i: int) -> int:
        if self.rawdata[i : i + 9].lower() == "<!doctype":
            try:
                end = self.parse_declaration(i)
            except AssertionError:  # not a declaration it can read: left to the HTML parser
                end = -1
            if end > i:
                start = self.length - len(self.rawdata)
                self.spans.append((start + i, start + end))
                return end
        return super().parse_html_declaration(i)


def _remove_forbidden_characters(body: HtmlElement) -> None:
    """Delete what character references (`&#1;`) put in the tree that XML forbids: lxml
    refuses to set a string holding it, so no rule could edit that text."""
    for node in body.iter():
        if node.text and is_element(node):
            node.text = xml_safe(node.text)
        if node.tail:
            node.tail = xml_safe(node.tail)
        for name, value in node.attrib.items():
            safe = xml_safe(value)
            if safe != value:
                node.attrib[name] = safe


def html_parser() -> lxml.html.HTMLParser:
    """An HTML parser without libxml2's size limits: one a thread, as a parser is not to
    be shared between threads (making one cost 7 µs, twice an entry).

    Its elements are all HtmlElements, told so in C: lxml.html's own lookup, which gives
    forms and inputs classes of their own that no rule uses, is a Python call for every
    element the rules touch, a tenth of what cleaning an entry costs.
    """
    parser: lxml.html.HTMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = lxml.html.HTMLParser(huge_tree=True)
        parser.set_element_class_lookup(_HTML_CLASSES)
    return parser


_PARSERS = threading.local()


_HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def _document(html: str) -> str:
    return f"<html><body>{html}</body></html>"


def _measure(document: str) -> tuple[int, int]:
    """How deep the document nests, as libxml2 reads it (implied end tags closed), and
    the most attributes an element has, without building a tree, which would stop at the
    nesting limit, and take time in the square of the attributes."""
    parser = etree.HTMLParser(target=_Shape(), huge_tree=True)
    shape: tuple[int, int] = etree.fromstring(document, parser)  # type: ignore[assignment]
    return shape


class _Shape:
    """A parser target that measures the deepest nesting and the most attributes."""

    def __init__(self) -> None:
        self.depth = self.deepest = self.attributes = 0

    def start(self, tag: str | bytes, attrib: dict[str | bytes, str | bytes]) -> None:
        self.depth += 1
        self.deepest = max(self.deepest, self.depth)
        self.attributes = max(self.attributes, len(attrib))

    def end(self, tag: str | bytes) -> None:
        self.depth -= 1

    def data(self, text: str | bytes) -> None:
        pass

    def comment(self, text: str | bytes) -> None:
        pass

    def close(self) -> tuple[int, int]:
        return self.deepest, self.attributes


class _OneBody:
    """A parser target that builds one <body>, leaving out every html and body tag.

    libxml2 puts what follows a `</body>` in the fragment outside the body, and drops
    what follows a `</html>`; scraped bodies can hold both (a whole page pasted in).
    """

    def __init__(self) -> None:
        self.builder = etree.TreeBuilder(parser=html_parser())
        self.builder.start("body", {})

    # The tree refuses what XML cannot hold, and `&#1;` has been read as U+0001 by now.

    def start(self, tag: str | bytes, attrib: dict[str | bytes, str | bytes]) -> None:
        if tag not in WRAPPERS:
            self.builder.start(tag, {name: _xml_safe(value) for name, value in attrib.items()})

    def end(self, tag: str | bytes) -> None:
        if tag not in WRAPPERS:
            self.builder.end(tag)

    def data(self, text: str | bytes) -> None:
        self.builder.data(_xml_safe(text))

    def comment(self, text: str | bytes) -> None:
        self.builder.comment(_xml_safe(text))

    def pi(self, target: str | bytes, data: str | bytes | None = None) -> None:
        self.builder.pi(target, data)

    def close(self) -> HtmlElement:
        self.builder.end("body")
        return self.builder.close()


def visible_strings(html: str) -> list[str]:
    """The strings a reader sees in an HTML fragment, split where markup is: no comments,
    scripts or styles. Read as they are parsed, without a tree or its wrappers."""
    parser = etree.HTMLParser(target=_Strings(), huge_tree=True, encoding="utf-8")
    strings: list[str] = etree.fromstring(html.encode("utf-8", "surrogatepass"), parser)  # type: ignore[assignment]
    return strings


class _Strings:
    """A parser target that keeps the visible strings, one per run of text."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.pieces: list[str] = []
        self.hidden = 0  # inside a script, style or template

    def _end_string(self) -> None:
        if self.pieces:
            self.strings.append("".join(self.pieces))
            self.pieces = []

    def start(self, tag: str | bytes, attrib: dict[str | bytes, str | bytes]) -> None:
        self._end_string()
        self.hidden += tag in NOT_TEXT

    def end(self, tag: str | bytes) -> None:
        self._end_string()
        if tag in NOT_TEXT and self.hidden:
            self.hidden -= 1

    def data(self, text: str | bytes) -> None:
        if not self.hidden and isinstance(text, str):
            self.pieces.append(text)

    def comment(self, text: str | bytes) -> None:
        self._end_string()

    def close(self) -> list[str]:
        self._end_string()
        return self.strings


def _xml_safe(text: str | bytes) -> str | bytes:
    return xml_safe(text) if isinstance(text, str) else text


def collapse_blank_strings(root: HtmlElement) -> None:
    """Make each string of white space only one newline (if it has one) or one space,
    outside <pre> and <textarea>: how BeautifulSoup, which this tool used before, read
    HTML, so that entries are written as they were."""
    strings: list[Any] = _BLANK_STRINGS(root)  # type: ignore[assignment]
    for string in strings:
        folded = "\n" if "\n" in string else " "
        if string != folded:
            if string.is_tail:
                string.getparent().tail = folded
            else:
                string.getparent().text = folded


def is_element(node: object) -> bool:
    """Tell whether a node is an element, not a string, comment or processing instruction."""
    return isinstance(node, etree._Element) and isinstance(node.tag, str)


def is_comment(node: object) -> bool:
    """Tell whether a node is a comment or processing instruction (markup, never text)."""
    return isinstance(node, etree._Element) and not isinstance(node.tag, str)


def tags(root: HtmlElement, names: frozenset[str] | str | None = None) -> list[HtmlElement]:
    """List the elements below root (not root) with one of the given names, in document order."""
    if names is None:
        found = root.iter(etree.Element)
    elif isinstance(names, str):
        found = root.iter(names)
    else:
        found = root.iter(*names)
    return [element for element in found if element is not root]


def select(root: HtmlElement, path: etree.XPath) -> list[HtmlElement]:
    """The elements a compiled XPath finds from root, in document order. Lets libxml2 pick
    out the few elements a rule is about, instead of looking at each in Python."""
    found: list[HtmlElement] = path(root)  # type: ignore[assignment]
    return found


def comments(root: HtmlElement) -> list[HtmlElement]:
    """List the comments and processing instructions below root, in document order."""
    return list(root.iter(etree.Comment, etree.ProcessingInstruction))


def contents(element: HtmlElement) -> list[Node]:
    """An element's children with the strings between them, as they come in the document."""
    nodes: list[Node] = [element.text] if element.text else []
    for child in element:
        nodes.append(child)
        if child.tail:
            nodes.append(child.tail)
    return nodes


def text_of(element: HtmlElement) -> str:
    """The text a reader sees in an element: no comments, scripts or styles."""
    if element.tag not in NOT_TEXT and next(element.iter(*NOT_TEXT), None) is None:
        return "".join(element.itertext())
    return "".join(_visible_strings(element))


def _visible_strings(element: HtmlElement) -> Iterator[str]:
    def shown(node: HtmlElement) -> bool:
        return is_element(node) and node.tag not in NOT_TEXT

    for step, node in walk(element, shown):
        if step == ENTER:
            if node.text:
                yield node.text
        elif node is not element and node.tail:
            yield node.tail


def text_before(node: HtmlElement) -> str | None:
    """The string just before a node: its previous sibling's tail, or its parent's text."""
    previous = node.getprevious()
    if previous is not None:
        return previous.tail  # type: ignore[no-any-return]
    parent = node.getparent()
    return None if parent is None else parent.text


def remove(node: HtmlElement) -> None:
    """Take a node and everything in it out of the tree; the string after it stays."""
    if node.getparent() is not None:  # not already out with an ancestor
        node.drop_tree()


def remove_all(nodes: list[HtmlElement]) -> None:
    """remove() each node, the string after each staying where it was. Each run of removed
    siblings joins its strings once: removed one at a time, a run of 100,000 <br> grew the
    same string 100,000 times."""
    for parent, gone in _by_parent(nodes):
        before: HtmlElement | None = None  # the kept node the strings go after; None: the text
        strings: list[str] = []
        for child in list(parent):
            if child in gone:
                strings.append(child.tail or "")
                parent.remove(child)  # its tail goes with it
                continue
            _append_text(parent, before, strings)
            before, strings = child, []
        _append_text(parent, before, strings)


def unwrap_all(elements: list[HtmlElement]) -> None:
    """Replace each element that is in a tree with its content. They are renamed to a
    name the HTML parser never writes (it lowers every name), and lxml's strip_tags
    unwraps them all in one pass in C below each of their parents: lxml.html's drop_tag
    looks for the element among its siblings, and grows the string before it, each time
    (100,000 sibling <span>s took minutes); a pass in Python cost a tenth of the rules."""
    parents: dict[HtmlElement, None] = {}
    for element in elements:
        parent = element.getparent()
        if parent is not None:
            element.tag = _UNWRAPPED
            parents[parent] = None
    for parent in parents:  # below a parent unwrapped already: nothing left to do
        etree.strip_tags(parent, _UNWRAPPED)


def _by_parent(nodes: list[HtmlElement]) -> list[tuple[HtmlElement, set[HtmlElement]]]:
    """The nodes that are in a tree, by parent, the parents in the order of their first node."""
    by_parent: dict[HtmlElement, set[HtmlElement]] = {}
    for node in nodes:
        parent = node.getparent()
        if parent is not None:
            by_parent.setdefault(parent, set()).add(node)
    return list(by_parent.items())


def _append_text(parent: HtmlElement, before: HtmlElement | None, strings: list[str]) -> None:
    text = "".join(strings)
    if not text:
        return
    if before is None:
        parent.text = (parent.text or "") + text
    else:
        before.tail = (before.tail or "") + text


def new_element(near: HtmlElement, name: str) -> HtmlElement:
    """A new, empty element for the tree `near` is in."""
    return near.makeelement(name, {})


def serialize_children(root: HtmlElement, void: frozenset[str] = SELF_CLOSED) -> str:
    """Write root's content as markup that is both XML and HTML (`<br/>`, `<p></p>`, `&amp;`).

    Edits the tree: empty elements that are not void get an empty string, so that XML
    writes their end tag (an HTML parser would read `<p/>` as an open `<p>`).

    Written first as it is: when every `/>` in it closes a void element, no other element
    was empty, and finding them (a pass over the tree, a tenth of what serializing costs)
    is not needed.
    """
    if root.text is None and not len(root):
        return ""
    markup = _children_markup(root)
    if not void.issuperset(_SELF_CLOSED_NAMES.findall(markup)):
        for element in select(root, _EMPTY):
            if element.tag not in void:
                element.text = ""
        markup = _children_markup(root)
    return markup


def _children_markup(root: HtmlElement) -> str:
    text = root.text or ""
    if "\r" in text:  # lxml writes it `&#13;`; feeds written before have it as it is
        children = (etree.tostring(child, encoding="unicode", method="xml") for child in root)
        return escape(text, quote=False) + "".join(children)
    # The root written whole, less its own tags: one call, not one a child (a tenth of
    # what cleaning an entry costs). lxml writes `>` in attributes and text as `&gt;`,
    # so the start tag ends at the first `>`, and a `/>` closes an element (or is in a
    # comment); root is never `<root/>`, as it has content.
    whole: str = etree.tostring(root, encoding="unicode", method="xml", with_tail=False)
    return whole[whole.index(">") + 1 : -len(root.tag) - 3]
