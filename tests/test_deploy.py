"""deploy/ as shipped, served for real (issue 19, items 2-4).

A real nginx (Debian's nginx-light) serves a build of tests/data/finews on loopback with
deploy/nginx.conf as shipped: only its root path and port are substituted, and it is
included in a minimal main config, as an operator includes it in /etc/nginx/nginx.conf.
What a subscriber's reader gets is checked over HTTP: each file's Content-Type, the CORS
header, gzip, the validators (a 304 before and after a no-change rebuild, a 200 with the
new entry after a post is added) and a 404 for every dot file. Then three real readers
fetch every feed from it: feedparser, newsboat and sfeed.

The feeds' own URLs are on https://finews.withounder.com: they are mapped to the local
server by path. Only 127.0.0.1 is ever contacted (no proxy, whatever the environment says).
"""

import contextlib
import gzip
import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree

from conftest import CONFIG, FINEWS, NS, ROOT, run_build, state_of

DEPLOY = ROOT / "deploy"
NGINX_CONF = DEPLOY / "nginx.conf"
SHIPPED_LISTEN = "listen 8080;"
SHIPPED_ROOT = "root /srv/archive/out;"
SITE_URL = "https://finews.withounder.com"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (nginx-light)")

Edit = Callable[[str], str]
GZIP_MIN_LENGTH = 512  # deploy/nginx.conf: a smaller file is sent as it is
TYPES = {
    "atom.xml": "application/atom+xml; charset=utf-8",
    "rss.xml": "application/rss+xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
    "feeds.opml": "text/x-opml; charset=utf-8",
    "index.html": "text/html; charset=utf-8",
}
# What earlier versions (0.1) kept in the output folder (and a state_dir inside it keeps).
DOT_FILES = [
    ".feeds-state.json",
    ".feeds-cache.sqlite",
    ".feeds-cache.sqlite-listing",
    ".feeds-folders.json",
    ".feeds.lock",
]
# No proxy, whatever the environment says: only 127.0.0.1 is contacted.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
NO_PROXY_ENV = {
    **{k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")},
    "no_proxy": "*",
    "NO_PROXY": "*",
}


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Server:
    base: str
    out: Path

    def get(self, path: str, **headers: str) -> Response:
        request = urllib.request.Request(self.base + path, headers=headers)
        try:
            with OPENER.open(request, timeout=10) as response:
                return Response(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), error.read())

    def raw(self, target: str) -> int:
        """The status of a request target sent as written (no client normalisation)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", target)
            return connection.getresponse().status
        finally:
            connection.close()

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    def local(self, url: str) -> str:
        """A feed's own https://finews.withounder.com/... URL, on the local server."""
        assert url.startswith(SITE_URL + "/"), url
        return self.base + urlsplit(url).path


def build(source: Path, out: Path) -> None:
    result = run_build("--source", source, "--out", out, config=CONFIG)
    assert result.exit_code == 3, result.stderr  # one real post has no usable date


def served_conf(root: Path, port: int) -> str:
    """deploy/nginx.conf as shipped, with only the root path and the port substituted."""
    text = NGINX_CONF.read_text(encoding="utf-8")
    assert text.count(SHIPPED_LISTEN) == 1 and text.count(SHIPPED_ROOT) == 1
    return text.replace(SHIPPED_LISTEN, f"listen 127.0.0.1:{port};").replace(
        SHIPPED_ROOT, f"root {root};"
    )


def main_conf(prefix: Path, site: Path) -> str:
    """A minimal main config that includes the server block, as Debian's does (with its
    mime.types, which the block must override)."""
    mime = Path("/etc/nginx/mime.types")
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / 'tmp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
error_log {prefix / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    {f"include {mime};" if mime.exists() else ""}
{temp}
    include {site};
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_confs(prefix: Path, root: Path, port: int, edit: Edit = str) -> Path:
    """The main config and the server block; `edit`: what an operator changes in it."""
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    site = prefix / "feeds-site.conf"
    site.write_text(edit(served_conf(root, port)), encoding="utf-8")
    conf = prefix / "nginx.conf"
    conf.write_text(main_conf(prefix, site), encoding="utf-8")
    return conf


def nginx_args(conf: Path, prefix: Path) -> list[str]:
    assert NGINX is not None
    return [NGINX, "-c", str(conf), "-p", f"{prefix}/", "-e", str(prefix / "error.log")]


@contextlib.contextmanager
def serve(out: Path, prefix: Path, edit: Edit = str) -> Iterator[Server]:
    """nginx on 127.0.0.1 and a free port, in the foreground, always stopped."""
    for _attempt in range(3):
        port = free_port()
        conf = write_confs(prefix, out, port, edit)
        proc = subprocess.Popen(
            [*nginx_args(conf, prefix), "-g", f"daemon off; pid {prefix / 'nginx.pid'};"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 10
            while proc.poll() is None and time.monotonic() < deadline:
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection(("127.0.0.1", port), timeout=1),
                ):
                    break
                time.sleep(0.05)
            else:
                if proc.poll() is None:
                    pytest.fail("nginx did not start listening within 10 s")
            if proc.poll() is not None:  # the port was taken meanwhile: try another
                continue
            yield Server(f"http://127.0.0.1:{port}", out)
            return
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
            assert proc.stderr is not None
            errors = proc.stderr.read().decode(errors="replace")
            proc.stderr.close()
    pytest.fail(f"nginx would not start: {errors}")


def feed_paths(out: Path) -> list[str]:
    """Every feed file, as a URL path."""
    return sorted(
        "/" + p.relative_to(out).as_posix()
        for name in ("atom.xml", "rss.xml", "feed.json")
        for p in out.rglob(name)
        if not any(part.startswith(".") for part in p.relative_to(out).parts)
    )


def entry_ids(path: Path) -> list[str]:
    """The entries' ids, read from the file itself."""
    if path.name == "feed.json":
        return [item["id"] for item in json.loads(path.read_bytes())["items"]]
    root = etree.fromstring(path.read_bytes())
    if path.name == "atom.xml":
        return [str(e.text) for e in root.iterfind("a:entry/a:id", NS)]
    return [str(e.text) for e in root.iterfind("channel/item/guid")]


def self_url(path: Path) -> str:
    """The feed's own URL, as written in it."""
    if path.name == "feed.json":
        return str(json.loads(path.read_bytes())["feed_url"])
    root = etree.fromstring(path.read_bytes())
    xpath = "a:link[@rel='self']/@href" if path.name == "atom.xml" else "channel/a:link/@href"
    hrefs = [str(h) for h in root.xpath(xpath, namespaces=NS)]
    return hrefs[0]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if NGINX is None:
        pytest.skip("nginx is not installed (nginx-light)")
    root = tmp_path_factory.mktemp("deploy")
    out = root / "out"
    build(FINEWS, out)
    with serve(out, root / "nginx") as server:
        yield server


def test_shipped_conf_passes_nginx_t(tmp_path: Path) -> None:
    if NGINX is None:
        pytest.skip("nginx is not installed (nginx-light)")
    (tmp_path / "out").mkdir()
    conf = write_confs(tmp_path, tmp_path / "out", free_port())
    result = subprocess.run(
        [*nginx_args(conf, tmp_path), "-t", "-g", f"pid {tmp_path / 'nginx.pid'};"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "[warn]" not in result.stderr, result.stderr


@needs_nginx
def test_every_file_has_its_type_charset_cors_and_gzip(server: Server) -> None:
    paths = [*feed_paths(server.out), "/feeds.opml", "/index.html", "/"]
    assert len(paths) == 3 * 15 + 3  # the combined feeds and 14 categories
    for path in paths:
        name = path.rsplit("/", 1)[1] or "index.html"
        on_disk = (server.out / path.lstrip("/")) if path != "/" else server.out / "index.html"
        plain = server.get(path)
        zipped = server.get(path, **{"Accept-Encoding": "gzip"})
        for response in (plain, zipped):
            assert response.status == 200, path
            assert response.headers["Content-Type"] == TYPES[name], path
            assert response.headers["Cache-Control"] == "max-age=300", path
            assert response.headers["ETag"] and response.headers["Last-Modified"], path
            if name == "index.html":
                assert "Access-Control-Allow-Origin" not in response.headers, path
            else:
                assert response.headers["Access-Control-Allow-Origin"] == "*", path
        assert "Content-Encoding" not in plain.headers, path
        assert plain.body == on_disk.read_bytes(), path
        assert len(plain.body) >= GZIP_MIN_LENGTH, path  # so each one is gzipped
        assert zipped.headers["Content-Encoding"] == "gzip", path
        assert zipped.headers["Vary"] == "Accept-Encoding", path
        assert gzip.decompress(zipped.body) == on_disk.read_bytes(), path
        assert len(zipped.body) < len(plain.body) * 0.8, path


@needs_nginx
def test_the_copy_where_jekyll_feed_served_the_feed_is_served_as_atom(server: Server) -> None:
    response = server.get("/feed.xml")  # the finews site lists the jekyll-feed plugin
    assert response.status == 200
    assert response.headers["Content-Type"] == TYPES["atom.xml"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.body == (server.out / "atom.xml").read_bytes()
    assert server.get("/feed/nothing.xml").status == 404


@needs_nginx
def test_the_opml_and_each_feeds_own_url_map_to_a_served_feed(server: Server) -> None:
    paths = feed_paths(server.out)
    for path in paths:
        assert server.local(self_url(server.out / path.lstrip("/"))) == server.base + path
    opml = etree.fromstring(server.get("/feeds.opml").body)
    listed = [str(u) for u in opml.xpath("//outline/@xmlUrl")]
    assert listed
    assert {server.local(u) for u in listed} <= {server.base + p for p in paths}


@needs_nginx
def test_no_dot_file_and_nothing_under_a_dot_folder_is_served(server: Server) -> None:
    out = server.out
    assert list(out.rglob(".*")) == []  # a build with default settings leaves none
    assert state_of(out).is_dir() and not state_of(out).resolve().is_relative_to(out.resolve())
    for name in DOT_FILES:
        shutil.copy(state_of(out) / ".feeds-state.json", out / name)
    hidden = out / ".state"
    (hidden / "sub").mkdir(parents=True)
    (hidden / "sub" / "atom.xml").write_text("<feed/>", encoding="utf-8")
    (out / "emnews" / ".secret.json").write_text("{}", encoding="utf-8")
    try:
        targets = [
            *(f"/{name}" for name in DOT_FILES),
            "/.state/",
            "/.state/sub/atom.xml",
            "/emnews/.secret.json",
            "/%2Efeeds-state.json",
            "/emnews/../.feeds-state.json",
            "/emnews/%2E%2E/.feeds.lock",
            "/./.feeds-state.json",
            "/.feeds-state.json?x=1",
        ]
        for target in targets:
            assert server.raw(target) == 404, target
        assert server.get("/.feeds-state.json").status == 404
    finally:
        shutil.rmtree(hidden)
        (out / "emnews" / ".secret.json").unlink()
        for name in DOT_FILES:
            (out / name).unlink()


@needs_nginx
def test_feedparser_sees_every_entry_of_every_feed(server: Server) -> None:
    """feedparser fetches each Atom and RSS feed itself (gzip, validators). feedparser
    6.0 reads no JSON Feed: each feed.json is fetched and read as JSON."""
    for path in feed_paths(server.out):
        ids = entry_ids(server.out / path.lstrip("/"))
        assert ids, path
        if path.endswith(".json"):
            response = server.get(path, **{"Accept-Encoding": "gzip"})
            items = json.loads(gzip.decompress(response.body))["items"]
            assert [item["id"] for item in items] == ids, path
            continue
        parsed = feedparser.parse(server.base + path, handlers=[urllib.request.ProxyHandler({})])
        assert parsed.get("status") == 200, (path, parsed.get("bozo_exception"))
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.headers.get("content-encoding") == "gzip", path
        assert [e.id for e in parsed.entries] == ids, path


@pytest.mark.skipif(shutil.which("newsboat") is None, reason="newsboat is not installed")
@needs_nginx
def test_newsboat_sees_every_entry_of_every_feed(server: Server, tmp_path: Path) -> None:
    """newsboat reloads every Atom and RSS feed over HTTP into its SQLite cache (it reads
    no JSON Feed)."""
    config = tmp_path / "config"
    config.write_text("", encoding="utf-8")
    # One cache per feed: newsboat keeps an entry once by its guid, and every entry is in
    # the combined feeds, its category's and both formats.
    for n, path in enumerate(p for p in feed_paths(server.out) if p.endswith(".xml")):
        urls, cache = tmp_path / f"urls{n}", tmp_path / f"cache{n}.db"
        urls.write_text(f"{server.base}{path}\n", encoding="utf-8")
        result = subprocess.run(
            ["newsboat", "-x", "reload", "-u", urls, "-c", cache, "-C", config],
            capture_output=True,
            text=True,
            timeout=30,
            env=NO_PROXY_ENV,
        )
        assert result.returncode == 0, result.stderr
        with sqlite3.connect(cache) as db:
            rows = db.execute("SELECT feedurl, guid FROM rss_item").fetchall()
        ids = entry_ids(server.out / path.lstrip("/"))
        assert len(rows) == len(ids), path
        assert rows and {feedurl for feedurl, _ in rows} == {server.base + path}, path
        assert {guid for _, guid in rows} == set(ids), path


@pytest.mark.skipif(shutil.which("sfeed") is None, reason="sfeed is not installed")
@needs_nginx
def test_sfeed_sees_every_entry_of_every_feed(server: Server) -> None:
    """sfeed parses what was fetched over HTTP (gzipped on the wire, as curl
    --compressed fetches it); its sixth field is the entry's id. It reads Atom and RSS."""
    for path in (p for p in feed_paths(server.out) if p.endswith(".xml")):
        response = server.get(path, **{"Accept-Encoding": "gzip"})
        assert response.status == 200 and response.headers["Content-Encoding"] == "gzip"
        lines = subprocess.run(
            ["sfeed"],
            input=gzip.decompress(response.body),
            check=True,
            capture_output=True,
            timeout=30,
        ).stdout.decode()
        ids = [line.split("\t")[5] for line in lines.splitlines()]
        assert ids == entry_ids(server.out / path.lstrip("/")), path


NEW_POST = "2022-06-15-NW202206159999999999.md"


@needs_nginx
def test_conditional_get_304_until_a_post_is_added(tmp_path: Path) -> None:
    """Validators survive a no-change rebuild (feeds does not rewrite an unchanged file);
    a new post changes exactly the feeds it lands in."""
    source = tmp_path / "src"
    shutil.copytree(FINEWS, source)
    out = tmp_path / "out"
    build(source, out)
    with serve(out, tmp_path / "nginx") as server:
        paths = [*feed_paths(out), "/feeds.opml", "/index.html"]

        def validators(path: str, **headers: str) -> tuple[str, str]:
            response = server.get(path, **headers)
            assert response.status == 200, path
            return response.headers["ETag"], response.headers["Last-Modified"]

        before = {
            (path, enc): validators(path, **enc_headers)
            for path in paths
            for enc, enc_headers in (("identity", {}), ("gzip", {"Accept-Encoding": "gzip"}))
        }

        def status(path: str, enc: str, etag: str, last_modified: str | None = None) -> int:
            headers = {"If-None-Match": etag}
            if enc == "gzip":
                headers["Accept-Encoding"] = "gzip"
            if last_modified is not None:
                headers = {"If-Modified-Since": last_modified} | (
                    {"Accept-Encoding": "gzip"} if enc == "gzip" else {}
                )
            response = server.get(path, **headers)
            if response.status == 304:
                assert response.body == b"", path
                # nginx weakens the ETag of a gzipped 200, not of the 304 (no body)
                assert response.headers["ETag"] == etag.removeprefix("W/"), path
            return response.status

        for (path, enc), (etag, last_modified) in before.items():
            assert status(path, enc, etag) == 304, (path, enc)
            assert status(path, enc, etag, last_modified) == 304, (path, enc)

        build(source, out)  # nothing changed
        for (path, enc), (etag, last_modified) in before.items():
            assert status(path, enc, etag) == 304, (path, enc)
            assert status(path, enc, etag, last_modified) == 304, (path, enc)

        template = (source / "_posts" / "2022-06-14-NW202206142412311033.md").read_text(
            encoding="utf-8"
        )
        (source / "_posts" / NEW_POST).write_text(
            template.replace(
                "date: 2022-06-14 17:56:07 +0800", "date: 2022-06-15 09:00:00 +0800"
            ).replace('title: "龙虎榜', 'title: "新条目 龙虎榜'),
            encoding="utf-8",
        )
        old_ids = {p: set(entry_ids(out / p.lstrip("/"))) for p in feed_paths(out)}
        build(source, out)
        changed = set()
        for (path, enc), (etag, _) in before.items():
            if path in ("/feeds.opml", "/index.html"):
                continue
            new = set(entry_ids(out / path.lstrip("/"))) - old_ids[path]
            code = status(path, enc, etag)
            if path.split("/")[1] in ("atom.xml", "rss.xml", "feed.json") or path.startswith(
                "/dongfangcaifuyanjiuzhongxin/"
            ):
                assert code == 200, (path, enc)
                assert len(new) == 1, path
                response = server.get(
                    path, **({"Accept-Encoding": "gzip"} if enc == "gzip" else {})
                )
                body = gzip.decompress(response.body) if enc == "gzip" else response.body
                assert next(iter(new)) in body.decode("utf-8"), path
                assert "NW202206159999999999" in next(iter(new)), path
                changed.add(path)
            else:
                assert code == 304 and not new, (path, enc)
        assert len(changed) == 6


SHIPPED_LINK = (  # deploy/nginx.conf's, as shipped: commented out
    "        # add_header Link "
    """'<https://hub.example/>; rel="hub", <https://news.example.com$uri>; rel="self"' always;"""
)


@needs_nginx
def test_the_websub_link_header_as_the_conf_says_to_add_it(tmp_path: Path) -> None:
    """The `add_header Link` lines, uncommented as deploy/nginx.conf says, with two hubs
    and the site's origin: every feed is served with a Link header naming both hubs and,
    as rel="self", the URL the feed gives itself (WebSub §4)."""
    hubs = ["https://hub.one.example/", "https://hub.two.example/hub"]
    conf = NGINX_CONF.read_text(encoding="utf-8")
    assert conf.count(SHIPPED_LINK) == 3  # atom.xml, rss.xml, feed.json

    def uncomment(text: str) -> str:
        named = ", ".join(f'<{hub}>; rel="hub"' for hub in hubs)
        line = SHIPPED_LINK.replace("# ", "", 1).replace('<https://hub.example/>; rel="hub"', named)
        return text.replace(SHIPPED_LINK, line.replace("https://news.example.com", SITE_URL))

    out = tmp_path / "out"
    build(FINEWS, out)
    with serve(out, tmp_path / "nginx", uncomment) as server:
        for path in feed_paths(out):
            got = server.get(path)
            assert got.status == 200, path
            links = {
                (target.strip().strip("<>"), params.strip())
                for target, _, params in (p.partition(";") for p in got.headers["Link"].split(","))
            }
            want = {(hub, 'rel="hub"') for hub in hubs}
            want.add((self_url(out / path.lstrip("/")), 'rel="self"'))
            assert links == want, path
        assert "Link" not in server.get("/feeds.opml").headers


SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


@pytest.mark.skipif(
    SYSTEMD_ANALYZE is None, reason="systemd-analyze is absent: systemd is not installed here"
)
def test_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """The units as shipped, with only ExecStart pointed at this venv's feeds (verify
    checks that the command exists)."""
    feeds = Path(sys.executable).parent / "feeds"
    assert feeds.exists(), feeds
    units = sorted([*DEPLOY.glob("*.service"), *DEPLOY.glob("*.timer")])
    assert {u.name for u in units} >= {"feeds-build.service", "feeds-build.timer"}
    for unit in units:
        text = unit.read_text(encoding="utf-8")
        if unit.suffix == ".service":
            assert text.count("ExecStart=/srv/feeds/.venv/bin/feeds ") == 1
            text = text.replace("ExecStart=/srv/feeds/.venv/bin/feeds ", f"ExecStart={feeds} ")
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    timer = (tmp_path / "feeds-build.timer").read_text(encoding="utf-8")
    assert "OnCalendar=*:0/5" in timer and "Persistent=true" in timer
    service = (tmp_path / "feeds-build.service").read_text(encoding="utf-8")
    for setting in (
        "ProtectSystem=strict",
        "ReadWritePaths=/srv/archive/out",
        "CacheDirectory=feeds",
        "Environment=XDG_CACHE_HOME=%C",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "ProtectHome=yes",
        "User=feeds",
    ):
        assert f"\n{setting}\n" in service, setting
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", *(str(tmp_path / u.name) for u in units)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_the_watch_service_is_sandboxed_as_the_build_service() -> None:
    def sandbox(unit: str) -> str:
        text = (DEPLOY / unit).read_text(encoding="utf-8")
        return text[text.index("# Sandboxing:") :]

    assert sandbox("feeds-watch.service") == sandbox("feeds-build.service")
    watch = (DEPLOY / "feeds-watch.service").read_text(encoding="utf-8")
    assert "\nRestart=on-failure\n" in watch and "\nUser=feeds\n" in watch


@pytest.mark.skipif(
    SYSTEMD_ANALYZE is None, reason="systemd-analyze is absent: systemd is not installed here"
)
def test_the_hubs_drop_in_lets_pings_out_and_passes_systemd_analyze_verify(
    tmp_path: Path,
) -> None:
    """deploy/feeds-hubs.conf, installed as a drop-in of both services, as its comment
    says: it turns the network on for IPv4 and IPv6, and systemd reads it without a
    complaint (verify reads a unit's drop-in folder beside it)."""
    dropin = (DEPLOY / "feeds-hubs.conf").read_text(encoding="utf-8")
    settings = dict(
        line.split("=", 1) for line in dropin.splitlines() if line and line[0] not in "#["
    )
    assert settings["PrivateNetwork"] == "no"
    assert set(settings["RestrictAddressFamilies"].split()) == {"AF_UNIX", "AF_INET", "AF_INET6"}
    feeds = Path(sys.executable).parent / "feeds"
    units = ["feeds-build.service", "feeds-watch.service"]
    for name in units:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        assert "\nPrivateNetwork=yes\n" in text  # the default: no network without hubs
        assert "deploy/feeds-hubs.conf" in text
        text = text.replace("ExecStart=/srv/feeds/.venv/bin/feeds ", f"ExecStart={feeds} ")
        (tmp_path / name).write_text(text, encoding="utf-8")
        (tmp_path / f"{name}.d").mkdir()
        (tmp_path / f"{name}.d" / "hubs.conf").write_text(dropin, encoding="utf-8")
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", *(str(tmp_path / name) for name in units)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip() == "", result.stderr
