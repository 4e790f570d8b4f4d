"""What the last build saw and published: the published state, read and written.

The state lives in the state folder (`.feeds-state.json`, see config.state_folder): the
listing of the source, the feeds written with their fingerprints and file stamps, the posts
counted, the problems reported, the hub pings still owed. A rebuild whose listing, config
and outputs all match it has nothing to do but those pings.
"""

import json
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path

from feeds.errors import BuildError
from feeds.files import read_no_follow, stamps_hold, write_if_changed
from feeds.incremental.cache import POST, UNPUBLISHED, Cache
from feeds.incremental.fingerprints import Published, outputs_intact
from feeds.incremental.listing import RACY_NS
from feeds.model import Report
from feeds.source.discover import Listing

STATE_NAME = ".feeds-state.json"


@dataclass(frozen=True)
class Ping:
    """A WebSub hub to tell that a feed URL changed: owed until the hub says it heard."""

    hub: str
    url: str
    since: int  # time.time_ns() of the build that owed it last: see settle_pings


@dataclass
class State:
    listing: str = ""
    settings: str = ""
    scanned_ns: int = 0
    next_due: float | None = None
    read: int = 0  # posts read, those left out included
    posts: int = 0  # publishable posts: what the drop guard compares
    ignored: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # posts' dates not shown, once said
    # The most publishable posts a build published each day, over PEAK_DAYS days: the
    # drop guard's mark, which a source shrinking a little at every build cannot lower.
    peaks: dict[str, int] = field(default_factory=dict)
    files: dict[str, Published] = field(default_factory=dict)
    # The site-level pages (index.html, feeds.opml) as written: never removed, never
    # counted as feeds.
    pages: dict[str, Published] = field(default_factory=dict)
    slugs: dict[str, str] = field(default_factory=dict)  # category -> its feed's folder
    tag_slugs: dict[str, str] = field(default_factory=dict)  # tag -> its feed's folder
    # Copies of feeds where jekyll-feed served them (config.jekyll_copies), as written.
    copies: dict[str, Published] = field(default_factory=dict)
    # Posts kept as last published though their files are no posts now (see Cache.hold):
    # named even when the cache that kept them is discarded. Written only when some are.
    held: list[str] = field(default_factory=list)
    # Hub pings owed, one per hub and feed URL (see due_pings). Written only when some are.
    pings: list[Ping] = field(default_factory=list)
    # The files besides posts that posts' Liquid read (includes, _config.yml), as
    # relpath -> [size, mtime_ns]: a build is due when one changes. Written only when some.
    inputs: dict[str, list[int]] = field(default_factory=dict)


def read_state(folder: Path) -> State:
    """The last build's state; an empty one when it is missing or unreadable."""
    try:
        data = json.loads(read_no_follow(folder / STATE_NAME).decode("utf-8"))
        files = {k: Published(**v) for k, v in data.pop("files").items()}
        pages = {k: Published(**v) for k, v in data.pop("pages", {}).items()}
        slugs = data.pop("slugs", {})
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in slugs.items()):
            slugs = {}
        tag_slugs = data.pop("tag_slugs", {})  # an older state file has none
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in tag_slugs.items()):
            tag_slugs = {}
        copies = {k: Published(**v) for k, v in data.pop("copies", {}).items()}
        warnings = data.pop("warnings", [])  # an older state file has none
        if not (isinstance(warnings, list) and all(isinstance(w, str) for w in warnings)):
            warnings = []
        peaks = data.pop("peaks", {})  # an older state file has none
        if not all(isinstance(k, str) and type(v) is int for k, v in peaks.items()):
            peaks = {}
        inputs = data.pop("inputs", {})  # an older state file has none
        if not all(isinstance(k, str) and isinstance(v, list) for k, v in inputs.items()):
            inputs = {}
        held = data.pop("held", [])  # an older state file has none
        if not (isinstance(held, list) and all(isinstance(h, str) for h in held)):
            held = []
        pings = _pings(data.pop("pings", []))  # an older state file has none
        # A key a later version wrote is left for it: this one reads what it knows.
        known = {f.name for f in fields(State)}
        return State(
            **{key: value for key, value in data.items() if key in known},
            files=files,
            pages=pages,
            slugs=slugs,
            tag_slugs=tag_slugs,
            copies=copies,
            warnings=warnings,
            peaks=peaks,
            held=held,
            pings=pings,
            inputs=inputs,
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return State()


def _pings(data: object) -> list[Ping]:
    """The pings a state file lists, those it spells wrong left out."""
    if not isinstance(data, list):
        return []
    return [
        Ping(item["hub"], item["url"], item["since"])
        for item in data
        if isinstance(item, dict)
        and isinstance(item.get("hub"), str)
        and isinstance(item.get("url"), str)
        and type(item.get("since")) is int
    ]


def write_state(folder: Path, state: State) -> None:
    data = asdict(state)
    # As before there were any: an ordinary state file stays as it was.
    for key in ("held", "pings", "tag_slugs", "copies", "inputs"):
        if not data[key]:
            del data[key]
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    write_if_changed(folder / STATE_NAME, text.encode("utf-8") + b"\n")


def up_to_date(
    state: State, listing: str, settings: str, found: Listing, now: datetime, out: Path
) -> bool:
    """Whether the last build's feeds are what a build now would publish: the same listing
    and settings, no post come due, no file changed too close to its scan to tell, and the
    feeds as they were written."""
    if not state.files or (state.listing, state.settings) != (listing, settings):
        return False
    if state.next_due is not None and now.timestamp() >= state.next_due:
        return False  # a post dated in the future is due now
    if found.newest_mtime() >= state.scanned_ns - RACY_NS:
        return False
    return (
        outputs_intact(out, state.files)
        and outputs_intact(out, state.pages)
        and outputs_intact(out, state.copies)
    )


def inputs_hold(state: State, source: Path) -> bool:
    """Whether the files the posts' Liquid read are as the last build saw them."""
    return stamps_hold(source, ((k, *v) for k, v in state.inputs.items()))


def replay(state: State, report: Report) -> None:
    """Report what the last build found, since nothing has changed since."""
    report.posts_read = state.read
    report.posts_ignored = state.ignored
    report.errors.extend(state.errors)
    report.feeds_unchanged = len(state.files)


def record_posts(
    state: State,
    cache: Cache,
    excluded: dict[str, float],
    until: float,
    report: Report,
    source: Path,
    were_held: list[str],
) -> None:
    """Count the posts the cache holds, less the `excluded` ones (by path -> date), and
    report the problems it keeps, held posts the last build had (`were_held`) that a
    discarded cache lost included; raise BuildError when none is publishable."""
    from feeds.incremental.sync import LOST, lost_held

    report.errors.extend(cache.messages())
    lost = lost_held(cache, were_held, source)
    report.errors.extend(f"{relpath}: read: {LOST}" for relpath in lost)
    state.held = sorted([*cache.held(), *lost])
    report.errors.sort()
    posts = cache.count(POST) - len(excluded)
    due = cache.count_due(until) - sum(1 for p in excluded.values() if p <= until)
    report.posts_read = posts
    report.posts_ignored = cache.count(UNPUBLISHED) + posts - due
    state.read, state.posts, state.ignored = posts, due, report.posts_ignored
    state.next_due = cache.next_due(until)
    if cache.unreadable() or cache.held():
        state.listing = ""  # a file that could not be read, or held, is read again next time
    if due <= 0:
        raise BuildError(
            f"{source}: no publishable posts found (is it mounted?); nothing published"
        )


def record_problems(
    state: State,
    previous: State,
    report: Report,
    warnings: dict[str, str],
    due: float | None,
) -> None:
    """Keep the build's errors, and its `warnings` (by path) said once while they stay so;
    `due`: when a held update comes, and a build must run."""
    report.errors.sort()
    state.errors = list(report.errors)
    # Said once, while it stays so, as the warnings of a scan are (see incremental.sync).
    state.warnings = sorted(warnings.values())
    said = set(previous.warnings)
    report.warnings.extend(w for w in state.warnings if w not in said)
    if due is not None and (state.next_due is None or due < state.next_due):
        state.next_due = due  # a build must run when a held update comes


def due_pings(
    owed: list[Ping], hubs: tuple[str, ...], written: list[str], feeds: set[str], now_ns: int
) -> list[Ping]:
    """The pings owed after a build: each hub for each feed URL it `written`, and those
    owed before, of a hub still configured, for a feed still published (`feeds`): one per
    hub and URL, so that a hub down for a month is owed no more than one per feed."""
    due = {(p.hub, p.url): p for p in owed if p.hub in hubs and p.url in feeds}
    for url in written:
        for hub in hubs:
            due[hub, url] = Ping(hub, url, now_ns)
    return sorted(due.values(), key=lambda p: (p.hub, p.url))


def owe_pings(
    folder: Path, previous: State, hubs: tuple[str, ...], urls: list[str], now_ns: int
) -> None:
    """Save, with the last build's state as it was read (`previous`), the pings owed for
    the feed `urls` about to be written, before they are: a build that dies between the
    writes and its own state leaves those feeds as rendered, which the next build finds
    unchanged and would never ping. A feed written unchanged is pinged once too often."""
    owed = due_pings(previous.pings, hubs, urls, {*urls, *(p.url for p in previous.pings)}, now_ns)
    if owed != previous.pings:
        write_state(folder, replace(previous, pings=owed))


def settle_pings(folder: Path, heard: list[Ping]) -> None:
    """Forget the pings the hubs heard. Called under the lock, after the pings, which ran
    without it: a build that ran meanwhile and owes one again (a later `since`) keeps it."""
    state = read_state(folder)
    done = set(heard)
    left = [p for p in state.pings if p not in done]
    if len(left) < len(state.pings):
        state.pings = left
        write_state(folder, state)
