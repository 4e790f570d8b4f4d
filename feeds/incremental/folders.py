"""The folders file: the source's folders as the last listing read them, so that a
rebuild reads again only the folders whose stamps moved (see source.discover)."""

import json
import time
from pathlib import Path

from feeds.files import read_no_follow, write_if_changed
from feeds.incremental.cache import ascending
from feeds.source.discover import Folder

FOLDERS_NAME = ".feeds-folders.json"
FOLDERS_VERSION = 3  # 2: names joined by '/' (JSON copies it as is); 3: editors' files left out
FOLDERS_RECHECK_NS = 3600 * 10**9  # at the latest, every folder is read again hourly


def read_folders(folder: Path, source: Path) -> tuple[dict[str, Folder], int]:
    """The source's folders as the last listing read them, and when it began (ns); none
    when the file is missing, damaged, for another source, or over an hour old."""
    try:
        data = json.loads(read_no_follow(folder / FOLDERS_NAME).decode("utf-8", "surrogatepass"))
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


def write_folders(folder: Path, source: Path, folders: dict[str, Folder], taken_ns: int) -> None:
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
    write_if_changed(folder / FOLDERS_NAME, text.encode("utf-8", "surrogatepass"), durable=False)


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
