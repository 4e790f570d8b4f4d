"""The state folder: made private, and given the files earlier versions (0.1) kept in the
output folder, so that what was published carries over (the category feeds keep their
URLs, the drop guard its mark; the cache too, while the code that made it is the same)
and out/ keeps nothing a web server should not serve."""

import contextlib
import errno
import os
from pathlib import Path

from feeds.errors import ConfigError
from feeds.files import TEMP_MARK, LinkError

# The output folder's private files as 0.1 named them (the state folder keeps the names),
# in the order they are moved: the cache before its listing, SQLite's journals before the
# cache they belong to, and the state last, so that a move cut short is done next time.
CACHE_FILES = (
    ".feeds-cache.sqlite-journal",
    ".feeds-cache.sqlite-wal",
    ".feeds-cache.sqlite-shm",
    ".feeds-cache.sqlite",
    ".feeds-cache.sqlite-listing",
)
OTHER_FILES = (".feeds-folders.json", ".feeds-jekyll.json", ".feeds-rendering")
STATE_FILE = ".feeds-state.json"


def make_state_folder(folder: Path) -> None:
    """The folder and any missing parent, readable by their owner only."""
    missing = [p for p in (folder, *folder.parents) if not p.is_dir()]
    try:
        for path in reversed(missing):
            path.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            str(exc.filename or folder),
            None,
            f"cannot make the state folder {folder} ({exc.strerror}); set state_dir in the "
            "config, --state-dir, or XDG_CACHE_HOME to a folder this user may write",
        ) from None


def adopt_legacy_files(out: Path, folder: Path, *, cache: bool) -> int:
    """Move the private files an earlier version kept in `out` into the state `folder`,
    while it has no state of its own; else remove them, as older than its own. `cache`:
    the cache's too (not when the config names the cache file). The number moved."""
    if out.resolve() == folder.resolve():
        return 0
    names = [*(CACHE_FILES if cache else ()), *OTHER_FILES, STATE_FILE]
    present = [name for name in names if os.path.lexists(out / name)]
    if not present:
        return 0
    fresh = not os.path.lexists(folder / STATE_FILE)
    moved = 0
    for name in present:
        source, target = out / name, folder / name
        if source.is_symlink():
            raise LinkError(source)
        if fresh and not os.path.lexists(target):
            _move(source, target)
            moved += 1
        else:
            source.unlink(missing_ok=True)
    return moved


def _move(source: Path, target: Path) -> None:
    """Rename, or where the folders lie on two file systems, copy, sync, then unlink."""
    try:
        source.replace(target)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    import shutil  # here, as tempfile: a build that moves nothing never loads them
    import tempfile

    fd, name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}{TEMP_MARK}", suffix=".tmp"
    )
    tmp = Path(name)
    try:
        with source.open("rb") as src, os.fdopen(fd, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        shutil.copymode(source, tmp)
        tmp.replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    source.unlink()
