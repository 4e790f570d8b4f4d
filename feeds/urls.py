"""Which URLs, addresses and ids a feed may carry: one scheme check for every URL-valued
field. Pure functions, no business logic.

Each returns None for a value it refuses: the caller decides whether that drops the
field (with a warning naming the post) or the post.
"""

import re
from urllib.parse import SplitResult, quote, urlsplit

# RFC 3986's reserved characters and `%`: quoted with these kept, a URL keeps its parts
# and its escapes, and one that needs no quoting stays as it was, byte for byte.
_URI_KEPT = "!#$%&'()*+,/:;=?@[]~"
# What a reader may follow from a link, a source or an author's page.
LINK_SCHEMES = frozenset({"http", "https"})
# What an Atom id or RSS guid may be: a permalink, or a name no reader opens.
ID_SCHEMES = LINK_SCHEMES | {"tag", "urn"}
# RFC 3986's scheme; anything else before a ':' is no scheme.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*\Z")
# No white space, quotes, angle brackets or backslashes: none is valid in a URI, and
# each could close an attribute or open a tag wherever a reader puts the value.
_UNSAFE_CHARS = re.compile(r"[\s\"'<>\\`{}|^]")


def safe_link(value: str) -> str | None:
    """The value if it is an absolute http(s) URL with a host, else None."""
    parts = _parts(value)
    if parts is None or parts.scheme.lower() not in LINK_SCHEMES or not parts.hostname:
        return None
    return value


def on_site(site_url: str, path: str) -> str:
    """The URL of a path on the site, as jekyll-feed's `absolute_url` makes it: on the
    site's URL (its baseurl too), spaces and non-ASCII percent-encoded as UTF-8."""
    return f"{site_url}/{as_uri(path.lstrip('/'))}"


def as_uri(text: str) -> str:
    """A URL or a part of one with what no URI may hold (spaces, non-ASCII, quotes)
    percent-encoded as UTF-8, as Jekyll's url filters (Addressable's normalize) write
    them, and as RSS and JSON Feed want URLs; its escapes and reserved characters kept."""
    return quote(text, safe=_URI_KEPT)


def safe_id(value: str) -> str | None:
    """The value if it is an absolute IRI an Atom id may be: http(s) with a host, or a
    tag: or urn: name with something after the scheme; else None."""
    parts = _parts(value)
    if parts is None:
        return None
    scheme = parts.scheme.lower()
    if scheme in LINK_SCHEMES:
        return safe_link(value)
    return value if scheme in ID_SCHEMES and value.partition(":")[2] else None


def safe_email(value: str) -> str | None:
    """The value if it is a plain addr-spec (`name@example.org`), else None. Quoted local
    parts are legal but refused: they may hold `<` and `"`, and no author needs them."""
    if '"' in value or _UNSAFE_CHARS.search(value):
        return None
    # Here: the email package is a tenth of the start-up, and few authors give an address.
    from email.errors import HeaderParseError, MessageDefect
    from email.headerregistry import Address

    try:
        address = Address(addr_spec=value)
    except (HeaderParseError, MessageDefect, ValueError, IndexError):
        return None
    return value if address.addr_spec == value and address.domain else None


def _parts(value: str) -> SplitResult | None:
    if _UNSAFE_CHARS.search(value) or ":" not in value:
        return None
    if not _SCHEME.match(value.partition(":")[0]):
        return None
    try:
        return urlsplit(value)
    except ValueError:  # a bad IPv6 literal, a bad port
        return None
