"""A post's URL as Jekyll makes it (lib/jekyll/url.rb, drops/url_drop.rb): a permalink
template with `:placeholders`, and the front matter `defaults:` of _config.yml. Pure
functions, no I/O."""

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from fnmatch import fnmatchcase
from functools import cache
from typing import Any
from urllib.parse import quote

OUTPUT_EXT = ".html"  # of a Markdown or an HTML post
_URL_SAFE = "/-._~!$&'()*+,;=:@"
_NEEDS_QUOTING = re.compile(r"[^A-Za-z0-9/\-._~!$&'()*+,;=:@]")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DATE_PLACEHOLDERS: dict[str, Callable[[datetime], str]] = {
    "year": lambda d: f"{d.year:04d}",
    "short_year": lambda d: f"{d.year % 100:02d}",
    "month": lambda d: f"{d.month:02d}",
    "i_month": lambda d: str(d.month),
    "short_month": lambda d: _MONTHS[d.month - 1][:3],
    "long_month": lambda d: _MONTHS[d.month - 1],
    "day": lambda d: f"{d.day:02d}",
    "i_day": lambda d: str(d.day),
    "y_day": lambda d: f"{d.timetuple().tm_yday:03d}",
    "hour": lambda d: f"{d.hour:02d}",
    "minute": lambda d: f"{d.minute:02d}",
    "second": lambda d: f"{d.second:02d}",
    "w_year": lambda d: f"{d.isocalendar().year:04d}",
    "week": lambda d: f"{d.isocalendar().week:02d}",
    "w_day": lambda d: str(d.isoweekday()),
    "short_day": lambda d: _DAYS[d.weekday()][:3],
    "long_day": lambda d: _DAYS[d.weekday()],
}
# The placeholders of a post that are not its date (url_drop.rb).
TEXT_PLACEHOLDERS = ("title", "slug", "name", "categories", "slugified_categories",
                     "collection", "path", "output_ext")  # fmt: skip
PLACEHOLDERS = frozenset([*DATE_PLACEHOLDERS, *TEXT_PLACEHOLDERS])
# As url.rb reads a template: a colon and lower-case letters or underscores; `:month_`
# is :month followed by "_" when there is no `month_`.
_PLACEHOLDER = re.compile(r":([a-z_]+)")
# What slugify keeps (utils.rb): marks, letters and decimal digits; "pretty" keeps these too.
_PRETTY_KEEPS = frozenset("._~!$&'()+,;=@")
_PLAIN_SLUG = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")


class PermalinkError(ValueError):
    """A template naming a placeholder Jekyll does not have."""


def check_template(template: str) -> None:
    """Raise PermalinkError for a placeholder Jekyll would fail on."""
    for _literal, name in template_parts(template):
        if name.startswith("?"):
            raise PermalinkError(
                f"unknown placeholder :{name[1:]} (known: {', '.join(sorted(PLACEHOLDERS))})"
            )


@cache
def template_parts(template: str) -> tuple[tuple[str, str], ...]:
    """(literal text, placeholder name) pairs, in order; the last name is "". A name Jekyll
    does not know is given as "?name"."""
    parts: list[tuple[str, str]] = []
    at = 0
    for match in _PLACEHOLDER.finditer(template):
        name = match[1]
        rest = ""
        if name not in PLACEHOLDERS and name.endswith("_") and name[:-1] in PLACEHOLDERS:
            name, rest = name[:-1], "_"
        parts.append((template[at : match.start()], name if name in PLACEHOLDERS else "?" + name))
        at = match.end() - len(rest)
    parts.append((template[at:], ""))
    return tuple(parts)


def slugify(text: str, *, pretty: bool = False, cased: bool = False) -> str:
    """Jekyll's Utils.slugify in its "default" or "pretty" mode."""
    if _PLAIN_SLUG.fullmatch(text):
        return text if cased else text.lower()
    return _slugify(text, pretty, cased)


@cache
def _slugify(text: str, pretty: bool, cased: bool) -> str:
    import unicodedata  # here: a rebuild with nothing to do slugifies nothing

    kept = [
        char
        if unicodedata.category(char)[0] in "ML"
        or unicodedata.category(char) == "Nd"
        or (pretty and char in _PRETTY_KEEPS)
        else "-"
        for char in text
    ]
    slug = re.sub("-{2,}", "-", "".join(kept))
    slug = slug.removeprefix("-").removesuffix("-")
    return slug if cased else slug.lower()


def post_url(
    template: str,
    *,
    date: datetime,
    categories: tuple[str, ...],
    slug: str,
    basename: str,
    path: str,
) -> str:
    """The URL path of the page Jekyll writes for a post (`date` in the site's zone;
    `slug` its front matter's or file name's; `basename` its file name without extension;
    `path` its path in the collection without extension). Raises PermalinkError."""
    pieces: list[str] = []
    for literal, name in template_parts(template):
        pieces.append(literal)
        if name:
            pieces.append(_placeholder(name, date, categories, slug, basename, path))
    url = _sanitize("".join(pieces))
    url = quote(url, safe=_URL_SAFE) if _NEEDS_QUOTING.search(url) else url
    return url if url.endswith(("/", OUTPUT_EXT)) else url + OUTPUT_EXT


def _placeholder(
    name: str,
    date: datetime,
    categories: tuple[str, ...],
    slug: str,
    basename: str,
    path: str,
) -> str:
    if name in DATE_PLACEHOLDERS:
        return DATE_PLACEHOLDERS[name](date)
    if name == "title":
        return slugify(slug, pretty=True, cased=True)
    if name == "categories":
        return "/".join(dict.fromkeys(c.lower() for c in categories))
    if name == "slug":
        return slugify(slug)
    if name == "output_ext":
        return OUTPUT_EXT
    if name == "name":
        return slugify(basename)
    if name == "slugified_categories":
        return "/".join(dict.fromkeys(slugify(c) for c in categories))
    if name == "collection":
        return "posts"
    if name == "path":
        return path
    raise PermalinkError(f"unknown placeholder :{name.lstrip('?')}")


def _sanitize(url: str) -> str:
    """As url.rb's sanitize_url: one leading slash, no `..`, `./` or doubled slashes."""
    url = "/" + url
    if ".." in url or "./" in url:
        url = url.replace("..", "/").replace("./", "")
    while "//" in url:
        url = url.replace("//", "/")
    return url


# _config.yml's `defaults:`, for posts: (scope path, scope type or "", values as JSON).
Defaults = tuple[tuple[str, str, str], ...]
_POST_TYPES = {"posts", "post", "drafts", "draft"}  # Jekyll 4 reads drafts as posts


def read_defaults(value: object) -> Defaults:
    """The `defaults:` sets that can apply to a post, in their order; others left out."""
    if not isinstance(value, list):
        return ()
    sets: list[tuple[str, str, str]] = []
    for item in value:
        if not isinstance(item, Mapping) or not isinstance(item.get("values"), Mapping):
            continue
        scope: Mapping[str, Any] = item["scope"] if isinstance(item.get("scope"), Mapping) else {}
        kind = scope.get("type")
        if kind is not None and str(kind) not in _POST_TYPES:
            continue
        path = scope.get("path")
        values = json.dumps(item["values"], sort_keys=True, default=str, ensure_ascii=False)
        sets.append((_scope_path(path), "" if kind is None else "posts", values))
    return tuple(sets)


def _scope_path(path: object) -> str:
    """frontmatter_defaults.rb's sanitize_path: no leading slash, none trailing."""
    if not isinstance(path, str) or not path:
        return ""
    return path.strip("/") if path.startswith("/") else path


@cache
def defaults_for(defaults: Defaults, relpath: str) -> Mapping[str, Any]:
    """The default front matter of the post at `relpath`, merged as Jekyll merges sets:
    a longer scope path wins, then one with a type."""
    merged: dict[str, Any] = {}
    best: tuple[int, bool] | None = None
    for path, kind, values in defaults:
        if not _applies(path, relpath):
            continue
        rank = (len(path), bool(kind))
        data = json.loads(values)
        if best is None or rank[0] > best[0] or (rank[0] == best[0] and (kind or not best[1])):
            merged, best = deep_merge(merged, data), rank
        else:
            merged = deep_merge(data, merged)
    return merged


def _applies(scope: str, relpath: str) -> bool:
    if not scope:
        return True
    if "*" not in scope:
        return relpath.startswith(scope)
    # Jekyll globs the scope on disk (a `*` matches within one folder's names), then takes
    # the files under what it found.
    parts = relpath.split("/")
    depth = scope.count("/") + 1
    return len(parts) >= depth and fnmatchcase("/".join(parts[:depth]), scope)


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Utils.deep_merge_hashes: `over`'s keys win, mappings merged key by key."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
