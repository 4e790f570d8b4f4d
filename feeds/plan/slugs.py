"""Category slugs: readable, ASCII, safe as a URL segment and a folder name everywhere.

The slug is the category's folder under the output folder, so it is the feed's URL:
a contract with subscribers. It depends only on the category's own name, except when two
categories would share one: then the one already spelt as the slug keeps it, else the one
whose slug the config pins, and the others get a short hash of their name.
"""

import hashlib
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from feeds.config import CategoryConfig

MAX_SLUG = 80
# What slugify gives back unchanged: lower-case ASCII words joined by single '-'.
_ALREADY_A_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Device names Windows refuses as file or folder names, whatever the extension.
WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{n}" for p in ("com", "lpt") for n in range(10)
}


def base_slug(category: str) -> str:
    """The readable slug: transliterated to ASCII, lower case, words joined by '-'."""
    if (
        len(category) <= MAX_SLUG
        and category not in WINDOWS_RESERVED
        and _ALREADY_A_SLUG.fullmatch(category)
    ):
        # A published slug, or a category named as one: python-slugify, 20 ms to import
        # (a tenth of a rebuild after new posts), would return it as it is.
        return category
    from slugify import slugify

    slug = slugify(category, max_length=MAX_SLUG, word_boundary=False)
    if not slug or slug in WINDOWS_RESERVED:
        return f"{slug or 'category'}-{short_hash(category)}"
    return slug


def short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def category_slugs(
    categories: Iterable[str],
    pinned: Mapping[str, str] | None = None,
    published: Mapping[str, str] | None = None,
    taken: Collection[str] = (),
) -> dict[str, str]:
    """A distinct slug for each category: the config's if it pins one, else the one its
    feed was published under (its URL is a contract), else its own. None is one of the
    `taken` names (folders of the output folder that are not the feeds')."""
    pinned = pinned or {}
    published = published or {}
    wanted: dict[str, list[str]] = defaultdict(list)
    for category in sorted(set(categories)):
        if category in pinned:
            slug = base_slug(pinned[category])
        elif category in published:
            slug = base_slug(published[category])  # made safe again: the state is a file
        else:
            slug = base_slug(category)
        wanted[slug].append(category)
    result: dict[str, str] = {}
    for slug, owners in wanted.items():
        if slug in taken:
            result.update((c, f"{slug}-{short_hash(c)}") for c in owners)
            continue
        if len(owners) == 1:
            result[owners[0]] = slug
            continue
        keeper = next((c for c in owners if c not in pinned and published.get(c) == slug), None)
        keeper = keeper or next((c for c in owners if c == slug), None)
        keeper = keeper or next((c for c in owners if c in pinned), None)
        for category in owners:
            result[category] = slug if category == keeper else f"{slug}-{short_hash(category)}"
    return result


def feed_slugs(
    categories: Iterable[str],
    configured: Mapping[str, CategoryConfig],
    published: Mapping[str, str],
    taken: Collection[str],
    out: Path,
    warnings: list[str],
) -> dict[str, str]:
    """category_slugs, with the config's pinned slugs; a warning for each category whose
    feeds cannot go where they would, into a `taken` folder of `out`."""
    pinned = {c: s.slug for c, s in configured.items() if s.slug}
    slugs = category_slugs(categories, pinned, published, taken)
    for category, slug in slugs.items():
        wanted, _, tail = slug.rpartition("-")
        if wanted in taken and tail == short_hash(category):
            warnings.append(
                f"{out / slug}: the feeds of category {category!r}: not in "
                f"{out / wanted}, which holds the source"
            )
    return slugs
