"""What the last build saw and published, and the fingerprints that say when to redo it.

The state lives beside the feeds (`out/.feeds-state.json`): the listing of the source, the
feeds written with their fingerprints and file stamps, the posts counted, the problems
reported. A rebuild whose listing, config and outputs all match it has nothing to do.
"""

import hashlib
import json
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from feeds import __version__
from feeds.cache import SCHEMA, ascending
from feeds.config import Config
from feeds.discover import Folder
from feeds.output import read_no_follow, write_if_changed

STATE_NAME = ".feeds-state.json"
FOLDERS_NAME = ".feeds-folders.json"
LIBRARIES = (
    "cmarkgfm",
    "feedgen",
    "lxml",
    "nh3",
    "python-slugify",
    "PyYAML",
    "yaml-rs",
)


@dataclass(frozen=True)
class Published:
    fingerprint: str
    size: int
    mtime_ns: int


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
    slugs: dict[str, str] = field(default_factory=dict)  # category -> its feed's folder


def read_state(out: Path) -> State:
    """The last build's state; an empty one when it is missing or unreadable."""
    try:
        data = json.loads(read_no_follow(out / STATE_NAME).decode("utf-8"))
        files = {k: Published(**v) for k, v in data.pop("files").items()}
        slugs = data.pop("slugs", {})
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in slugs.items()):
            slugs = {}
        warnings = data.pop("warnings", [])  # an older state file has none
        if not (isinstance(warnings, list) and all(isinstance(w, str) for w in warnings)):
            warnings = []
        peaks = data.pop("peaks", {})  # an older state file has none
        if not all(isinstance(k, str) and type(v) is int for k, v in peaks.items()):
            peaks = {}
        return State(**data, files=files, slugs=slugs, warnings=warnings, peaks=peaks)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return State()


PEAK_DAYS = 30


def recent_peaks(peaks: dict[str, int], today: date) -> dict[str, int]:
    """The daily peaks of the last PEAK_DAYS days, today's included (none of a day to
    come, which only a clock set back, or a tampered file, could give)."""
    first, last = (today - timedelta(days=PEAK_DAYS - 1)).isoformat(), today.isoformat()
    return {day: posts for day, posts in peaks.items() if first <= day <= last}


def write_state(out: Path, state: State) -> None:
    text = json.dumps(asdict(state), ensure_ascii=False, indent=1, sort_keys=True)
    write_if_changed(out / STATE_NAME, text.encode("utf-8") + b"\n")


FOLDERS_VERSION = 3  # 2: names joined by '/' (JSON copies it as is); 3: editors' files left out
FOLDERS_RECHECK_NS = 3600 * 10**9  # at the latest, every folder is read again hourly


def read_folders(out: Path, source: Path) -> tuple[dict[str, Folder], int]:
    """The source's folders as the last listing read them, and when it began (ns); none
    when the file is missing, damaged, for another source, or over an hour old."""
    try:
        data = json.loads(read_no_follow(out / FOLDERS_NAME).decode("utf-8", "surrogatepass"))
        if (data["version"], data["source"]) != (FOLDERS_VERSION, str(source.resolve())):
            return {}, 0
        taken_ns = int(data["taken_ns"])
        if time.time_ns() - taken_ns > FOLDERS_RECHECK_NS:
            return {}, 0
        folders = {
            _rel_dir(rel_dir): Folder(_stamp(stamp), _names(files), _names(subfolders))
            for rel_dir, (stamp, files, subfolders) in data["folders"].items()
        }
        return folders, taken_ns
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}, 0


def write_folders(out: Path, source: Path, folders: dict[str, Folder], taken_ns: int) -> None:
    data = {
        "version": FOLDERS_VERSION,
        "source": str(source.resolve()),
        "taken_ns": taken_ns,
        "folders": {
            rel_dir: [list(f.stamp), "/".join(f.files), "/".join(f.folders)]
            for rel_dir, f in folders.items()
        },
    }
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    write_if_changed(out / FOLDERS_NAME, text.encode("utf-8", "surrogatepass"), durable=False)


def _rel_dir(value: object) -> str:
    if not isinstance(value, str) or (value and not all(map(_is_name, value.split("/")))):
        raise ValueError("not a folder path")
    return value


def _stamp(value: object) -> tuple[int, int, int, int]:
    if not (isinstance(value, list) and len(value) == 4 and all(type(v) is int for v in value)):
        raise ValueError("not a folder stamp")
    return value[0], value[1], value[2], value[3]


def _names(joined: object) -> tuple[str, ...]:
    """Names in one folder: a tampered file must not reach outside it, or repeat one."""
    if not isinstance(joined, str):
        raise TypeError("names must be text")
    if not joined:
        return ()
    # Checked on the joined text, not name by name: there can be 100,000 of them. No name
    # is empty, hidden (`..` included) or holds a backslash, and none comes twice.
    if (
        joined.startswith((".", "/"))
        or joined.endswith("/")
        or "//" in joined
        or "/." in joined
        or "\\" in joined
    ):
        raise ValueError("not a list of file names")
    names = tuple(joined.split("/"))
    if not ascending(names):
        raise ValueError("not a list of file names")
    return names


def _is_name(name: str) -> bool:
    return bool(name) and not name.startswith(".") and "/" not in name and "\\" not in name


def outputs_intact(out: Path, state: State) -> bool:
    """Every feed the last build wrote is still there, as it was written."""
    return all(file_intact(out / relpath, known) for relpath, known in state.files.items())


def file_intact(path: Path, known: Published) -> bool:
    """The file is there with the size and mtime it had when it was written."""
    try:
        stat = path.stat()
    except OSError:
        return False
    return (stat.st_size, stat.st_mtime_ns) == (known.size, known.mtime_ns)


def cache_fingerprint(config: Config, jekyll: bool) -> str:
    """What parsed posts and cleaned bodies depend on: the code, the site, the rules, and
    whether the listing read the source as a Jekyll site (its folders above `_posts` are
    categories): told by the listing, as the source may become one while it is read."""
    return _digest(
        code_digest(), SCHEMA, config.source.resolve(), jekyll, config.site, config.cleaning
    )


def settings_fingerprint(config: Config, jekyll: bool) -> str:
    """What the feeds depend on besides the posts."""
    return _digest(
        cache_fingerprint(config, jekyll),
        config.limit,
        sorted(config.categories.items()),
        config.future,
        config.out.resolve(),
    )


@cache
def code_digest() -> str:
    """The package's source and its libraries' versions: a changed rule, or a sanitizer fix,
    invalidates what the old ones produced."""
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        h.update(path.read_bytes())
    versions = installed_versions()
    for library in LIBRARIES:
        h.update(f"{library}=={versions.get(_normalized(library), '?')}".encode())
    return h.hexdigest()


def installed_versions() -> dict[str, str]:
    """Normalized name -> version of the distributions on sys.path, from the names of their
    `name-version.dist-info` folders: under a millisecond, where importing and asking
    importlib.metadata takes 25, on a rebuild meant to take well under a second."""
    found: dict[str, str] = {}
    for folder in reversed(sys.path):  # the first on the path wins, as for imports
        try:
            names = [entry.name for entry in Path(folder or ".").iterdir()]
        except OSError:
            continue
        for name in names:
            stem, dot, kind = name.rpartition(".")
            if dot and kind in ("dist-info", "egg-info"):
                project, _, version = stem.partition("-")
                if version:
                    found[_normalized(project)] = version.split("-")[0]
    return found


def _normalized(project: str) -> str:
    return re.sub(r"[-_.]+", "_", project).lower()


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
