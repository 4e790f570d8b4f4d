"""The fingerprints that say when to redo what: a cache made under other code, site or
rules is thrown away; feeds written under other settings are never reused as they are;
a feed file is reused while it is as it was written."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from feeds.config import Config
from feeds.incremental.cache import SCHEMA
from feeds.versions import code_digest


@dataclass(frozen=True)
class Published:
    """A feed file as the build that wrote it left it."""

    fingerprint: str
    size: int
    mtime_ns: int


def cache_fingerprint(config: Config, jekyll: bool) -> str:
    """What parsed posts and cleaned bodies depend on: the code, the site, the rules, and
    whether the listing read the source as a Jekyll site (its folders above `_posts` are
    categories): told by the listing, as the source may become one while it is read."""
    return _digest(
        code_digest(),
        SCHEMA,
        config.source.resolve(),
        jekyll,
        config.site,
        config.cleaning,
        config.smart_quotes,
    )


def settings_fingerprint(config: Config, jekyll: bool) -> str:
    """What the feeds depend on besides the posts."""
    return _digest(
        cache_fingerprint(config, jekyll),
        config.limit,
        sorted(config.categories.items()),
        config.future,
        config.out.resolve(),
        config.opml_format,
        config.formats,
        config.index_page,
        config.hubs,
        config.jekyll_feed,
        config.max_tag_feeds,
    )


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def outputs_intact(out: Path, files: Mapping[str, Published]) -> bool:
    """Every feed the last build wrote is still there, as it was written."""
    return all(file_intact(out / relpath, known) for relpath, known in files.items())


def file_intact(path: Path, known: Published) -> bool:
    """The file is there with the size and mtime it had when it was written."""
    try:
        stat = path.stat()
    except OSError:
        return False
    return (stat.st_size, stat.st_mtime_ns) == (known.size, known.mtime_ns)
