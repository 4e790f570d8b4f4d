"""Which code is running: the package's source and its libraries' versions, read fast.
No business logic."""

import hashlib
import re
import sys
from functools import cache
from pathlib import Path

from feeds import __version__

LIBRARIES = (
    "cmarkgfm",
    "feedgen",
    "lxml",
    "nh3",
    "python-dateutil",
    "python-liquid",
    "python-slugify",
    "PyYAML",
    "yaml-rs",
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
