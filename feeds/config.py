"""Settings: defaults, the Jekyll site's _config.yml, feeds.toml, then command-line options.

Site facts (title, url, description, language, time zone, author) come from the Jekyll
site's own `_config.yml` as jekyll-feed reads them; `feeds.toml` overrides them and holds
the tool's options. Every value is checked here, and a bad one names its file and key.
"""

import contextlib
import hashlib
import json
import os
import re
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from stat import S_IMODE, S_ISREG
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feeds.errors import ConfigError
from feeds.files import LinkError, read_no_follow, replace_file
from feeds.model import Author, Site
from feeds.text import one_line
from feeds.urls import as_uri, on_site, safe_email, safe_link
from feeds.versions import code_digest

# Jekyll's named permalink styles (its configuration.rb)
PERMALINK_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
CLEANING_PROFILES = ("finews", "generic")  # feeds.content.cleaning.PROFILES, not imported: slow
# The formats `formats` may name, and the file each writes into every feed's folder: the
# files of feeds.formats.FORMATS (not imported: a lower stage), in its order.
FORMAT_FILES = {"atom": "atom.xml", "rss": "rss.xml", "json": "feed.json"}
JEKYLL_KEPT_NAME = ".feeds-jekyll.json"  # the parsed _config.yml (see read_jekyll_config)
AUTHORS_KEPT_NAME = ".feeds-authors.json"  # the parsed _data/authors.yml, the same way
AUTHORS_FILES = ("_data/authors.yml", "_data/authors.yaml")
# index_page: a plain name in the output folder, never a dot file or a path.
_PAGE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*\.html")
MAX_LOCK_TIMEOUT = 86_400.0  # a day: a cron build that waits longer waits for ever
# A ping waits at most this long for a hub (twice, with the retry): never the lock's hour.
MAX_HUB_TIMEOUT = 60.0
# The keys of _config.yml that _site reads: the only ones kept, so that nothing else a site
# keeps there (a plugin's API key) is copied into the output folder.
JEKYLL_KEYS = (
    "url", "baseurl", "title", "name", "description",
    "lang", "language", "timezone", "author", "permalink", "collections", "defaults",
    "feed", "plugins", "gems", "future", "kramdown", "excerpt_separator",
)  # fmt: skip
# Of jekyll-feed's `feed:` block, the keys feeds reads (read_feed_block, and excerpt_only
# in the content stage): only they are kept.
FEED_KEYS = (
    "path", "categories", "tags", "collections", "posts_limit", "icon", "logo", "excerpt_only",
)  # fmt: skip
# The tags jekyll-feed writes a feed for: no other name ever had one at feed/by_tag/.
_JEKYLL_TAG = re.compile(r"[A-Za-z0-9_]+")
# The folder of the tag feeds: a slug has no `_`, so no category's feeds can be there.
TAG_FOLDER = "by_tag/"
_JEKYLL_CATEGORY = re.compile(r"[A-Za-z0-9_-]+")

SITE_KEYS = {"title", "url", "description", "author", "language", "timezone", "permalink"}
TOOL_KEYS = {
    "source",
    "out",
    "cache",
    "state_dir",
    "limit",
    "cleaning",
    "max_drop",
    "categories",
    "lock_timeout",
    "opml_format",
    "formats",
    "index_page",
    "hubs",
    "hub_timeout",
    "smart_quotes",
    "max_tag_feeds",
}
# kramdown's `smart_quotes` names the entities for ‘ ’ “ ”; these alone keep quotes straight.
_STRAIGHT_QUOTES = {"apos", "quot", "#39", "#34", "#x27", "#x22"}


@dataclass(frozen=True)
class CategoryConfig:
    title: str | None = None
    slug: str | None = None


@dataclass(frozen=True)
class TagFeeds:
    """jekyll-feed's `feed: tags:`: a feed per tag, of these tags."""

    only: tuple[str, ...] | None = None  # None: every tag
    excluded: tuple[str, ...] = ()
    path: str = "feed/by_tag/"  # the folder of jekyll-feed's copies, under the output folder


@dataclass(frozen=True)
class JekyllFeed:
    """What the site's `feed:` block of jekyll-feed asks, where it means something here."""

    # Where jekyll-feed served the combined feed, under the output folder: a copy of
    # atom.xml is written there, so that its subscribers keep their URL. None: no copy.
    path: str | None = None
    categories: tuple[str, ...] | None = None  # the category feeds to publish; None: all
    tags: TagFeeds | None = None  # None: no tag feeds
    icon: str | None = None  # absolute URLs
    logo: str | None = None


@dataclass(frozen=True)
class Config:
    site: Site
    source: Path
    out: Path
    cache: Path | None = None  # the build cache; None: in the state folder
    # The folder of the build's private files (see state_folder); None: default_state_dir.
    state_dir: Path | None = None
    limit: int = 50  # entries per feed; 0 means all
    cleaning: str = "generic"  # the finews rules only where a feeds.toml asks for them
    max_drop: float = 0.5  # refuse to publish when valid posts fall by more than this share
    lock_timeout: float = 60.0  # seconds a build waits for another one to finish
    categories: Mapping[str, CategoryConfig] = field(default_factory=dict)
    opml_format: str = "atom"  # the format feeds.opml lists each feed in (FORMAT_FILES)
    # The files each feed has, of the formats switched on (FORMAT_FILES), in its order.
    formats: tuple[str, ...] = tuple(FORMAT_FILES.values())
    # The name of the page in out/ that lists every feed: another than index.html where
    # out/ is served at the same address as a site with a home page of its own.
    index_page: str = "index.html"
    # WebSub hubs every feed names (rel="hub") and each build pings for the feeds it changed.
    hubs: tuple[str, ...] = ()
    hub_timeout: float = 5.0  # seconds a ping waits for a hub's answer, each try
    jekyll_feed: JekyllFeed = JekyllFeed()
    # Tag feeds at most, of the tags of the most posts (feed.tags): each is three files,
    # an entry on the index page and in OPML, so a site of 1,000 tags has 3,000. 0: all.
    max_tag_feeds: int = 100
    # What reading the config found to say (a _config.yml value feeds.toml overrides).
    warnings: tuple[str, ...] = ()
    future: bool = False  # publish posts dated after the build
    smart_quotes: bool = True  # Markdown's quotes, dashes and ellipses made typographic
    force: bool = False
    strict: bool = False


def load_config(
    config_path: Path | None,
    *,
    source: Path | None = None,
    out: Path | None = None,
    state_dir: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Merge defaults, the site's _config.yml, feeds.toml and command-line values."""
    table: dict[str, Any] = {}
    base = Path.cwd()
    if config_path is not None:
        table = _read_toml(config_path)
        base = config_path.parent
    where = str(config_path) if config_path else "feeds.toml"
    _check_keys(table, where)

    src = source if source is not None else _path(table, "source", base, where) or Path("seeds")
    dst = out if out is not None else _path(table, "out", base, where) or Path("out")
    state = state_dir or _path(table, "state_dir", base, where) or default_state_dir(dst)
    jekyll = read_jekyll_config(src, kept_in=state)
    site = _site(jekyll, table, where, str(src / "_config.yml"))
    site = replace(site, authors=read_authors(src, kept_in=state))
    formats = _formats(table, "formats", where)
    warnings: list[str] = []
    jwhere = str(src / "_config.yml")
    jekyll_feed, posts_limit = read_feed_block(jekyll, jwhere, site.url, warnings)
    if posts_limit is not None and "limit" in table and table["limit"] != posts_limit:
        warnings.append(
            f"{jwhere} feed.posts_limit = {posts_limit} vs {where} limit = "
            f"{table['limit']}: {Path(where).name} wins"
        )
    elif posts_limit is not None:
        table = {**table, "limit": posts_limit}
    config = Config(
        site=site,
        source=src,
        out=dst,
        cache=_path(table, "cache", base, where),
        state_dir=state,
        limit=_int(table, "limit", where, default=50, minimum=0),
        cleaning=_choice(table, "cleaning", where, CLEANING_PROFILES, default="generic"),
        max_drop=_share(table, "max_drop", where, default=0.5),
        lock_timeout=_number(table, "lock_timeout", where, default=60.0, maximum=MAX_LOCK_TIMEOUT),
        categories=_categories(table.get("categories", {}), where),
        opml_format=_opml_format(table, "opml_format", where, formats),
        formats=formats,
        index_page=_index_page(table, "index_page", where),
        hubs=_hubs(table, "hubs", where),
        hub_timeout=_number(table, "hub_timeout", where, default=5.0, maximum=MAX_HUB_TIMEOUT),
        jekyll_feed=jekyll_feed,
        max_tag_feeds=_int(table, "max_tag_feeds", where, default=100, minimum=0),
        warnings=tuple(warnings),
        future=_jekyll_flag(jekyll, "future", str(src / "_config.yml")),
        smart_quotes=_smart_quotes(table, where, jekyll),
    )
    return replace(config, **dict(overrides or {}))


def state_folder(config: Config) -> Path:
    """The folder of the build's private files: the state, the cache (unless `cache` names
    another file), the lock's companions and the Jekyll snapshot; never served."""
    return config.state_dir or default_state_dir(config.out)


def default_state_dir(out: Path, environ: Mapping[str, str] = os.environ) -> Path:
    """$XDG_CACHE_HOME/feeds/<name>-<digest>: one folder per output folder, told apart by a
    digest of its real path (two archives never share one) and named after it, so that a
    person finds it. A moved output folder gets a new one: a cold rebuild."""
    real = out.resolve()
    digest = hashlib.blake2b(os.fsencode(real), digest_size=6).hexdigest()
    return cache_home(environ) / "feeds" / f"{real.name or 'root'}-{digest}"


def cache_home(environ: Mapping[str, str] = os.environ) -> Path:
    """$XDG_CACHE_HOME, else ~/.cache; a ConfigError when neither can be known."""
    xdg = Path(environ.get("XDG_CACHE_HOME", ""))
    if xdg.is_absolute():  # the XDG spec: a relative path is to be ignored
        return xdg
    home = Path(environ.get("HOME") or _passwd_home())
    if not home.is_absolute():
        raise ConfigError(
            "the state folder",
            None,
            "no home folder to keep it in (HOME is unset); set state_dir in the config, "
            "--state-dir, or XDG_CACHE_HOME",
        )
    return home / ".cache"


def _passwd_home() -> str:
    import pwd  # here: only where HOME is unset

    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:  # a user id with no entry (a container's)
        return ""


def is_jekyll_site(source: Path) -> bool:
    """A Jekyll site has a _config.yml or a _posts folder at its top."""
    return (source / "_config.yml").is_file() or (source / "_posts").is_dir()


def read_jekyll_config(source: Path, kept_in: Path | None = None) -> dict[str, Any]:
    """The site's _config.yml as a mapping, or {} when there is none.

    Kept parsed in the folder `kept_in` (the state folder) while the file stays as it
    was, so that a rebuild with nothing to do need not load PyYAML, a twentieth of it.
    """
    kept = kept_in / JEKYLL_KEPT_NAME if kept_in is not None else None
    return _read_yaml_kept(source / "_config.yml", kept, JEKYLL_KEYS)


def read_authors(source: Path, kept_in: Path | None = None) -> tuple[tuple[str, Author], ...]:
    """The authors of the site's _data/authors.yml (or .yaml), by key, each a name or a
    mapping with name, email and uri, as jekyll-feed reads them; kept as _config.yml is."""
    for name in AUTHORS_FILES:
        path = source / name
        kept = kept_in / AUTHORS_KEPT_NAME if kept_in is not None else None
        data = _read_yaml_kept(path, kept, None)
        if data:
            where = str(path)
            found = (
                (str(key), parse_author(value, where, str(key))) for key, value in data.items()
            )
            return tuple((key, author) for key, author in found if author is not None)
    return ()


def _read_yaml_kept(path: Path, kept: Path | None, keys: tuple[str, ...] | None) -> dict[str, Any]:
    """A YAML mapping file, parsed, or {} when there is none; parsed again only when it
    changed since the copy of its `keys` (all when None) was kept at `kept`."""
    try:
        st = path.stat()
    except OSError:
        return {}
    if not S_ISREG(st.st_mode):
        return {}
    stamp = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]
    where = f"{path.resolve()} {_reader()}"
    if kept is not None:
        data = _kept_jekyll_config(kept, where, stamp)
        if data is not None:
            return data
    data = _parse_jekyll_config(path)
    # Kept once it is older than a file system's stamps can lie (see listing.RACY_NS), in
    # a state folder that is there: a config error must not leave a new folder behind.
    settled = max(st.st_mtime_ns, st.st_ctime_ns) < time.time_ns() - 2 * 10**9
    if kept is not None and settled and kept.parent.is_dir():
        _keep_jekyll_config(kept, where, stamp, data, S_IMODE(st.st_mode), keys)
    return data


def _reader() -> str:
    """Which code read the copy: another version of feeds or its libraries reads again."""
    return code_digest()


def _parse_jekyll_config(path: Path) -> dict[str, Any]:
    import yaml  # here: a rebuild with nothing to do reads the parsed copy (see above)

    try:
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(str(path), None, f"cannot read the Jekyll file: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(str(path), None, "the Jekyll file is not a mapping of keys")
    return data


def _kept_jekyll_config(kept: Path, where: str, stamp: list[int]) -> dict[str, Any] | None:
    try:
        saved = json.loads(read_no_follow(kept).decode("utf-8"))
        if saved["path"] == where and saved["stamp"] == stamp and isinstance(saved["data"], dict):
            return saved["data"]
    except LinkError:
        raise
    except Exception:  # a copy only, whatever is wrong with it: parse again
        pass
    return None


def _keep_jekyll_config(
    kept: Path,
    where: str,
    stamp: list[int],
    data: dict[str, Any],
    mode: int,
    keys: tuple[str, ...] | None,
) -> None:
    """Save the keys feeds reads, if JSON gives them back as they are (no dates, no number
    keys), as private as the config itself."""
    try:
        used = data if keys is None else {key: data[key] for key in keys if key in data}
        if keys is not None and isinstance(used.get("feed"), dict):
            used["feed"] = {key: used["feed"][key] for key in FEED_KEYS if key in used["feed"]}
        text = json.dumps({"path": where, "stamp": stamp, "data": used}, ensure_ascii=False)
        if json.loads(text)["data"] != used or len(text) > 65536:
            return
        replace_file(kept, text.encode("utf-8"), durable=False, mode=mode)
    except Exception:  # a copy only (deep nesting: RecursionError): parse again
        pass


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(str(path), None, "no such config file") from exc
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), None, f"not valid TOML: {exc}") from exc


def _check_keys(table: Mapping[str, Any], where: str) -> None:
    for key in table:
        if key not in SITE_KEYS | TOOL_KEYS:
            known = ", ".join(sorted(SITE_KEYS | TOOL_KEYS))
            raise ConfigError(where, key, f"unknown key (known keys: {known})")


def _site(jekyll: Mapping[str, Any], table: Mapping[str, Any], where: str, jwhere: str) -> Site:
    def pick(key: str, jekyll_keys: tuple[str, ...]) -> tuple[Any, str, str]:
        if key in table:
            return table[key], where, key
        for jkey in jekyll_keys:
            if jekyll.get(jkey) not in (None, ""):
                return jekyll[jkey], jwhere, jkey
        return None, where, key

    url, url_where, url_key = pick("url", ("url",))
    if url is None:
        raise ConfigError(where, "url", 'the site\'s url is not set: add url = "https://…"')
    url = _url(url, url_where, url_key)
    if "url" not in table and isinstance(jekyll.get("baseurl"), str):
        url += "/" + as_uri(jekyll["baseurl"].strip("/")) if jekyll["baseurl"].strip("/") else ""

    title, t_where, t_key = pick("title", ("title", "name"))
    description, d_where, d_key = pick("description", ("description",))
    language, l_where, l_key = pick("language", ("lang", "language"))
    tz, tz_where, tz_key = pick("timezone", ("timezone",))
    author, a_where, a_key = pick("author", ("author",))
    permalink, p_where, p_key = pick("permalink", ("permalink",))
    posts = jekyll.get("collections")
    posts = posts.get("posts") if isinstance(posts, Mapping) else None
    if "permalink" not in table and isinstance(posts, Mapping) and posts.get("permalink"):
        # Jekyll's posts collection takes the global permalink only when it sets none
        permalink, p_where, p_key = posts["permalink"], jwhere, "collections.posts.permalink"
    feed = jekyll.get("feed")
    excerpt_only = feed.get("excerpt_only", False) if isinstance(feed, Mapping) else False
    if not isinstance(excerpt_only, bool):
        raise ConfigError(jwhere, "feed.excerpt_only", "must be true or false")
    separator = jekyll.get("excerpt_separator")
    if separator is not None and not isinstance(separator, str):
        raise ConfigError(jwhere, "excerpt_separator", "must be a string")
    return Site(
        title=_text(title, t_where, t_key) if title is not None else urlsplit(url).netloc,
        url=url,
        description=_text(description, d_where, d_key) if description is not None else "",
        language=_text(language, l_where, l_key) if language is not None else None,
        timezone=_timezone(tz if tz is not None else "UTC", tz_where, tz_key),
        author=parse_author(author, a_where, a_key) if author is not None else None,
        permalink=_permalink(permalink if permalink is not None else "date", p_where, p_key),
        defaults=_defaults(jekyll.get("defaults")),
        excerpt_only=excerpt_only,
        excerpt_separator=separator or None,
    )


def parse_author(
    value: Any, where: str, key: str, refused: Callable[[str, str], None] | None = None
) -> Author | None:
    """An author given as a name, or as a mapping with name, email and uri; the name on one
    line. An email or uri that fails feeds.urls' checks is left out, told to `refused` as
    (key, reason); without `refused`, it is a ConfigError."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        name = one_line(str(value))
        return Author(name) if name else None
    if isinstance(value, Mapping):
        name = one_line(str(value.get("name") or ""))
        email = _checked(value.get("email"), safe_email, where, f"{key}.email", refused)
        uri_key = f"{key}.uri" if value.get("uri") else f"{key}.url"
        uri = _checked(value.get("uri") or value.get("url"), safe_link, where, uri_key, refused)
        if not name and not email:
            return None
        return Author(name or str(email), email, uri)
    raise ConfigError(where, key, "an author is a name or a mapping with name, email, uri")


_KINDS: dict[Callable[[str], str | None], str] = {
    safe_email: "an e-mail address (name@example.org)",
    safe_link: "an absolute http(s) URL",
}


def _checked(
    value: Any,
    check: Callable[[str], str | None],
    where: str,
    key: str,
    refused: Callable[[str, str], None] | None,
) -> str | None:
    """The value, on one line, if `check` takes it; None if it is empty or refused."""
    text = one_line(str(value)) if value not in (None, "") else ""
    if not text or check(text) is not None:
        return text or None
    reason = f"{text!r} is not {_KINDS[check]}"
    if refused is None:
        raise ConfigError(where, key, reason)
    refused(key, reason)
    return None


def _text(value: Any, where: str, key: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(where, key, "must be a string")
    return str(value).strip()


def _url(value: Any, where: str, key: str) -> str:
    """An absolute http(s) URL, its path percent-encoded (`/a b/` is `/a%20b/`): every
    URL in the feeds is built on it."""
    text = _text(value, where, key)
    with contextlib.suppress(ValueError):
        parts = urlsplit(text)
        host = f"{parts.scheme}://{parts.netloc}"
        if parts.netloc and text.startswith(host):
            text = host + as_uri(text[len(host) :])
    if safe_link(text) is None:
        raise ConfigError(where, key, f"must be an absolute http(s) URL, not {text!r}")
    return text.rstrip("/")


def _timezone(value: Any, where: str, key: str) -> str:
    name = _text(value, where, key)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(where, key, f"unknown time zone {name!r} (e.g. Asia/Shanghai)") from exc
    return name


def _permalink(value: Any, where: str, key: str) -> str:
    text = _text(value, where, key)
    if text in PERMALINK_STYLES:
        return PERMALINK_STYLES[text]
    from feeds.permalinks import PermalinkError, check_template  # here: a named style needs none

    try:
        check_template(text)
    except PermalinkError as exc:
        raise ConfigError(where, key, str(exc)) from exc
    # Jekyll makes every URL start with /: a template without one means the same
    return text if text.startswith("/") else "/" + text


def _defaults(value: Any) -> tuple[tuple[str, str, str], ...]:
    """_config.yml's `defaults:` sets for posts (see feeds.permalinks.read_defaults)."""
    if not value:
        return ()
    from feeds.permalinks import read_defaults  # here: most sites have none

    return read_defaults(value)


def _jekyll_flag(jekyll: Mapping[str, Any], key: str, where: str) -> bool:
    value = jekyll.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(where, key, "must be true or false")
    return value


def _smart_quotes(table: Mapping[str, Any], where: str, jekyll: Mapping[str, Any]) -> bool:
    """feeds.toml's `smart_quotes`, else kramdown's: on unless its `smart_quotes` names
    straight quotes only (`apos,apos,quot,quot`), as Jekyll sites switch them off."""
    if "smart_quotes" in table:
        value = table["smart_quotes"]
        if not isinstance(value, bool):
            raise ConfigError(where, "smart_quotes", "must be true or false")
        return value
    kramdown = jekyll.get("kramdown")
    entities = kramdown.get("smart_quotes") if isinstance(kramdown, Mapping) else None
    if not isinstance(entities, str):
        return True
    return not {name.strip() for name in entities.split(",")} <= _STRAIGHT_QUOTES


def _path(table: Mapping[str, Any], key: str, base: Path, where: str) -> Path | None:
    if key not in table:
        return None
    return base / _text(table[key], where, key)


def _number(
    table: Mapping[str, Any], key: str, where: str, *, default: float, maximum: float
) -> float:
    value = table.get(key, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value < float("inf")  # nan too: it would wait for ever
    ):
        raise ConfigError(where, key, "must be a finite number of 0 or more")
    if value > maximum:  # 1e300 is finite, and waits as long as inf
        raise ConfigError(where, key, f"must be at most {maximum:,.0f} seconds")
    return float(value)


def _int(table: Mapping[str, Any], key: str, where: str, *, default: int, minimum: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(where, key, f"must be a whole number of {minimum} or more")
    return value


def _share(table: Mapping[str, Any], key: str, where: str, *, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(where, key, "must be a share between 0 and 1 (0.5 = 50%)")
    return float(value)


def _choice(
    table: Mapping[str, Any], key: str, where: str, choices: tuple[str, ...], *, default: str
) -> str:
    value = table.get(key, default)
    if value not in choices:
        raise ConfigError(where, key, f"must be one of {', '.join(choices)}")
    return str(value)


def _index_page(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key, "index.html")
    if not isinstance(value, str) or not _PAGE_NAME.fullmatch(value):
        raise ConfigError(
            where, key, 'must be a file name in the output folder ending in .html ("feeds.html")'
        )
    return value


def _hubs(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """The hubs' URLs, each an absolute http(s) URL, each once, in the order given."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(where, key, 'must be a list of hub URLs: ["https://hub.example/"]')
    for item in value:
        if safe_link(item) is None:
            raise ConfigError(where, key, f"a hub must be an absolute http(s) URL, not {item!r}")
    return tuple(dict.fromkeys(value))


def _opml_format(table: Mapping[str, Any], key: str, where: str, formats: tuple[str, ...]) -> str:
    """The format feeds.opml lists: one switched on (`formats`, as files); Atom, when on,
    by default, else the first one on."""
    on = [name for name, file in FORMAT_FILES.items() if file in formats]
    value = _choice(
        table, key, where, tuple(FORMAT_FILES), default="atom" if "atom" in on else on[0]
    )
    if value not in on:
        raise ConfigError(
            where, key, f'"{value}" is switched off in `formats`: name one of {", ".join(on)}'
        )
    return value


def _formats(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """The files of the formats the list names, in FORMAT_FILES' order; all by default."""
    value = table.get(key, list(FORMAT_FILES))
    known = ", ".join(f'"{name}"' for name in FORMAT_FILES)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(where, key, f"must be a list of format names: {known}")
    unknown = [item for item in value if item not in FORMAT_FILES]
    if unknown:
        raise ConfigError(where, key, f"unknown format {unknown[0]!r} (known: {known})")
    if not value:
        raise ConfigError(where, key, f"must name at least one format: {known}")
    return tuple(file for name, file in FORMAT_FILES.items() if name in value)


def _categories(value: Any, where: str) -> dict[str, CategoryConfig]:
    if not isinstance(value, Mapping):
        raise ConfigError(where, "categories", "must be a table of category = title")
    result = {}
    for name, item in value.items():
        key = f"categories.{name}"
        if isinstance(item, str):
            result[name] = CategoryConfig(title=item)
            continue
        if not isinstance(item, Mapping):
            raise ConfigError(where, key, "must be a title or a table with title and slug")
        for sub in item:
            if sub not in ("title", "slug"):
                raise ConfigError(where, f"{key}.{sub}", "unknown key (known: title, slug)")
        title = _text(item["title"], where, f"{key}.title") if "title" in item else None
        slug = _text(item["slug"], where, f"{key}.slug") if "slug" in item else None
        result[name] = CategoryConfig(title=title, slug=slug)
    return result


def read_feed_block(
    jekyll: Mapping[str, Any], jwhere: str, site_url: str, warnings: list[str]
) -> tuple[JekyllFeed, int | None]:
    """jekyll-feed's settings in the site's `feed:` block, and its posts_limit, if set.

    A site that used jekyll-feed (the block, or the plugin listed) gets a copy of the
    combined Atom feed where jekyll-feed served its feed: /feed.xml unless `path` says
    otherwise. Settings for other collections than posts are warned of, not followed."""
    block = jekyll.get("feed")
    plugins = [*_names(jekyll.get("plugins")), *_names(jekyll.get("gems"))]
    if block is None:
        block = {}
    elif not isinstance(block, Mapping):
        raise ConfigError(jwhere, "feed", "must be a mapping of jekyll-feed's settings")
    if not block and "jekyll-feed" not in plugins:
        return JekyllFeed(), None
    posts = _posts_meta(block, jwhere, warnings)
    path, path_key = posts.get("path"), "feed.collections.posts.path"
    if path is None:
        path, path_key = block.get("path"), "feed.path"
    categories = posts.get("categories")
    cat_key = "feed.collections.posts.categories"
    if categories is None:
        categories, cat_key = block.get("categories"), "feed.categories"
    limit = block.get("posts_limit")
    if limit is not None:
        key = "feed.posts_limit"
        limit = _int({key: limit}, key, jwhere, default=0, minimum=0)
    return (
        JekyllFeed(
            path=_site_path(path if path is not None else "feed.xml", jwhere, path_key),
            categories=None if categories is None else _strings(categories, jwhere, cat_key),
            tags=_tag_feeds(block.get("tags"), jwhere),
            icon=_site_url(block.get("icon"), site_url, jwhere, "feed.icon"),
            logo=_site_url(block.get("logo"), site_url, jwhere, "feed.logo"),
        ),
        limit,
    )


def _names(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _posts_meta(block: Mapping[str, Any], jwhere: str, warnings: list[str]) -> dict[str, Any]:
    """`feed: collections:` as jekyll-feed reads it (a list of names, or a mapping of each
    to its path and categories): the posts' settings; the others are warned of."""
    value = block.get("collections")
    if value is None:
        return {}
    if isinstance(value, list):
        value = {str(name): {} for name in value}
    if not isinstance(value, Mapping):
        raise ConfigError(jwhere, "feed.collections", "must be a list or a mapping of names")
    others = sorted(str(name) for name in value if name != "posts")
    if others:
        warnings.append(
            f"{jwhere}: feed.collections: no feed for {', '.join(others)}: feeds publishes "
            "the posts of _posts only"
        )
    posts = value.get("posts") or {}
    if not isinstance(posts, Mapping):
        raise ConfigError(jwhere, "feed.collections.posts", "must be a mapping")
    return {key: posts[key] for key in ("path", "categories") if posts.get(key) is not None}


def _tag_feeds(value: Any, jwhere: str) -> TagFeeds | None:
    if value is None or value is False:
        return None
    if value is True:
        return TagFeeds()
    if not isinstance(value, Mapping):
        raise ConfigError(jwhere, "feed.tags", "must be true, or a mapping of only, except, path")
    only = value.get("only")
    return TagFeeds(
        only=None if only is None else _strings(only, jwhere, "feed.tags.only"),
        excluded=_strings(value.get("except") or [], jwhere, "feed.tags.except"),
        path=_site_path(value.get("path") or "feed/by_tag/", jwhere, "feed.tags.path") + "/",
    )


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ConfigError(where, key, "must be a list of names")
    return tuple(str(v) for v in value)


def _site_path(value: Any, where: str, key: str) -> str:
    """A path in the output folder, as Jekyll makes one safe: no `..`, never above it."""
    text = _text(value, where, key)
    parts = [p for p in text.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if not parts or any(p.startswith(".") for p in parts):
        raise ConfigError(where, key, f"must be a path in the site such as feed.xml, not {text!r}")
    return "/".join(parts)


def _site_url(value: Any, site_url: str, where: str, key: str) -> str | None:
    """An absolute URL, or one made of a path on the site, as jekyll-feed makes it."""
    if value in (None, ""):
        return None
    text = _text(value, where, key)
    url = text if "://" in text else on_site(site_url, text)
    if safe_link(url) is None:
        raise ConfigError(where, key, f"must be a path on the site or an http(s) URL, not {text!r}")
    return url


def jekyll_copies(
    feed: JekyllFeed, slugs: Mapping[str, str], tag_slugs: Mapping[str, str]
) -> dict[str, str]:
    """Where jekyll-feed served each feed, under the output folder -> the Atom feed there:
    the combined feed at `path`, each category's at feed/<category>.xml and each tag's at
    <tags.path><tag>.xml, for the names jekyll-feed gave a feed of their own."""
    copies: dict[str, str] = {}
    if feed.path is not None and feed.path != "atom.xml":
        copies[feed.path] = "atom.xml"
    for category in feed.categories or ():
        if category in slugs and _JEKYLL_CATEGORY.fullmatch(category):
            copies[f"feed/{category}.xml"] = f"{slugs[category]}/atom.xml"
    if feed.tags is not None:
        for tag, slug in tag_slugs.items():
            if _JEKYLL_TAG.fullmatch(tag):
                copies[f"{feed.tags.path}{tag}.xml"] = f"{TAG_FOLDER}{slug}/atom.xml"
    return copies
