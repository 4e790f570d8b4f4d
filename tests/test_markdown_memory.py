"""Rendering Markdown keeps no memory: `feeds watch` renders posts for days in one process
(cmarkgfm's own wrapper leaks each tree and each HTML string, ~10 KB a finews post)."""

import subprocess
import sys

from conftest import FINEWS

PROBE = """
import resource, sys
from pathlib import Path
from feeds.content.markdown import render_markdown, smartify
bodies = [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).glob("_posts/*.md"))]
for body in bodies:  # the first round grows the heap as any first use does
    render_markdown(body)
start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for _ in range(120):
    for body in bodies:
        render_markdown(body)
        smartify("It's a \\"title\\" -- with quotes...")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start)
"""


def test_rendering_thousands_of_posts_keeps_no_memory() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(FINEWS)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    grown_kb = int(result.stdout)
    # 9,600 renders of the sample: cmarkgfm's own wrapper grows by ~18 MB here
    assert grown_kb < 4096, f"{grown_kb} KB kept after 9,600 renders"
