"""Find the files that may be posts. Reads directory entries only, never file contents.

A plain folder: every file below it. A Jekyll site: the files in its `_posts` folders,
where the folders above `_posts` are categories, as Jekyll reads them.

A rebuild that finds nothing changed costs little more than this listing, so it is kept
lean: sizes and mtimes live in two integer arrays, asked for on two cores when there are
many, and the SourceFile of each file is made only when a build needs it.
"""

from __future__ import annotations  # array[int] is not subscriptable at run time

import contextlib
import hashlib
import mmap
import os
import signal
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import NamedTuple

from feeds.config import is_jekyll_site

SKIPPED_DIRS = {"_site", "_drafts", "node_modules", "vendor", ".git"}
# Names Jekyll's EntryFilter ignores (dot files, `_`, Emacs `#autosave#` and `~lock`
# files, `backup~`), and a merge tool's `.orig` copy: editors' leftovers, never posts.
_IGNORED_LEADING = (".", "_", "#", "~")
_IGNORED_TRAILING = ("~", ".orig")
FORKED_STAT = 20_000  # from this many files, a second process asks for some of the stats
STAT_CHUNK = 2_000  # files a process asks for at a time when two share the stats
UNSTATED = -2  # the size and mtime of a file in a listing made without `stat`


class SourceFile(NamedTuple):
    relpath: str  # relative to the source folder, forward slashes
    size: int
    mtime_ns: int
    dir_categories: tuple[str, ...] = ()  # from a Jekyll site's `cat/_posts/` layout


class Folder(NamedTuple):
    """One folder's entries as last read, and its stamp then: while its mtime stays, no
    entry was added, removed or renamed in it, and the names need not be read again. The
    ctime and inode are in the stamp too: setting an mtime back (a restore, `touch -r`)
    moves the ctime, and a folder swapped in for another has its own inode."""

    stamp: tuple[int, int, int, int]  # st_dev, st_ino, st_mtime_ns, st_ctime_ns
    files: tuple[str, ...]  # every entry but folders: `stat` tells which are files
    folders: tuple[str, ...]  # the subfolders worth walking into
    # Of `files`, those the listing did not say are regular files (links, fifos, devices):
    # known only when the folder was read whole, and never opened before a `stat`.
    unusual: tuple[str, ...] = ()


@dataclass(frozen=True)
class Listing:
    """Every candidate post file below the source, sorted by relative path."""

    relpaths: list[str]
    sizes: array[int]
    mtimes: array[int]  # st_mtime_ns
    categories: list[tuple[str, ...]]  # each file's folder categories (Jekyll sites)
    folders: dict[str, Folder] = field(default_factory=dict)  # by relative path
    reread: bool = True  # whether some folder had to be read again
    stated: bool = True  # False: sizes and mtimes are UNSTATED, for the scan to find out
    # Files whose names are not UTF-8 (os.listdir's surrogate escapes), left out: no feed
    # or cache can hold such a path. Each is reported (see misnamed_message).
    misnamed: tuple[str, ...] = ()
    jekyll: bool = False  # read as a Jekyll site: the folders above `_posts` are categories
    # Folders that could not be read (EACCES, EIO, a stale NFS handle), with the reason:
    # what is below them is unknown, not gone (see unlisted_message).
    unlisted: tuple[tuple[str, str], ...] = ()
    # Links to folders outside the source: never followed (nor any link to a folder), each
    # reported (see link_out_message). Links to files outside are reported when read.
    links_out: tuple[str, ...] = ()

    def below_unlisted(self, relpath: str) -> bool:
        """Whether the file lies below a folder that could not be listed."""
        return any(not rel_dir or relpath.startswith(f"{rel_dir}/") for rel_dir, _ in self.unlisted)

    def __len__(self) -> int:
        return len(self.relpaths)

    def files(self, indices: Iterable[int] | None = None) -> list[SourceFile]:
        """The files at indices (all by default) as SourceFiles."""
        if indices is None:
            return list(map(SourceFile, self.relpaths, self.sizes, self.mtimes, self.categories))
        return [
            SourceFile(self.relpaths[i], self.sizes[i], self.mtimes[i], self.categories[i])
            for i in indices
        ]

    def digest(self) -> str:
        """One digest of every file's path, size, mtime and folder categories: any edit,
        addition or removal shows. SHA-256, which OpenSSL computes with the processor's SHA
        instructions where it has them: 3 ms for the 5 MB of 100,000 files here, where BLAKE2
        took 8."""
        h = hashlib.sha256()
        h.update("\0".join(self.relpaths).encode("utf-8", "surrogatepass"))
        h.update(self.sizes.tobytes())
        h.update(self.mtimes.tobytes())
        h.update(repr(sorted(set(self.categories))).encode("utf-8", "surrogatepass"))
        h.update("\0".join(self.misnamed).encode("utf-8", "surrogatepass"))
        h.update("\0".join(self.links_out).encode("utf-8", "surrogatepass"))
        return h.hexdigest()[:32]

    def newest_mtime(self) -> int:
        return max(self.mtimes, default=0)

    def changes(
        self, relpaths: list[str], sizes: array[int], mtimes: array[int]
    ) -> tuple[list[int], list[str]]:
        """Against an earlier listing: the indices of the files added or changed since (by
        size or mtime), and the relpaths of those gone."""
        if relpaths == self.relpaths:
            added: list[int] = []
            gone: list[int] = []
        else:
            added, gone = sorted_difference(self.relpaths, relpaths)
        # The files in both are in the same order on both sides: compare their stamps as
        # whole arrays, and look for which differ only when some do.
        if _without(self.sizes, added) == _without(sizes, gone) and _without(
            self.mtimes, added
        ) == _without(mtimes, gone):
            changed = added
        else:
            gone_set, added_set = set(gone), set(added)
            here = [i for i in range(len(self.relpaths)) if i not in added_set]
            there = [i for i in range(len(relpaths)) if i not in gone_set]
            changed = sorted(added + _differing(here, self, there, sizes, mtimes))
        return changed, [relpaths[i] for i in gone]

    def index(self, relpath: str) -> int | None:
        at = bisect_left(self.relpaths, relpath)
        return at if at < len(self.relpaths) and self.relpaths[at] == relpath else None


def sorted_difference(a: Sequence[str], b: Sequence[str]) -> tuple[list[int], list[int]]:
    """The indices of the items only in a, and of those only in b, for two sorted lists
    without repeats. Runs the two share are skipped a slice at a time (compared in C):
    100,000 paths that differ by a few cost a few list comparisons, not 200,000 hashes."""
    only_a: list[int] = []
    only_b: list[int] = []
    i = j = 0
    while i < len(a) and j < len(b):
        run = _shared_run(a, i, b, j)
        i, j = i + run, j + run
        if i == len(a) or j == len(b):
            break
        if a[i] < b[j]:
            only_a.append(i)
            i += 1
        else:
            only_b.append(j)
            j += 1
    only_a.extend(range(i, len(a)))
    only_b.extend(range(j, len(b)))
    return only_a, only_b


def _shared_run(a: Sequence[str], i: int, b: Sequence[str], j: int) -> int:
    """How many items a[i:] and b[j:] have in common at their start: found by doubling
    the length compared, then halving the gap."""
    limit = min(len(a) - i, len(b) - j)
    low, high = 0, 1
    while True:  # a[i : i + low] == b[j : j + low]; try up to `high`
        high = min(high, limit)
        if high == low:
            return low
        if a[i + low : i + high] != b[j + low : j + high]:
            break
        low, high = high, 2 * high
    while high - low > 1:  # equal up to low, not up to high
        middle = (low + high) // 2
        if a[i + low : i + middle] == b[j + low : j + middle]:
            low = middle
        else:
            high = middle
    return low


def _without(values: array[int], positions: list[int]) -> array[int]:
    """values less those at the (ascending) positions."""
    if not positions:
        return values
    kept, start = array(values.typecode), 0
    for position in positions:
        kept += values[start:position]
        start = position + 1
    kept += values[start:]
    return kept


def _differing(
    here: Sequence[int],
    listing: Listing,
    there: Sequence[int],
    sizes: array[int],
    mtimes: array[int],
) -> list[int]:
    """The indices in `here` whose size or mtime differ from those at `there`."""
    return [
        i
        for i, j in zip(here, there, strict=True)
        if listing.sizes[i] != sizes[j] or listing.mtimes[i] != mtimes[j]
    ]


def find_post_files(
    source: Path,
    *,
    exclude: tuple[Path, ...] = (),
    jobs: int = 1,
    known: Mapping[str, Folder] | None = None,
    trusted_before: int = 0,
    quick: bool = True,
    stat: bool = True,
    meanwhile: Callable[[], object] | None = None,
) -> Listing:
    """Every candidate post file below source, sorted by relative path.

    `known` folders whose mtime is unchanged, and older than `trusted_before` (ns), are not
    read again, and changed ones for their names only unless not `quick`; every file is
    still asked for its size and mtime, as an edit in place leaves its folder's mtime as
    it was. Unless not `stat`: a build that will read every file anyway (a new cache) is
    told them by the files it opens (see posts.read_new), and need not ask twice.

    `meanwhile`: work the build does anyway when files were added or removed since the
    `known` listing, run while a second process asks for most of the stats (if one does).
    """
    if not stat:  # each listed name is opened: none may be a former file now a folder
        known = None
    jekyll = is_jekyll_site(source)
    skip = {os.path.realpath(p) for p in exclude}
    # The files listed last time are asked for their stamps at once, by a forked child
    # while this process reads the folders that changed, and then by both.
    before: tuple[list[str], list[tuple[str, ...]]] | None = None
    early: _Stats | None = None
    try:
        if known and _shared(jobs, sum(len(folder.files) for folder in known.values())):
            before = _candidates(known, jekyll)
            early = _Stats(source, before[0], jobs)
        seen, reread, unlisted = _walk(source, skip, known or {}, trusted_before, quick)
        renamed = _names_changed(seen, known) if known else False
        if before is not None and not renamed:
            relpaths, categories = before
        else:
            relpaths, categories = _candidates(seen, jekyll)
        relpaths, categories, misnamed = _well_named(relpaths, categories)
        listing = Listing(
            relpaths,
            array("q"),
            array("q"),
            categories,
            seen,
            reread,
            misnamed=misnamed,
            jekyll=jekyll,
            unlisted=unlisted,
        )
        if jekyll:  # links there are not candidates: name those out of the source here
            listing = replace(listing, links_out=_jekyll_links_out(source, seen))
        if not stat:
            return _unstated(source, listing)
        if renamed and meanwhile is not None:
            meanwhile()
        if early is not None and before is not None:  # both or neither
            sizes, mtimes = _restamped(early, before[0], relpaths)
        else:
            sizes, mtimes = _stat_below(source, relpaths, jobs)
    finally:
        if early is not None:
            early.close()
    if (
        -1 in sizes  # gone since the listing, or no file now
        and quick
        and reread
        and any(_is_dir(str(source), relpaths[i]) for i, size in enumerate(sizes) if size < 0)
    ):  # a file became a folder: read the folders whole
        return find_post_files(
            source,
            exclude=exclude,
            jobs=jobs,
            known=known,
            trusted_before=trusted_before,
            quick=False,
        )
    if -1 in sizes:
        no_file = (relpath for relpath, size in zip(relpaths, sizes, strict=True) if size == -1)
        found = sorted([*listing.links_out, *_links_out(source, no_file)])
        listing = replace(listing, links_out=tuple(found))
    return with_sizes(listing, sizes, mtimes)


def _links_out(source: Path, relpaths: Iterable[str]) -> tuple[str, ...]:
    """Of these names, found no regular file, the links to folders out of the source."""
    root = source.resolve()
    found = []
    for relpath in relpaths:
        path = source / relpath
        if path.is_symlink() and path.is_dir() and not path.resolve().is_relative_to(root):
            found.append(relpath)
    return tuple(found)


def _jekyll_links_out(source: Path, folders: Mapping[str, Folder]) -> tuple[str, ...]:
    """In a Jekyll site, the links to folders out of the source above its `_posts`
    folders that could hold posts, which are not candidates: a `_posts` link (a name the
    listing ignores) and a category folder's link, one with a `_posts` folder. Others
    (`assets/fonts`, in `_includes/`) hold no posts: no skipped post to report at every
    build. One lstat a name, in the few folders above `_posts`."""
    names: list[str] = []
    for rel_dir, folder in folders.items():
        if rel_dir and "_posts" in rel_dir.split("/"):
            continue
        here = [*folder.files, "_posts"] if "_posts" not in folder.folders else folder.files
        names.extend(f"{rel_dir}/{name}" if rel_dir else name for name in here)
    found = _links_out(source, names)
    return tuple(sorted(name for name in found if _may_hold_posts(source, name)))


def _may_hold_posts(source: Path, relpath: str) -> bool:
    return relpath.rpartition("/")[2] == "_posts" or (source / relpath / "_posts").is_dir()


def link_out_message(relpath: str) -> str:
    """The line that reports a link to a folder outside the source."""
    return f"{relpath}: read: a link to a folder outside the source folder; not followed"


def _candidates(
    folders: Mapping[str, Folder], jekyll: bool
) -> tuple[list[str], list[tuple[str, ...]]]:
    """The candidate files in these folders, sorted, and each one's folder categories:
    in a Jekyll site, the files of its `_posts` folders, below their categories."""
    categories_of: dict[str, tuple[str, ...]] = {}  # relative dir -> its categories
    relpaths: list[str] = []
    for rel_dir, folder in folders.items():
        parts = rel_dir.split("/") if rel_dir else []
        if jekyll:
            if "_posts" not in parts:
                continue
            categories_of[rel_dir] = tuple(parts[: parts.index("_posts")])
        else:
            categories_of[rel_dir] = ()
        names = folder.files
        relpaths.extend([f"{rel_dir}/{name}" for name in names] if rel_dir else names)
    relpaths.sort()
    if len(categories_of) == 1:
        return relpaths, [next(iter(categories_of.values()))] * len(relpaths)
    return relpaths, [categories_of[relpath.rpartition("/")[0]] for relpath in relpaths]


def _well_named(
    relpaths: list[str], categories: list[tuple[str, ...]]
) -> tuple[list[str], list[tuple[str, ...]], tuple[str, ...]]:
    """The files whose names are UTF-8, with their categories, and the others."""
    try:
        "\0".join(relpaths).encode("utf-8")  # one check for all, in C: they usually are
    except UnicodeEncodeError:
        pass
    else:
        return relpaths, categories, ()
    good: list[str] = []
    kept: list[tuple[str, ...]] = []
    bad: list[str] = []
    for relpath, category in zip(relpaths, categories, strict=True):
        if is_utf8(relpath):
            good.append(relpath)
            kept.append(category)
        else:
            bad.append(relpath)
    return good, kept, tuple(bad)


def is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def misnamed_message(relpath: str) -> str:
    """The line that reports a file whose name is not UTF-8, its bytes shown escaped."""
    shown = relpath.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return (
        f"{shown}: read: the file name is not UTF-8; rename it (convmv converts names from "
        "another encoding)"
    )


def unlisted_message(rel_dir: str, reason: str) -> str:
    """The line that reports a folder that could not be listed."""
    return (
        f"{rel_dir or '.'}: read: cannot list the folder ({reason}); its posts stay in the "
        "feeds as last listed until it can be listed"
    )


def _restamped(
    early: _Stats, asked: list[str], relpaths: list[str]
) -> tuple[array[int], array[int]]:
    """The stamps of relpaths, from those asked for early where they were, and asked for
    now for the files added since."""
    sizes, mtimes = early.result()
    if relpaths is asked:
        return sizes, mtimes
    added, gone = sorted_difference(relpaths, asked)
    sizes, mtimes = _without(sizes, gone), _without(mtimes, gone)
    if not added:
        return sizes, mtimes
    new_sizes, new_mtimes = early.ask([relpaths[i] for i in added])
    return _inserted(sizes, added, new_sizes), _inserted(mtimes, added, new_mtimes)


def _inserted(values: array[int], positions: list[int], new: array[int]) -> array[int]:
    """values with new[k] put in so that it ends up at positions[k] (ascending)."""
    result, start = array(values.typecode), 0
    for k, position in enumerate(positions):
        take = position - k - start  # old values before this one
        result += values[start : start + take]
        result.append(new[k])
        start += take
    result += values[start:]
    return result


def _names_changed(seen: Mapping[str, Folder], known: Mapping[str, Folder]) -> bool:
    """Whether a file was added or removed since the known listing: a folder re-read with
    the same names keeps its names (see _read_folder), and a swap file come and gone, or
    a folder re-read as it was too recent to trust, changes nothing."""
    return seen.keys() != known.keys() or any(
        folder.files is not known[rel_dir].files for rel_dir, folder in seen.items()
    )


def _unstated(source: Path, listing: Listing) -> Listing:
    """The listing with UNSTATED sizes and mtimes for its regular files, which the scan
    opens at once; the few others (links, fifos) are asked with `stat` as ever, and left
    out unless they lead to a regular file."""
    unusual = {
        f"{rel_dir}/{name}" if rel_dir else name
        for rel_dir, folder in listing.folders.items()
        for name in folder.unusual
    }
    sizes = array("q", [UNSTATED]) * len(listing.relpaths)
    if not unusual:  # the usual case: every entry a plain file
        return replace(listing, sizes=sizes, mtimes=sizes[:], stated=False)
    mtimes = sizes[:]
    asked = [i for i, relpath in enumerate(listing.relpaths) if relpath in unusual]
    found = _stat_below(source, [listing.relpaths[i] for i in asked], jobs=1)
    for i, size, mtime in zip(asked, *found, strict=True):
        sizes[i], mtimes[i] = size, mtime
    kept = [i for i, size in enumerate(sizes) if size != -1]  # -1: no file behind it
    links_out = _links_out(source, (listing.relpaths[i] for i in asked if sizes[i] == -1))
    links_out = tuple(sorted([*listing.links_out, *links_out]))
    stated = replace(listing, sizes=sizes, mtimes=mtimes, stated=False, links_out=links_out)
    return _select(stated, kept)


def with_sizes(listing: Listing, sizes: array[int], mtimes: array[int]) -> Listing:
    """The listing stated with these sizes and mtimes, less the files whose size is
    negative: gone, or no regular file (any more)."""
    stated = replace(listing, sizes=sizes, mtimes=mtimes, stated=True)
    if min(sizes, default=0) >= 0:
        return stated
    return _select(stated, [i for i, size in enumerate(sizes) if size >= 0])


def with_stats(listing: Listing, source: Path, jobs: int) -> Listing:
    """An unstated listing with its files' sizes and mtimes asked for."""
    if listing.stated:
        return listing
    return with_sizes(listing, *_stat_below(source, listing.relpaths, jobs))


def _select(listing: Listing, kept: Sequence[int]) -> Listing:
    """The listing's files at the `kept` indices only."""
    if len(kept) == len(listing.relpaths):
        return listing
    return replace(
        listing,
        relpaths=[listing.relpaths[i] for i in kept],
        sizes=array("q", (listing.sizes[i] for i in kept)),
        mtimes=array("q", (listing.mtimes[i] for i in kept)),
        categories=[listing.categories[i] for i in kept],
    )


def _stat_below(source: Path, relpaths: list[str], jobs: int) -> tuple[array[int], array[int]]:
    """(sizes, mtimes) of the files, size -1 for one that is gone or no regular file."""
    stats = _Stats(source, relpaths, jobs if _shared(jobs, len(relpaths)) else 1)
    try:
        return stats.result()
    finally:
        stats.close()


def _shared(jobs: int, files: int) -> bool:
    """Whether a forked child should ask for some of so many files' stamps."""
    return jobs > 1 and files >= FORKED_STAT and hasattr(os, "fork")


_STOPPING = {signal.SIGINT, signal.SIGTERM}  # held off while forking (see _Stats._fork)


class _Stats:
    """The sizes and mtimes of files below the source, asked for relative to the open
    source folder where the system allows (the kernel then walks one or two path
    components per file, not the whole path).

    One `stat` per file is most of a rebuild that finds little changed, and it waits on
    the kernel, so with `jobs` > 1 a forked child starts asking at once, from the last
    file down, STAT_CHUNK files at a time, while this process does whatever else it has
    to; `result` then asks from the first file up until the two meet. Each chunk's
    stamps come whole from one process; should the child fail, this one goes on up to
    the chunk the child had reached.
    """

    def __init__(self, source: Path, relpaths: list[str], jobs: int) -> None:
        self.fd: int | None = None
        self.prefix = ""
        if os.stat in os.supports_dir_fd:
            self.fd = os.open(source, os.O_RDONLY)
        else:
            self.prefix = f"{source}{os.sep}"
        self.paths = self._paths(relpaths)
        self.chunks = -(-len(relpaths) // STAT_CHUNK)
        self.pid = 0
        try:
            if jobs > 1 and self.chunks > 1:
                self._fork()
        except BaseException:
            self.close()
            raise

    def _fork(self) -> None:
        # Shared with the child: the next chunk each takes ([0] this process's, going up;
        # [1] the child's, going down), a flag per chunk the child has done, its stamps.
        n, chunks = len(self.paths), self.chunks
        try:
            self.shared = mmap.mmap(-1, 8 * (2 + chunks + 2 * n))
        except OSError:  # no memory to share: this process asks for them all
            return
        view = memoryview(self.shared).cast("q")
        self.next, self.done = view[:2], view[2 : 2 + chunks]
        self.sizes, self.mtimes = view[2 + chunks : 2 + chunks + n], view[2 + chunks + n :]
        self.next[0], self.next[1] = 0, chunks - 1
        # A Ctrl-C landing in the child before its `try` would unwind the parent's stack.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
        try:
            pid = os.fork()
        except OSError:  # no process to be had: this one asks for them all
            pid = -1
        if pid == 0:  # the child: ask, then exit without running the parent's cleanup
            code = 1
            try:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                self._child()
                code = 0
            finally:
                os._exit(code)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        self.pid = max(pid, 0)

    def _child(self) -> None:
        while (chunk := self.next[1]) >= self.next[0]:
            sizes, mtimes = self._ask(chunk)
            start = chunk * STAT_CHUNK
            self.sizes[start : start + len(sizes)] = memoryview(sizes)
            self.mtimes[start : start + len(mtimes)] = memoryview(mtimes)
            self.done[chunk] = 1
            self.next[1] = chunk - 1

    def result(self) -> tuple[array[int], array[int]]:
        """Every file's stamps, in order; this process asks for its share now."""
        if not self.pid:
            return _stat_here(self.paths, self.fd)
        mine: dict[int, tuple[array[int], array[int]]] = {}
        while (chunk := self.next[0]) <= self.next[1] and not self.done[chunk]:
            mine[chunk] = self._ask(chunk)
            self.next[0] = chunk + 1
        self._reap()
        sizes, mtimes = array("q"), array("q")
        for chunk in range(self.chunks):
            start, end = chunk * STAT_CHUNK, min((chunk + 1) * STAT_CHUNK, len(self.paths))
            if chunk in mine:
                sizes.extend(mine[chunk][0])
                mtimes.extend(mine[chunk][1])
            else:
                sizes.frombytes(self.sizes[start:end].tobytes())
                mtimes.frombytes(self.mtimes[start:end].tobytes())
        return sizes, mtimes

    def ask(self, relpaths: list[str]) -> tuple[array[int], array[int]]:
        """The stamps of other files below the same source, asked here."""
        return _stat_here(self._paths(relpaths), self.fd)

    def _paths(self, relpaths: list[str]) -> list[str]:
        return [self.prefix + relpath for relpath in relpaths] if self.prefix else relpaths

    def _ask(self, chunk: int) -> tuple[array[int], array[int]]:
        return _stat_here(self.paths[chunk * STAT_CHUNK : (chunk + 1) * STAT_CHUNK], self.fd)

    def _reap(self) -> None:
        if self.pid:
            os.waitpid(self.pid, 0)
            self.pid = 0  # only now: interrupted, close() still kills and reaps it

    def close(self) -> None:
        """Stop the child, if this process ends before asking for the result (a failure),
        and close the source folder."""
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            self._reap()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _stat_here(paths: list[str], dir_fd: int | None) -> tuple[array[int], array[int]]:
    sizes, mtimes = array("q"), array("q")
    stat = os.stat
    for path in paths:
        try:
            st = stat(path, dir_fd=dir_fd)
        except OSError:  # gone, or a link to nothing
            st = None
        if st is None or not S_ISREG(st.st_mode):  # a folder behind a link, a fifo
            sizes.append(-1)
            mtimes.append(0)
            continue
        sizes.append(st.st_size)
        mtimes.append(st.st_mtime_ns)
    return sizes, mtimes


def _walk(
    source: Path,
    skip: set[str],
    known: Mapping[str, Folder],
    trusted_before: int,
    quick: bool = True,
) -> tuple[dict[str, Folder], bool, tuple[tuple[str, str], ...]]:
    """Each folder below source by relative path, not following folder links; whether
    any was read rather than known; and those that could not be read, with the reason.
    `quick`: a known folder that changed is read for its names only, see _read_folder."""
    seen: dict[str, Folder] = {}
    reread = False
    unlisted: list[tuple[str, str]] = []
    stack = [("", str(source))]
    while stack:
        rel_dir, full = stack.pop()
        try:
            st = Path(full).stat()  # before the entries: a later change shows
            stamp = (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
            folder = known.get(rel_dir)
            if folder is None or folder.stamp != stamp or max(stamp[2:]) >= trusted_before:
                reread = True
                folder = _read_folder(full, stamp, folder if quick else None)
        except (FileNotFoundError, NotADirectoryError):
            continue  # gone since its parent was read
        except OSError as exc:
            unlisted.append((rel_dir, exc.strerror or str(exc)))
            continue
        seen[rel_dir] = folder
        for name in folder.folders:
            path = f"{full}{os.sep}{name}"
            if os.path.realpath(path) not in skip:
                stack.append((f"{rel_dir}/{name}" if rel_dir else name, path))
    return seen, reread, tuple(sorted(unlisted))


def _read_folder(
    full: str, stamp: tuple[int, int, int, int], before: Folder | None = None
) -> Folder:
    """A folder's entries. Given how it was before, only its names are read, and only the
    new ones and the former folders are asked whether they are folders: a file that became
    a folder is found by `stat` (see find_post_files). A third of the time, in a folder of
    100,000 posts that gained a few."""
    if before is None:
        return _read_entries(full, stamp)
    names = os.listdir(full)  # noqa: PTH208 (names as str: Path objects cost)
    # The names not listed before, found by striking the old ones off (no set of those):
    # if as many were struck off as there were, none is gone.
    unknown = set(names)
    unknown.difference_update(before.files)
    if len(names) - len(unknown) == len(before.files):
        kept = before.files
    else:
        now = set(names)
        kept = tuple(name for name in before.files if name in now)
    old_folders = [name for name in before.folders if name in unknown]
    new = sorted(n for n in unknown.difference(old_folders) if not n.startswith("."))
    asked = new + old_folders
    inside = {name for name in asked if _is_dir(full, name)}
    added = [name for name in asked if name not in inside and not ignored_file(name)]
    listed = tuple(sorted([*kept, *added])) if added else kept
    return Folder(stamp, listed, tuple(sorted(inside - SKIPPED_DIRS)))


def ignored_file(name: str) -> bool:
    """A file name Jekyll would not read as a post (folders such as `_posts` are not)."""
    return name.startswith(_IGNORED_LEADING) or name.endswith(_IGNORED_TRAILING)


def _is_dir(folder: str, name: str) -> bool:
    """A folder, not a link to one (links to folders are listed as files, and dropped)."""
    try:
        return S_ISDIR(os.lstat(f"{folder}{os.sep}{name}").st_mode)
    except OSError:  # gone since: not a folder to walk
        return False


def _read_entries(full: str, stamp: tuple[int, int, int, int]) -> Folder:
    with os.scandir(full) as it:
        entries = [entry for entry in it if not entry.name.startswith(".")]
    try:  # the file system tells folders and files in the listing itself: no call per entry
        inside = {entry.name for entry in entries if entry.is_dir(follow_symlinks=False)}
        regular = {entry.name for entry in entries if entry.is_file(follow_symlinks=False)}
    except OSError:  # it does not, and one entry is gone since: taken as neither
        inside, regular = set(), set()
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    inside.add(entry.name)
                elif entry.is_file(follow_symlinks=False):
                    regular.add(entry.name)
    # Links to folders are not followed; a link or a fifo is kept as a file, and `stat`
    # says whether it is one now. Sorted: cheap to merge.
    files = sorted(
        entry.name for entry in entries if entry.name not in inside and not ignored_file(entry.name)
    )
    unusual = tuple(name for name in files if name not in regular)
    return Folder(stamp, tuple(files), tuple(sorted(inside - SKIPPED_DIRS)), unusual)
