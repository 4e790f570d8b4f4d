"""Liquid, as Jekyll runs it on a post before Markdown (issue 21, item 2): Jekyll's
variables, tags and filters; an error costs its post only; a rebuild after an include,
_config.yml or a linked post changes equals a cold build."""

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from lxml import html as lhtml

from conftest import FINEWS, ROOT, Build, feed_files, parse

CONFIG_YML = (
    "url: https://example.org\nbaseurl: /blog\ntitle: My Blog\ntimezone: UTC\ntagline: Notes\n"
)
POSTS = {
    "_posts/2024-01-02-first.md": """\
---
title: First
tags: [a, b]
---
Hello from {{ site.url }}{{ site.baseurl }}, on {{ page.title }} ({{ page.tags | join: "+" }}).

{% include note.html text="A note" who=page.title %}

{% highlight python %}
if a < b:

    print("<script>")
{% endhighlight %}

{% raw %}{{ kept as text }}{% endraw %}

See [the second]({% post_url 2024-01-03-second %}), [again]({% link _posts/2024-01-03-second.md %}).

{{ page.date | date_to_xmlschema }} {{ "Hello World" | slugify }} {{ "/x" | absolute_url }} \
{{ "a&b" | xml_escape }}
""",
    "_posts/2024-01-03-second.md": "---\ntitle: Second\n---\nThe second post.\n",
}
INCLUDES = {
    "note.html": '<p class="note">{{ include.text }} by {{ include.who }} on {{ site.title }}</p>\n'
    "<p>{{ site.tagline }}</p>\n"
}


def make_site(tmp_path: Path, posts: dict[str, str] | None = None) -> Path:
    site = tmp_path / "site"
    for relpath, text in (posts if posts is not None else POSTS).items():
        (site / relpath).parent.mkdir(parents=True, exist_ok=True)
        (site / relpath).write_text(text, encoding="utf-8")
    (site / "_includes").mkdir(parents=True, exist_ok=True)
    for name, text in INCLUDES.items():
        (site / "_includes" / name).write_text(text, encoding="utf-8")
    (site / "_config.yml").write_text(CONFIG_YML, encoding="utf-8")
    (tmp_path / "feeds.toml").write_text("", encoding="utf-8")  # _config.yml says all
    return site


def run(build: Build, site: Path, out: Path) -> Result:
    return build("--source", site, "--out", out, config=site.parent / "feeds.toml")


def bodies(out: Path) -> dict[str, str]:
    """What a reader sees of each entry: its content's text, by title."""
    return {e.title: e.content[0].value for e in parse(out / "atom.xml").entries}


def text_of(content: str) -> str:
    return " ".join(lhtml.fromstring(f"<div>{content}</div>").text_content().split())


def test_jekyll_variables_tags_and_filters(build: Build, tmp_path: Path) -> None:
    site = make_site(tmp_path)
    result = run(build, site, tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    first = bodies(tmp_path / "out")["First"]
    text = text_of(first)
    assert "Hello from https://example.org/blog, on First (a+b)." in text
    assert "A note by First on My Blog" in text  # include, with include.* parameters
    assert "{{ kept as text }}" in text  # raw
    assert "2024-01-02T00:00:00+00:00 hello-world https://example.org/blog/x a&b" in text
    tree = lhtml.fromstring(f"<div>{first}</div>")
    assert [a.get("href") for a in tree.iter("a")] == [
        "https://example.org/blog/2024/01/03/second.html"
    ] * 2  # post_url and link, with baseurl, made absolute as every link of an entry
    (code,) = tree.iter("code")  # highlight: the code escaped, its blank line kept
    assert code.text_content() == 'if a < b:\n\n    print("<script>")'
    assert code.getparent().tag == "pre" and code.getparent().getparent().tag == "figure"


def test_a_post_that_is_one_include_keeps_its_words(build: Build, tmp_path: Path) -> None:
    """The table's row: such a post lost ~99% of its words."""
    site = make_site(
        tmp_path, {"_posts/2024-01-02-only.md": "---\ntitle: Only\n---\n{% include long.md %}\n"}
    )
    (site / "_includes" / "long.md").write_text("Words " * 200 + "\n\n**end**\n", encoding="utf-8")
    assert run(build, site, tmp_path / "out").exit_code == 0
    content = bodies(tmp_path / "out")["Only"]
    assert text_of(content).count("Words") == 200
    assert "<strong>end</strong>" in content  # Markdown runs after Liquid


@pytest.mark.parametrize(
    ("body", "line", "reason"),
    [
        ("Fine.\n\n{% unknown_tag %}\n", 6, "unexpected tag 'unknown_tag'"),
        ("{{ x | no_such_filter }}\n", 4, "unknown filter 'no_such_filter'"),
        ("{% if x %}\nnever closed\n", 4, "endif"),
        ("{% include missing.html %}\n", 4, "cannot include _includes/missing.html"),
        ("{% include ../_config.yml %}\n", 4, "is not allowed"),
        ("{% include_relative ../../etc/passwd %}\n", 4, "is not allowed"),
        ("a\n{% post_url 2020-01-01-nowhere %}\n", 5, "no post named"),
        ('{% include note.html text="x" %}{% include bad.html %}\n', 4, "_includes/bad.html:2"),
        ("a\nb\n{% highlight %}x{% endhighlight %}\n", 6, "highlight needs a language name"),
        ("a\n{{ page.circle | jsonify }}\n", 6, "ValueError: Circular reference detected"),
    ],
)
def test_a_template_error_costs_that_post_only(
    build: Build, tmp_path: Path, body: str, line: int, reason: str
) -> None:
    """An error in a template, in an include, or of a filter with the post's values (here
    a list that holds itself, which YAML can write)."""
    posts = {
        "_posts/2024-01-02-bad.md": f"---\ntitle: Bad\n---\n{body}",
        "_posts/2024-01-03-good.md": "---\ntitle: Good\n---\n{{ site.title }} is fine.\n",
    }
    if "circle" in body:
        posts["_posts/2024-01-02-bad.md"] = f"---\ntitle: Bad\ncircle: &c [*c]\n---\n{body}"
    site = make_site(tmp_path, posts)
    (site / "_includes" / "bad.html").write_text("ok\n{% nope %}\n", encoding="utf-8")
    result = run(build, site, tmp_path / "out")
    assert result.exit_code == 3, result.stderr
    assert f"_posts/2024-01-02-bad.md:{line}: liquid: " in result.stderr
    assert reason in result.stderr.split(f"bad.md:{line}: liquid: ")[1].splitlines()[0]
    assert text_of(bodies(tmp_path / "out")["Good"]) == "My Blog is fine."
    assert "Bad" not in bodies(tmp_path / "out")


def test_an_include_linked_out_of_the_site_is_refused(build: Build, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET", encoding="utf-8")
    site = make_site(
        tmp_path, {"_posts/2024-01-02-a.md": "---\ntitle: A\n---\n{% include out.txt %}\n"}
    )
    (site / "_includes" / "out.txt").symlink_to(secret)
    result = run(build, site, tmp_path / "out")
    assert result.exit_code in (1, 3)
    assert "_posts/2024-01-02-a.md:4: liquid: include 'out.txt' leads out of _includes" in (
        result.stderr
    )
    assert (
        not (tmp_path / "out" / "atom.xml").exists()
        or b"SECRET" not in (tmp_path / "out" / "atom.xml").read_bytes()
    )


def test_render_with_liquid_false_keeps_the_tags_as_text(build: Build, tmp_path: Path) -> None:
    front = "title: A\nrender_with_liquid: false"
    site = make_site(
        tmp_path, {"_posts/2024-01-02-a.md": f"---\n{front}\n---\nUse {{{{ site.url }}}}.\n"}
    )
    assert run(build, site, tmp_path / "out").exit_code == 0
    assert text_of(bodies(tmp_path / "out")["A"]) == "Use {{ site.url }}."


def test_defaults_can_switch_liquid_off(build: Build, tmp_path: Path) -> None:
    site = make_site(tmp_path, {"_posts/2024-01-02-a.md": "---\ntitle: A\n---\n{% nope %}\n"})
    config = site / "_config.yml"
    config.write_text(
        config.read_text()
        + "defaults:\n  - scope: {path: _posts}\n    values: {render_with_liquid: false}\n",
        encoding="utf-8",
    )
    assert run(build, site, tmp_path / "out").exit_code == 0
    assert text_of(bodies(tmp_path / "out")["A"]) == "{% nope %}"


def outputs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in feed_files(out)}


def rebuild_equals_cold(build: Build, tmp_path: Path, change: Callable[[Path], None]) -> Path:
    site = make_site(tmp_path)
    out = tmp_path / "out"
    assert run(build, site, out).exit_code == 0
    time.sleep(2.1)  # past the racy margin: the next build trusts the stamps it sees
    assert run(build, site, out).exit_code == 0
    change(site)
    assert run(build, site, out).exit_code == 0
    cold = tmp_path / "cold"
    assert run(build, site, cold).exit_code == 0
    assert outputs(out) == outputs(cold)
    shutil.rmtree(cold)
    return out


def test_a_rebuild_after_an_include_is_edited_equals_a_cold_build(
    build: Build, tmp_path: Path
) -> None:
    def edit(site: Path) -> None:
        (site / "_includes" / "note.html").write_text("<p>{{ include.text }}, edited</p>\n")

    out = rebuild_equals_cold(build, tmp_path, edit)
    assert "A note, edited" in text_of(bodies(out)["First"])


def test_a_rebuild_after_a_site_key_changes_equals_a_cold_build(
    build: Build, tmp_path: Path
) -> None:
    def edit(site: Path) -> None:
        config = site / "_config.yml"
        config.write_text(config.read_text().replace("Notes", "Jottings"), encoding="utf-8")

    out = rebuild_equals_cold(build, tmp_path, edit)  # a key feeds reads nothing else of
    assert "Jottings" in text_of(bodies(out)["First"])


def test_a_rebuild_after_a_linked_post_moves_equals_a_cold_build(
    build: Build, tmp_path: Path
) -> None:
    def edit(site: Path) -> None:
        second = site / "_posts" / "2024-01-03-second.md"
        second.write_text("---\ntitle: Second\npermalink: /moved/\n---\nMoved.\n", encoding="utf-8")

    out = rebuild_equals_cold(build, tmp_path, edit)
    hrefs = [a.get("href") for a in lhtml.fromstring(bodies(out)["First"]).iter("a")]
    assert hrefs == ["https://example.org/blog/moved/"] * 2


def test_a_build_of_posts_without_liquid_never_imports_it(tmp_path: Path) -> None:
    """The finews posts hold no Liquid: a cold build and a no-change rebuild import
    nothing of python-liquid."""
    code = (
        "import sys\nfrom feeds.cli import cli\n"
        "try:\n    cli(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print('liquid' in sys.modules)"
    )
    argv = ["build", "--source", str(FINEWS), "--out", str(tmp_path / "out"), "-q", "--jobs", "1"]
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", code, *argv, "--config", str(ROOT / "feeds.toml")],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )
        assert done.stdout.strip().splitlines()[-1] == "False", done.stderr


def test_post_url_finds_a_post_in_a_category_folder_or_below_posts(
    build: Build, tmp_path: Path
) -> None:
    posts = {
        "_posts/2024-01-02-a.md": "---\ntitle: A\n---\n"
        "[x]({% post_url 2024-01-04-x %}) [y]({% post_url sub/2024-01-05-y %})\n",
        "news/_posts/2024-01-04-x.md": "---\ntitle: X\n---\nx\n",
        "_posts/sub/2024-01-05-y.md": "---\ntitle: Y\n---\ny\n",
    }
    site = make_site(tmp_path, posts)
    result = run(build, site, tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    hrefs = [a.get("href") for a in lhtml.fromstring(bodies(tmp_path / "out")["A"]).iter("a")]
    assert hrefs == [
        "https://example.org/blog/news/2024/01/04/x.html",
        "https://example.org/blog/2024/01/05/y.html",
    ]


@pytest.mark.parametrize(
    ("smart", "shown"),
    [(True, "It\u2019s \u201cfine\u201d \u2013 ok"), (False, 'It\'s "fine" -- ok')],
)
def test_markdownify_renders_with_the_sites_smart_quotes(
    build: Build, tmp_path: Path, smart: bool, shown: str
) -> None:
    post = (
        '---\ntitle: Quoted\nsaid: "It\'s \\"fine\\" -- ok"\n---\n{{ page.said | markdownify }}\n'
    )
    posts = {"_posts/2024-01-02-quoted.md": post}
    site = make_site(tmp_path, posts)
    (tmp_path / "feeds.toml").write_text(f"smart_quotes = {str(smart).lower()}\n", encoding="utf-8")
    result = run(build, site, tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert text_of(bodies(tmp_path / "out")["Quoted"]) == shown


@pytest.mark.parametrize(
    ("include", "reason"),
    [
        ("{% include chain.html %}", "_includes/bad.html:2: unexpected tag 'nope'"),
        ("{% include self.html %}", "_includes/self.html:1: includes nest over 30 deep"),
    ],
)
def test_an_error_in_a_nested_include_names_its_file_once(
    build: Build, tmp_path: Path, include: str, reason: str
) -> None:
    posts = {
        "_posts/2024-01-02-bad.md": f"---\ntitle: Bad\n---\n{include}\n",
        "_posts/2024-01-03-good.md": "---\ntitle: Good\n---\nFine.\n",
    }
    site = make_site(tmp_path, posts)
    (site / "_includes" / "chain.html").write_text("ok\n{% include bad.html %}\n")
    (site / "_includes" / "bad.html").write_text("ok\n{% nope %}\n")
    (site / "_includes" / "self.html").write_text("{% include self.html %}\n")
    result = run(build, site, tmp_path / "out")
    assert result.exit_code == 3
    (line,) = [x for x in result.stderr.splitlines() if "liquid:" in x]
    assert line.startswith(f"_posts/2024-01-02-bad.md:4: liquid: {reason}")
    assert line.count(".html:") == 1


def test_include_relative_reads_the_posts_own_folder_whatever_page_holds(
    build: Build, tmp_path: Path
) -> None:
    """`page` is a variable a post can assign: include_relative's folder is not taken
    from it, so that it can neither lead out of the site nor lose the post's folder."""
    secret = tmp_path / "etc"
    secret.mkdir()
    (secret / "passwd").write_text("SECRET", encoding="utf-8")
    leak = f"---\ntitle: Leak\nleak: {{path: {secret}/x}}\n---\n"
    posts = {
        "_posts/2024-01-02-leak.md": leak
        + "{% assign page = page.leak %}{% include_relative passwd %}\n",
        "_posts/2024-01-03-part.md": "---\ntitle: Part\n---\n"
        "{% assign page = site %}{% include_relative part.txt %}\n",
    }
    site = make_site(tmp_path, posts)
    (site / "_posts" / "part.txt").write_text("The part.\n", encoding="utf-8")
    result = run(build, site, tmp_path / "out")
    assert result.exit_code == 3, result.stderr
    assert "_posts/2024-01-02-leak.md:5: liquid: cannot include _posts/passwd" in result.stderr
    assert b"SECRET" not in (tmp_path / "out" / "atom.xml").read_bytes()
    assert bodies(tmp_path / "out").keys() == {"Part"}
    assert text_of(bodies(tmp_path / "out")["Part"]) == "The part."


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{% include passwd %}", "include 'passwd' leads out of _includes"),
        ("[x]({% link ../elsewhere/_posts/2024-01-01-s.md %})", "link: no file"),
        ("[x]({% post_url ../../elsewhere/_posts/2024-01-01-s %})", "post_url: no post named"),
    ],
)
def test_no_tag_reads_a_file_outside_the_site(
    build: Build, tmp_path: Path, body: str, reason: str
) -> None:
    """Not through a linked _includes folder (the folder is checked, links followed, and
    the site too), nor by a `link` or `post_url` that climbs out of it."""
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "_posts").mkdir(parents=True)
    (elsewhere / "passwd").write_text("SECRET", encoding="utf-8")
    (elsewhere / "_posts" / "2024-01-01-s.md").write_text(
        "---\ntitle: S\npermalink: /SECRET/\n---\nSECRET\n", encoding="utf-8"
    )
    posts = {
        "_posts/2024-01-02-bad.md": f"---\ntitle: Bad\n---\n{body}\n",
        "_posts/2024-01-03-good.md": "---\ntitle: Good\n---\nFine.\n",
    }
    site = make_site(tmp_path, posts)
    shutil.rmtree(site / "_includes")
    (site / "_includes").symlink_to(elsewhere)
    result = run(build, site, tmp_path / "out")
    assert result.exit_code == 3, result.stderr
    assert f"_posts/2024-01-02-bad.md:4: liquid: {reason}" in result.stderr
    assert b"SECRET" not in (tmp_path / "out" / "atom.xml").read_bytes()
    assert bodies(tmp_path / "out").keys() == {"Good"}


@pytest.mark.parametrize("key", ["page.tags.foo", "page.title.x", "page.nothing.x"])
def test_a_key_of_a_list_or_string_is_nothing_as_in_jekyll(
    build: Build, tmp_path: Path, key: str
) -> None:
    """Liquid's lax lookup gives nil: the include gets nothing, the post is published."""
    body = f"{{% include show.html a={key} %}} and {{{{ {key} }}}}.\n"
    site = make_site(
        tmp_path, {"_posts/2024-01-02-a.md": f"---\ntitle: A\ntags: [x, y]\n---\n{body}"}
    )
    (site / "_includes" / "show.html").write_text("[{{ include.a }}]", encoding="utf-8")
    result = run(build, site, tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert text_of(bodies(tmp_path / "out")["A"]) == "[] and ."


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{% for i in (1..100000000) %}x{% endfor %}", "over 100,000 loop iterations"),
        (
            "{% for i in (1..1000) %}{% for j in (1..1000) %}{% endfor %}{% endfor %}",
            "over 100,000 loop iterations",
        ),
        ("{% for i in (1..60000) %}{% endfor %}" * 2, "over 100,000 loop iterations"),
        (
            '{% assign s = "xx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}',
            "its variables hold over 8 MiB",
        ),
        ("{% for i in (1..99000) %}" + "x" * 100 + "{% endfor %}", "its output is over 8 MiB"),
    ],
)
def test_liquid_work_is_bounded_per_post(tmp_path: Path, body: str, reason: str) -> None:
    """A loop of a hundred million (a hang before) costs its post, not the build."""
    posts = {
        "_posts/2024-01-02-bad.md": f"---\ntitle: Bad\n---\nFine.\n{body}\n",
        "_posts/2024-01-03-good.md": "---\ntitle: Good\n---\nFine.\n",
    }
    site = make_site(tmp_path, posts)
    argv = ["--source", site, "--out", tmp_path / "out", "--config", site.parent / "feeds.toml"]
    done = subprocess.run(
        [sys.executable, "-m", "feeds", "build", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 3, done.stderr
    assert f"_posts/2024-01-02-bad.md:5: liquid: {reason}, the limit for a post" in done.stderr
    assert bodies(tmp_path / "out").keys() == {"Good"}
