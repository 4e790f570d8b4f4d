"""The floor: read every post of an archive and parse its front matter, nothing else.

    python benchmarks/floor.py ARCHIVE

One process, PyYAML's C loader, the front matter found by its `---` lines. No tool can
know every post's date and categories for less, so `run.py` states build times as a
multiple of this. Prints how many posts it parsed.
"""

import os
import sys
from pathlib import Path

import yaml

FENCE = "---"


def front_matter(text: str) -> str | None:
    """The text between the opening and the closing `---` lines, or None."""
    if not text.startswith(FENCE):
        text = text.lstrip()  # the archive has posts with a blank line before the fence
        if not text.startswith(FENCE):
            return None
    opening_end = text.find("\n")
    closing = text.find("\n" + FENCE, opening_end)
    if opening_end == -1 or closing == -1:
        return None
    return text[opening_end + 1 : closing]


def parse_all(posts: Path) -> int:
    """Read and parse every post in the folder; return how many had front matter."""
    parsed = 0
    with os.scandir(posts) as entries:
        for entry in entries:
            with open(entry.path, "rb") as fh:  # noqa: PTH123 - the floor stays at the syscalls
                front = front_matter(fh.read().decode("utf-8"))
            if front is not None:
                yaml.load(front, Loader=yaml.CSafeLoader)
                parsed += 1
    return parsed


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(parse_all(Path(sys.argv[1]) / "_posts"))


if __name__ == "__main__":
    main()
