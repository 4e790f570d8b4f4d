"""Markdown parsers against kramdown's reading (issue 21, item 3): which of the issue's
rows each renders as kramdown does, and its CPU time per post body of an archive.

    python benchmarks/markdown_parsers.py [ARCHIVE]   # default: tests/data/finews

Parsers not installed are left out; the figures in docs/design.md came from a venv with
cmarkgfm, markdown-it-py, mdit-py-plugins, mistune and markdown-it-pyrs installed.
"""

import importlib
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
Render = Callable[[str], str]

# Each row's minimal body, and what kramdown 2.4 (GFM input) makes of it.
CASES: dict[str, tuple[str, Callable[[str], bool]]] = {
    "table": ("| a | b |\n|---|---|\n| 1 | 2 |\n", lambda h: "<table" in h),
    "cjk_bold": (
        "他说**不能，因为心智模型不同。**我觉得如此。\n",
        lambda h: "<strong>不能，因为心智模型不同。</strong>" in h,
    ),
    "html_indented": (
        "<div>\n\n    <p>inner</p>\n\n</div>\n",
        lambda h: "<pre" not in h and "&lt;p" not in h,
    ),
    "html_unclosed_p": (
        '<p>open\n\n    <a href="x">inner</a>\n',
        lambda h: "<pre" not in h and "&lt;a" not in h,
    ),
    "url_space": (
        "[a](http://x.org/a b.html)\n",
        lambda h: re.search(r'href="http://x.org/a(%20| )b.html"', h) is not None,
    ),
    "url_paren": ("[a](http://x.org/a_(b\\))\n", lambda h: ">a</a>" in h),
    "smart": (
        'It\'s "quoted" -- and --- so...\n',
        lambda h: all(c in h for c in "’“”–—…"),
    ),
    "footnote": ("Text[^1].\n\n[^1]: Note.\n", lambda h: "<sup" in h and "[^1]" not in h),
    "deflist": ("term\n: definition\n", lambda h: "<dl>" in h),
    "strike": ("~~gone~~\n", lambda h: "<del>" in h or "<s>" in h),
}


def parsers() -> dict[str, Render]:
    found: dict[str, Render] = {}
    try:
        import cmarkgfm
        from cmarkgfm.cmark import Options as O

        def gfm(body: str) -> str:
            options = O.CMARK_OPT_UNSAFE | O.CMARK_OPT_SMART | O.CMARK_OPT_FOOTNOTES
            extensions = ["table", "strikethrough"]
            return str(cmarkgfm.markdown_to_html_with_extensions(body, options, extensions))

        found["cmark-gfm, CommonMark only"] = lambda body: str(
            cmarkgfm.markdown_to_html(body, options=O.CMARK_OPT_UNSAFE)
        )
        found["cmark-gfm + extensions (feeds)"] = gfm
    except ImportError:
        pass
    try:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.deflist import deflist_plugin
        from mdit_py_plugins.footnote import footnote_plugin

        md = MarkdownIt("commonmark", {"html": True, "typographer": True})
        md.enable(["table", "strikethrough", "replacements", "smartquotes"])
        found["markdown-it-py + plugins"] = md.use(footnote_plugin).use(deflist_plugin).render
    except ImportError:
        pass
    try:
        mistune = importlib.import_module("mistune")
        plugins = ["table", "strikethrough", "footnotes", "def_list"]
        found["mistune"] = mistune.create_markdown(escape=False, plugins=plugins)
    except ImportError:
        pass
    try:
        pyrs = importlib.import_module("markdown_it_pyrs")
        rs = pyrs.MarkdownIt("commonmark").enable_many(
            ["table", "strikethrough", "footnote", "deflist", "smartquotes", "replacements"]
        )
        found["markdown-it-pyrs"] = rs.render
    except ImportError:
        pass
    return found


def bodies(archive: Path) -> list[str]:
    found = []
    for path in sorted((archive / "_posts").glob("*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if text.startswith("---"):
            text = text.split("\n---", 1)[-1].partition("\n")[2]
        found.append(text)
    return found


def cpu_ms(render: Render, body: str, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        render(body)
        best = min(best, time.process_time() - start)
    return best * 1000


def main() -> None:
    archive = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "data" / "finews"
    posts = bodies(archive)
    print(f"{'parser':32} rows  median ms/post ({len(posts)} posts)  rows right")
    for name, render in parsers().items():
        right = [case for case, (body, check) in CASES.items() if check(render(body))]
        median = statistics.median(cpu_ms(render, body) for body in posts)
        print(f"{name:32} {len(right):2}/{len(CASES)}  {median:8.3f}  {', '.join(right)}")


if __name__ == "__main__":
    main()
