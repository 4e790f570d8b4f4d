"""The build cache: an SQLite file that remembers every post file's front matter and every
published post's cleaned body, so that a rebuild costs what changed, not what exists.

It is also the index the feeds are selected from: each feed's newest posts come from an
ordered query, so the archive's posts are never all held in memory. A cache that cannot be
read, or was written by another version or for another config, is thrown away and rebuilt.
"""

import contextlib
import hashlib
import json
import operator
import os
import sqlite3
import stat
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from feeds.files import TEMP_MARK, is_temp_file, read_no_follow, refuse_link, replace_file
from feeds.model import Author, Entry, Post, PostFields, Report

CACHE_NAME = ".feeds-cache.sqlite"  # in the state folder, unless the config names another
SCHEMA = 10  # 7: entries keep their Atom and RSS XML (see formats.atom_rss); 8: `held`;
# 9: Post.image, excerpt_only, excerpt_separator; 10: Post.lang
NOT_A_POST, POST, BAD, UNPUBLISHED = 0, 1, 2, 3
GONE = 4  # a listed file found gone, or no regular file, when read: never stored
PAGE_SIZE = 16384
T = TypeVar("T")

_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    relpath TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    digest TEXT NOT NULL, kind INTEGER NOT NULL, message TEXT,
    ts REAL, id TEXT, post TEXT
);
CREATE TABLE categories (
    relpath TEXT NOT NULL, category TEXT NOT NULL, ts REAL NOT NULL, id TEXT NOT NULL
);
CREATE TABLE entries (
    relpath TEXT PRIMARY KEY, digest TEXT NOT NULL, html TEXT NOT NULL,
    summary TEXT NOT NULL, outlet TEXT, original_url TEXT, content BLOB NOT NULL,
    atom BLOB, rss BLOB
);
CREATE TABLE held (relpath TEXT PRIMARY KEY, message TEXT NOT NULL);
"""
_INDEXES = {
    "files_post_order": "files (kind, ts DESC, id)",
    "files_id": "files (kind, id, relpath)",  # covers shared_ids
    "files_unreadable": "files (relpath) WHERE digest = ''",
    "categories_order": "categories (category, ts DESC, id)",
    "categories_relpath": "categories (relpath)",
}


class FileRow(NamedTuple):
    """What one source file turned out to be, as of its size, mtime and digest.

    Plain values only: rows come back from worker processes by the hundred thousand.
    """

    relpath: str
    size: int
    mtime_ns: int
    digest: str
    kind: int
    message: str | None = None  # a bad post's reason; a post's warnings, one a line
    ts: float | None = None
    id: str | None = None
    post: str | None = None  # post_json
    categories: tuple[str, ...] = ()

    @classmethod
    def of_post(
        cls,
        relpath: str,
        size: int,
        mtime_ns: int,
        digest: str,
        post: PostFields,
        warnings: str | None = None,
    ) -> "FileRow":
        _, id_, _, published, _, _, categories, *_ = post
        return cls(
            relpath,
            size,
            mtime_ns,
            digest,
            POST,
            warnings,
            published.timestamp(),
            id_,
            post_json(post),
            categories,
        )


class EntryStub(NamedTuple):
    """A stored entry without its body: enough to choose it and fingerprint its feed."""

    post: Post
    outlet: str | None
    original_url: str | None
    content: bytes  # entry_digest of the whole entry


def entry_digest(e: Entry) -> bytes:
    """The entry as it would be written, in 16 bytes."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr((e.post, e.outlet, e.original_url, len(e.html), len(e.summary))).encode())
    h.update(e.html.encode("utf-8", "surrogatepass"))  # not repr: it copies and escapes
    h.update(e.summary.encode("utf-8", "surrogatepass"))
    return h.digest()


class Cache:
    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.db, self.path = connection, path

    @classmethod
    @contextlib.contextmanager
    def open(cls, path: Path, fingerprint: str) -> Iterator["Cache"]:
        """The cache at path, emptied unless it was made for this fingerprint."""
        db = _connect(path, fingerprint)
        try:
            yield cls(db, path)
            db.commit()
        finally:
            db.close()

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def listing(self) -> tuple[list[str], "array[int]", "array[int]"] | None:
        """(relpaths, sizes, mtimes) of the files the cache holds, as last listed; None for
        a new cache. From the listing file when it is the one this cache names, else
        from the files' rows: six times slower at 100,000 posts, as right."""
        token = self.meta("listing")
        if token is None:
            return None
        listing = read_listing(listing_path(self.path), token)
        (rows,) = self.db.execute("SELECT COUNT(*) FROM files").fetchone()
        if listing is None or len(listing[0]) != rows:
            stored = sorted(self.db.execute("SELECT relpath, size, mtime_ns FROM files"))
            relpaths = [str(row[0]) for row in stored]
            listing = (
                relpaths,
                array("q", [row[1] for row in stored]),
                array("q", [row[2] for row in stored]),
            )
        return listing

    def set_listing(
        self, relpaths: Sequence[str], sizes: "array[int]", mtimes: "array[int]"
    ) -> None:
        """Record the listing the rows now match: in a file beside the cache, named by a
        new token that the cache stores with them, so that neither is trusted without the
        other. 5 MB at 100,000 posts, rewritten by every build that adds a post: 13-15 ms
        as a file, where a row of a table cost 45-65 ms with its journal and commit."""
        token = os.urandom(16).hex()
        path = listing_path(self.path)
        for leftover in path.parent.glob(f".{path.name}{TEMP_MARK}*.tmp"):  # a killed build's
            if is_temp_file(leftover.name):
                leftover.unlink(missing_ok=True)
        data = listing_bytes(token, relpaths, sizes, mtimes)
        mode = stat.S_IMODE(self.path.stat().st_mode)  # as private as the cache
        replace_file(path, data, durable=False, mode=mode)  # a cache: lost, never trusted
        self.set_meta("listing", token)

    def unreadable(self) -> list[str]:
        """Files that could not be read (no digest): they are tried again at every build."""
        rows = self.db.execute("SELECT relpath FROM files WHERE digest = ''")
        return [str(r[0]) for r in rows]

    def forget(self, relpaths: Iterable[str]) -> None:
        keys = [(r,) for r in relpaths]
        for table in ("files", "categories", "entries", "held"):
            self.db.executemany(f"DELETE FROM {table} WHERE relpath = ?", keys)

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Indexes dropped while a new cache is filled, and built once at the end: sorting
        100,000 rows once costs a third of keeping five indexes sorted row by row."""
        if not self.db.in_transaction:
            self.db.execute("BEGIN")  # the drop goes back too if the build fails
        for name in _INDEXES:
            self.db.execute(f"DROP INDEX IF EXISTS {name}")
        yield
        _create_indexes(self.db)

    def store(self, rows: Sequence[FileRow], *, replacing: bool) -> None:
        """Record what each file is now; `replacing` when some were seen before."""
        if replacing:
            rows = self._still_bad(rows)
            self._note_keepers(rows)
            keys = [(row.relpath,) for row in rows]
            self.db.executemany("DELETE FROM categories WHERE relpath = ?", keys)
            self.db.executemany("DELETE FROM held WHERE relpath = ?", keys)
        self.db.executemany(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (r.relpath, r.size, r.mtime_ns, r.digest, r.kind, r.message, r.ts, r.id, r.post)
                for r in rows
            ],
        )
        self.db.executemany(
            "INSERT INTO categories VALUES (?, ?, ?, ?)",
            [(r.relpath, category, r.ts, r.id) for r in rows for category in r.categories],
        )

    def _note_keepers(self, rows: Sequence[FileRow]) -> None:
        """Before `rows` are stored: a post that comes with the id of the one post that
        has it now leaves it to that one, however long it has been out of the feeds.
        Recorded per id while it stays shared (see keepers, refresh_shared_ids)."""
        posts = [(row.id, row.relpath) for row in rows if row.kind == POST and row.id]
        holders: dict[str, list[str]] = {}
        for id_, relpath in self._posts_with({id_ for id_, _ in posts}):
            holders.setdefault(id_, []).append(relpath)
        keepers = self.keepers()
        noted = dict(keepers)
        for id_, relpath in posts:
            had = holders.get(id_, [])
            if len(had) == 1 and relpath not in had and id_ not in noted:
                noted[id_] = had[0]
        if noted != keepers:
            self.set_meta("id_keepers", json.dumps(noted, ensure_ascii=False, sort_keys=True))

    def keepers(self) -> dict[str, str]:
        """id -> the path of the post that had it first, for the shared ids the cache saw
        become shared; the others (a new cache) are decided by the published feeds."""
        try:
            found = json.loads(self.meta("id_keepers") or "{}")
        except ValueError:
            return {}
        if not isinstance(found, dict):
            return {}
        return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}

    def _still_bad(self, rows: Sequence[FileRow]) -> Sequence[FileRow]:
        """A post recorded as bad while it was rendered (see mark_bad) stays bad when its
        file is read again with the same bytes: it would kill its renderer again."""
        posts = [row.relpath for row in rows if row.kind == POST]
        bad: dict[str, tuple[str, str]] = {}
        for chunk, marks in _batches(posts):
            found = self.db.execute(
                "SELECT relpath, digest, message FROM files "
                f"WHERE kind = ? AND digest != '' AND relpath IN ({marks})",
                (BAD, *chunk),
            )
            bad.update((relpath, (digest, message)) for relpath, digest, message in found)
        if not bad:
            return rows
        return [
            FileRow(row.relpath, row.size, row.mtime_ns, row.digest, BAD, bad[row.relpath][1])
            if row.relpath in bad and row.digest == bad[row.relpath][0]
            else row
            for row in rows
        ]

    def messages(self) -> list[str]:
        """The reasons every bad post was skipped, and every held one kept, by path."""
        rows = self.db.execute("SELECT message FROM files WHERE kind = ? ORDER BY relpath", (BAD,))
        held = self.db.execute("SELECT message FROM held")
        return sorted(str(r[0]) for r in [*rows, *held])

    def were_posts(self, relpaths: Sequence[str]) -> set[str]:
        """Those of the relpaths whose stored row is a post."""
        found: set[str] = set()
        for chunk, marks in _batches(relpaths):
            rows = self.db.execute(
                f"SELECT relpath FROM files WHERE kind = ? AND relpath IN ({marks})", (POST, *chunk)
            )
            found.update(str(r[0]) for r in rows)
        return found

    def digests(self, relpaths: Sequence[str]) -> dict[str, str]:
        """relpath -> the digest stored for it, for those of the relpaths that are posts."""
        found: dict[str, str] = {}
        for chunk, marks in _batches(relpaths):
            rows = self.db.execute(
                f"SELECT relpath, digest FROM files WHERE kind = ? AND relpath IN ({marks})",
                (POST, *chunk),
            )
            found.update((str(r[0]), str(r[1])) for r in rows)
        return found

    def hold(self, relpath: str, message: str) -> None:
        """Keep a post's rows as they were, its file now no post or unreadable: it stays
        in the feeds, reported with this message, until its file is stored again (fixed)
        or forgotten (deleted)."""
        self.db.execute("INSERT OR REPLACE INTO held VALUES (?, ?)", (relpath, message))

    def held(self) -> list[str]:
        """The posts kept as they were (see hold): their files are read at every build."""
        return [str(r[0]) for r in self.db.execute("SELECT relpath FROM held ORDER BY relpath")]

    def count(self, kind: int) -> int:
        if kind == POST:  # nearly every file: the whole less the others, which the index finds
            (files,) = self.db.execute("SELECT COUNT(*) FROM files").fetchone()
            (others,) = self.db.execute(
                "SELECT COUNT(*) FROM files WHERE kind < ? OR kind > ?", (POST, POST)
            ).fetchone()
            return int(files - others)  # 1.5 ms at 100,000 posts, where counting them took 9
        return int(
            self.db.execute("SELECT COUNT(*) FROM files WHERE kind = ?", (kind,)).fetchone()[0]
        )

    def count_due(self, until: float) -> int:
        """Posts dated up to `until` (a timestamp): all but the few still to come."""
        (later,) = self.db.execute(
            "SELECT COUNT(*) FROM files WHERE kind = ? AND ts > ?", (POST, until)
        ).fetchone()
        return self.count(POST) - int(later)

    def next_due(self, after: float) -> float | None:
        """The date of the first post still in the future: the build must run again then."""
        row = self.db.execute(
            "SELECT MIN(ts) FROM files WHERE kind = ? AND ts > ?", (POST, after)
        ).fetchone()
        return None if row[0] is None else float(row[0])

    def timestamp(self, relpath: str) -> float:
        row = self.db.execute("SELECT ts FROM files WHERE relpath = ?", (relpath,)).fetchone()
        return float(row[0])

    def refresh_shared_ids(self, stored: set[str] | None) -> None:
        """Record which ids more than one post has, after posts with the `stored` ids were
        stored or replaced and others forgotten; None when too many changed to say.

        Only ids that were shared, or were just stored, can be shared now: looking them
        up in the index costs little, where grouping every post's id costs 50 ms at
        100,000 posts."""
        known = self._shared_ids_known()
        if stored is None or known is None or len(stored) > 1000:
            rows = self.db.execute(
                "SELECT id FROM files WHERE kind = ? GROUP BY id HAVING COUNT(*) > 1", (POST,)
            )
            shared = sorted(str(r[0]) for r in rows)
        else:
            posts = Counter(id_ for id_, _ in self._posts_with(known | stored))
            shared = sorted(id_ for id_, count in posts.items() if count > 1)
        self.set_meta("shared_ids", json.dumps(shared, ensure_ascii=False))
        keepers = self.keepers()
        if keepers:  # an id no longer shared: its next newcomer is recorded again
            still = set(shared)
            kept = {id_: relpath for id_, relpath in keepers.items() if id_ in still}
            if kept != keepers:
                self.set_meta("id_keepers", json.dumps(kept, ensure_ascii=False, sort_keys=True))

    def shared_ids(self) -> list[tuple[str, str]]:
        """(id, relpath) of every post whose id another post has too, by id then path, as
        of the last `refresh_shared_ids`."""
        known = self._shared_ids_known()
        if known is None:
            raise sqlite3.DatabaseError("the ids shared by several posts were not recorded")
        return self._posts_with(known)

    def _shared_ids_known(self) -> set[str] | None:
        text = self.meta("shared_ids")
        try:
            ids = json.loads(text) if text is not None else None
        except ValueError:
            return None
        if not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
            return None
        return set(ids)

    def _posts_with(self, ids: set[str]) -> list[tuple[str, str]]:
        """(id, relpath) of the posts with one of these ids, by id then path."""
        found: list[tuple[str, str]] = []
        for chunk, marks in _batches(sorted(ids)):
            rows = self.db.execute(
                f"SELECT id, relpath FROM files WHERE kind = ? AND id IN ({marks}) "
                "ORDER BY id, relpath",
                (POST, *chunk),
            )
            found.extend((str(r[0]), str(r[1])) for r in rows)
        return found

    def newest(self, until: float) -> Iterator[Post]:
        """Every post dated up to `until`, newest first, read lazily."""
        rows = self.db.execute(
            "SELECT relpath, id, post FROM files WHERE kind = ? AND ts <= ? ORDER BY ts DESC, id",
            (POST, until),
        )
        return map(post_from_row, rows)

    def newest_in(self, category: str, until: float) -> Iterator[Post]:
        rows = self.db.execute(
            "SELECT f.relpath, f.id, f.post FROM categories c "
            "JOIN files f ON f.relpath = c.relpath "
            "WHERE c.category = ? AND c.ts <= ? ORDER BY c.ts DESC, c.id",
            (category, until),
        )
        return map(post_from_row, rows)

    def categories(self, until: float) -> list[str]:
        """The categories with a post dated up to `until`, in order. The index is walked
        from one category to the next, and asked whether each has such a post: a seek or
        two per category, where reading every post's categories cost 10-20 ms."""
        rows = self.db.execute(
            "WITH RECURSIVE seen(category) AS ("
            " SELECT MIN(category) FROM categories"
            " UNION ALL SELECT (SELECT MIN(c.category) FROM categories c"
            "  WHERE c.category > seen.category) FROM seen WHERE seen.category IS NOT NULL"
            ") SELECT category FROM seen WHERE category IS NOT NULL AND EXISTS ("
            " SELECT 1 FROM categories c WHERE c.category = seen.category AND c.ts <= ?"
            ") ORDER BY category",
            (until,),
        )
        return [str(r[0]) for r in rows]

    def post(self, relpath: str) -> Post | None:
        """The stored post at relpath, or None if it is none (any more)."""
        row = self.db.execute(
            "SELECT relpath, id, post FROM files WHERE relpath = ? AND kind = ?", (relpath, POST)
        ).fetchone()
        return None if row is None else post_from_row(row)

    def mark_bad(self, relpath: str, message: str) -> None:
        """Record the post as bad, as its file is now: skipped until the file changes."""
        self.db.execute(
            "UPDATE files SET kind = ?, message = ?, ts = NULL, id = NULL, post = NULL "
            "WHERE relpath = ?",
            (BAD, message, relpath),
        )
        for table in ("categories", "entries"):
            self.db.execute(f"DELETE FROM {table} WHERE relpath = ?", (relpath,))

    def entry(self, post: Post) -> Entry | None:
        """The cleaned body stored for this post's current version, if any."""
        return self.entries([post]).get(post.relpath)

    def entries(self, posts: Sequence[Post]) -> dict[str, Entry]:
        """relpath -> the cleaned body stored for each post's current version, where any."""
        columns = "e.html, e.summary, e.outlet, e.original_url, e.atom, e.rss"
        return {
            post.relpath: Entry(post, html, summary, outlet, url, atom or b"", rss or b"")
            for post, (html, summary, outlet, url, atom, rss) in self._stored(posts, columns)
        }

    def entry_stubs(self, posts: Sequence[Post]) -> dict[str, EntryStub]:
        """relpath -> what a feed needs of each post's stored entry to be fingerprinted
        (see entry_digest), where one is stored: not its body."""
        columns = "e.outlet, e.original_url, e.content"
        return {
            post.relpath: EntryStub(post, *values) for post, values in self._stored(posts, columns)
        }

    def _stored(self, posts: Sequence[Post], columns: str) -> Iterator[tuple[Post, list[Any]]]:
        """Each post that has an entry stored for its current version, with those columns."""
        by_path = {post.relpath: post for post in posts}
        for chunk, marks in _batches(list(by_path)):
            rows = self.db.execute(
                f"SELECT e.relpath, {columns} FROM entries e "
                "JOIN files f ON f.relpath = e.relpath AND f.digest = e.digest "
                f"WHERE e.relpath IN ({marks})",
                chunk,
            )
            for relpath, *values in rows:
                yield by_path[relpath], values

    def store_entry(self, entry: Entry) -> bytes:
        """Store the entry for its post's current version; return its entry_digest."""
        digest = entry_digest(entry)
        self.db.execute(
            "INSERT OR REPLACE INTO entries SELECT relpath, digest, ?, ?, ?, ?, ?, NULL, NULL "
            "FROM files WHERE relpath = ?",
            (
                entry.html,
                entry.summary,
                entry.outlet,
                entry.original_url,
                digest,
                entry.post.relpath,
            ),
        )
        return digest

    def store_xml(self, entries: Iterable[Entry]) -> None:
        """Keep each entry's Atom and RSS XML with it, for the feeds of the next builds."""
        self.db.executemany(
            "UPDATE entries SET atom = ?, rss = ? WHERE relpath = ?",
            [(e.atom, e.rss, e.post.relpath) for e in entries if e.atom and e.rss],
        )


def _batches(values: Sequence[str]) -> Iterator[tuple[Sequence[str], str]]:
    """values in chunks of 500 (SQLite's limit on bound parameters), each with the `?, ?`
    its IN (...) needs."""
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        yield chunk, ", ".join("?" * len(chunk))


# UTF-8, not escaped to ASCII: a Chinese post's row is a quarter smaller. No check for
# cycles: plain values have none.
_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False)


def post_json(post: PostFields) -> str:
    """A post's fields but its path and id (columns of their own) as JSON: plain data, so a
    tampered cache cannot run code. One column, not eleven: SQLite binds each value apart,
    and that costs more than the encoding."""
    _, _, title, published, updated, url, categories, tags, author, *rest = post
    return _JSON.encode(
        (
            title,
            published.isoformat(),
            None if updated is published else updated.isoformat(),
            url,
            categories,
            tags,
            (author.name, author.email, author.uri) if author else None,
            *rest,
        )
    )


def post_from_row(row: Sequence[Any]) -> Post:
    """The Post from a row of relpath, id and post_json."""
    relpath, id_, text = row
    (
        title,
        published,
        updated,
        url,
        categories,
        tags,
        author,
        summary,
        source_name,
        source_url,
        markdown,
        image,
        excerpt_only,
        excerpt_separator,
        lang,
    ) = json.loads(text)
    when = datetime.fromisoformat(published)
    return Post(
        relpath=relpath,
        id=id_,
        title=title,
        published=when,
        updated=when if updated is None else datetime.fromisoformat(updated),
        url=url,
        categories=tuple(categories),
        tags=tuple(tags),
        author=Author(*author) if author else None,
        summary=summary,
        source_name=source_name,
        source_url=source_url,
        markdown=markdown,
        image=image,
        excerpt_only=excerpt_only,
        excerpt_separator=excerpt_separator,
        lang=lang,
    )


def _connect(path: Path, fingerprint: str) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    for name in (path, *_companions(path)):  # SQLite would create a dangling link's target
        refuse_link(name)
    held: list[tuple[str, list[Any]]] = []
    try:
        db = sqlite3.connect(path)
        if _valid(db, fingerprint):
            return db
        held = _held_rows(db)
        db.close()
    except sqlite3.DatabaseError:
        pass
    discard(path)
    db = _create(sqlite3.connect(path), fingerprint)
    for table, rows in held:  # see _held_rows
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    db.commit()
    return db


def _held_rows(db: sqlite3.Connection) -> list[tuple[str, list[Any]]]:
    """The rows of the held posts (see Cache.hold) of a cache of this schema made for
    another fingerprint (a new version, another config): carried into the new cache, so
    that they stay in the feeds as last published until their files are fixed or deleted.
    A post held without a stored entry is read again, fails, and is named."""
    try:
        (schema,) = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if schema != str(SCHEMA):
            return []
        held = f"SELECT relpath FROM files WHERE kind = {POST} AND relpath IN "
        held += "(SELECT relpath FROM held)"
        return [
            (
                table,
                db.execute(f"SELECT {columns} FROM {table} WHERE relpath IN ({held})").fetchall(),
            )
            for table, columns in _CARRIED.items()
        ]
    except (sqlite3.DatabaseError, TypeError, ValueError):
        return []


# The columns carried over, by table: an entry's XML is made again, for the new settings.
_CARRIED = {
    "files": "*",
    "categories": "*",
    "entries": "relpath, digest, html, summary, outlet, original_url, content, NULL, NULL",
    "held": "*",
}


def with_cache(path: Path, fingerprint: str, report: Report, build: Callable[["Cache"], T]) -> T:
    """build(cache), on the cache at path; once more on a cache started again if it turns
    out damaged (its posts are read again), taking back what the first try reported."""
    said = len(report.errors), len(report.warnings)
    for attempt in (1, 2):
        try:
            with Cache.open(path, fingerprint) as cache:
                return build(cache)
        except sqlite3.DatabaseError as exc:
            if type(exc) is not sqlite3.DatabaseError or attempt == 2:
                raise  # locked, read-only, disk full (the operator's to fix), or damaged again
            # A damaged page surfaces only when it is read: start the cache again, once.
            discard(path)
            del report.errors[said[0] :], report.warnings[said[1] :]
            report.warnings.append(f"{path}: damaged ({exc}); rebuilt from the posts")
    raise AssertionError("unreachable: the second try returns or raises")


def discard(path: Path) -> None:
    """Delete the cache file at path, its journal and its listing, if any."""
    for leftover in (path, *_companions(path)):
        leftover.unlink(missing_ok=True)


def _companions(path: Path) -> list[Path]:
    """The files kept beside the cache: SQLite's journals and the listing."""
    return [path.with_name(path.name + end) for end in ("-journal", "-wal", "-shm", "-listing")]


_LISTING_MAGIC = b"feeds listing 2\n"


def ascending(items: Sequence[str]) -> bool:
    """Each item after the one before, none twice: how listings are kept (see discover)."""
    return all(map(operator.lt, items, islice(items, 1, None)))


def listing_path(cache: Path) -> Path:
    return cache.with_name(cache.name + "-listing")


def listing_bytes(
    token: str, relpaths: Sequence[str], sizes: "array[int]", mtimes: "array[int]"
) -> bytes:
    """A listing file: a header naming its token, how many files and how many bytes of
    names; the sizes and mtimes as 8-byte integers; then the paths, NUL between them."""
    names = "\0".join(relpaths).encode("utf-8", "surrogatepass")
    counts = len(relpaths).to_bytes(8, "little") + len(names).to_bytes(8, "little")
    head = _LISTING_MAGIC + token.encode() + b"\n" + counts
    return head + sizes.tobytes() + mtimes.tobytes() + names


def read_listing(path: Path, token: str) -> tuple[list[str], "array[int]", "array[int]"] | None:
    """The listing in the file, if it has this token and is whole: of the length its
    header says, its paths sorted, none twice. Else None."""
    try:
        data = read_no_follow(path)
    except OSError:
        return None
    head = _LISTING_MAGIC + token.encode() + b"\n"
    start = len(head) + 16
    if not data.startswith(head) or len(data) < start:
        return None
    count = int.from_bytes(data[len(head) : len(head) + 8], "little")
    width, names = 8 * count, int.from_bytes(data[len(head) + 8 : start], "little")
    if len(data) != start + 2 * width + names:
        return None
    sizes, mtimes = array("q"), array("q")
    sizes.frombytes(data[start : start + width])
    mtimes.frombytes(data[start + width : start + 2 * width])
    try:
        text = data[start + 2 * width :].decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return None
    relpaths = text.split("\0") if count else []
    if len(relpaths) != count or not ascending(relpaths):
        return None
    return relpaths, sizes, mtimes


def _valid(db: sqlite3.Connection, fingerprint: str) -> bool:
    # No integrity check here: it reads the whole file, a third of a small rebuild. A
    # damaged page raises DatabaseError when it is read, and the build starts again.
    db.execute("PRAGMA synchronous = NORMAL")
    try:
        rows = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('schema', 'config')"))
    except sqlite3.DatabaseError:
        return False
    return rows == {"schema": str(SCHEMA), "config": fingerprint}


def _create_indexes(db: sqlite3.Connection) -> None:
    for name, target in _INDEXES.items():
        db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def _create(db: sqlite3.Connection, fingerprint: str) -> sqlite3.Connection:
    # Pages of 16 KiB, not 4: filling 100,000 rows and sorting them into the indexes
    # costs a fifth less.
    db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    db.execute("PRAGMA synchronous = NORMAL")
    db.executescript(_TABLES)
    _create_indexes(db)
    db.executemany(
        "INSERT INTO meta VALUES (?, ?)", [("schema", str(SCHEMA)), ("config", fingerprint)]
    )
    db.commit()
    return db
