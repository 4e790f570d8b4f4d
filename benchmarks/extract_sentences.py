"""Rebuild `data/sentences.txt`, the pool of real sentences the generator recombines.

Run once against the finews sample corpus; the pool is committed so that generated
archives do not depend on the corpus being present:

    python benchmarks/extract_sentences.py /work/shared/corpus/finews/_posts
"""

import argparse
import html
import re
import sys
from collections.abc import Iterator
from pathlib import Path

POOL = Path(__file__).resolve().parent / "data" / "sentences.txt"
SENTENCE = re.compile(r"[^。！？]+[。！？]+[”」）)]?")
COMMENT = re.compile(r"<!--.*?-->", re.S)
BREAK = re.compile(r"<(?:/p|br|/?center|/?div)\b[^>]*>", re.I)
TAG = re.compile(r"<[^>]*>")
# Characters that mean something to Markdown, YAML double quotes or HTML: a pool
# sentence must be safe to drop verbatim into any of the three.
UNSAFE = set('"\\<>&*_[]`#|{}')
MIN_CHARS, MAX_CHARS = 8, 160


def bodies(posts: Path) -> Iterator[str]:
    """Each post's body: what follows the closing `---` line."""
    for path in sorted(posts.glob("*.md")):
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n").lstrip("\n")
        parts = text.split("\n---\n", 1)
        if len(parts) == 2:
            yield parts[1]


def plain_lines(body: str) -> Iterator[str]:
    """The body's text, line by line, without markup, autolinks or navigation."""
    for line in TAG.sub("", BREAK.sub("\n", COMMENT.sub("", body))).split("\n"):
        line = html.unescape(line).strip().removeprefix(">").strip()
        if line and not line.startswith(("[返回", "http")):
            yield line


def sentences(posts: Path) -> list[str]:
    """Distinct safe sentences of the corpus, sorted so the pool is reproducible."""
    found = {
        sentence.strip()
        for body in bodies(posts)
        for line in plain_lines(body)
        for sentence in SENTENCE.findall(line)
    }
    return sorted(s for s in found if MIN_CHARS <= len(s) <= MAX_CHARS and not UNSAFE & set(s))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("posts", type=Path, help="the corpus's _posts folder")
    args = parser.parse_args()
    pool = sentences(args.posts)
    POOL.write_text("\n".join(pool) + "\n", encoding="utf-8")
    print(f"{len(pool)} sentences, {sum(map(len, pool))} characters -> {POOL}", file=sys.stderr)


if __name__ == "__main__":
    main()
