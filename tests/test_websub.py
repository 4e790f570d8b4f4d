"""WebSub publishing (issue 20, item 1): every feed names the hubs, and a build pings them
for the feeds it changed, through a real hub (Flask-WebSub's, tests/websub_hub.py) on
loopback, to a subscriber that receives the new content. A hub that is down or slow
is named on stderr (exit code 5), the feeds are published all the same, and the ping is
owed to the next build."""

import errno
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from jsonschema import Draft202012Validator
from lxml import etree
from synthetic import post_name, post_text, write_archive
from websub_hub import WebSub, websub

from conftest import DATA, NS, ROOT, run_build, state_of
from feeds.publish.state import (
    STATE_NAME,
    Ping,
    State,
    due_pings,
    read_state,
    settle_pings,
    write_state,
)

SCHEMA = json.loads((DATA / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))
OLD = time.time() - 3600  # a post's mtime old enough that a rebuild trusts the listing


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[WebSub]:
    with websub(tmp_path / "out", tmp_path / "hub.sqlite") as running:
        yield running


def _site(tmp_path: Path, posts: int = 3) -> Path:
    return write_archive(tmp_path / "site", posts)


def _config(tmp_path: Path, url: str, hubs: list[str], **more: object) -> Path:
    lines = [f"url = {json.dumps(url)}", 'timezone = "Asia/Shanghai"', f"hubs = {json.dumps(hubs)}"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in more.items()]
    path = tmp_path / "feeds.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _build(tmp_path: Path, config: Path) -> tuple[int, str]:
    result = run_build("--source", tmp_path / "site", "--out", tmp_path / "out", config=config)
    return result.exit_code, result.stderr


def _add_post(site: Path, i: int) -> str:
    """Post i, as a scraper drops it in; its title."""
    path = site / post_name(i)
    path.write_text(post_text(i), encoding="utf-8")
    os.utime(path, (OLD, OLD))
    return post_text(i).split('title: "', 1)[1].split('"', 1)[0]


def _titles(body: bytes) -> list[str]:
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.bozo_exception
    return [entry.title for entry in parsed.entries]


def _owed(out: Path) -> list[dict[str, object]]:
    state = json.loads((state_of(out) / STATE_NAME).read_text(encoding="utf-8"))
    pings: list[dict[str, object]] = state.get("pings", [])
    return pings


def test_every_feed_names_the_hubs_and_its_own_url(tmp_path: Path, ws: WebSub) -> None:
    second = ws.hub.url + "?second"  # a second hub URL, answered by the same real hub
    _site(tmp_path)
    code, stderr = _build(tmp_path, _config(tmp_path, ws.site, [ws.hub.url, second]))
    assert code == 0, stderr
    out = tmp_path / "out"
    atoms = sorted(out.rglob("atom.xml"))
    assert len(atoms) > 1  # the combined feed and the categories'
    for atom in atoms:
        served = f"{ws.site}/{atom.relative_to(out).as_posix()}"
        feed = etree.parse(str(atom)).getroot()
        assert feed.xpath("a:link[@rel='hub']/@href", namespaces=NS) == [ws.hub.url, second]
        assert feed.xpath("a:link[@rel='self']/@href", namespaces=NS) == [served]
        channel = etree.parse(str(atom.with_name("rss.xml"))).getroot().find("channel")
        assert channel.xpath("a:link[@rel='hub']/@href", namespaces=NS) == [ws.hub.url, second]
        assert channel.xpath("a:link[@rel='self']/@href", namespaces=NS) == [
            served.replace("atom.xml", "rss.xml")
        ]
        document = json.loads(atom.with_name("feed.json").read_text(encoding="utf-8"))
        Draft202012Validator(SCHEMA).validate(document)
        assert document["hubs"] == [
            {"type": "WebSub", "url": ws.hub.url},
            {"type": "WebSub", "url": second},
        ]
        assert document["feed_url"] == served.replace("atom.xml", "feed.json")
        for name in ("atom.xml", "rss.xml"):
            parsed = feedparser.parse(atom.with_name(name).read_bytes())
            assert not parsed.bozo, parsed.bozo_exception
            links = {(link.rel, link.href) for link in parsed.feed.links}
            assert ("hub", ws.hub.url) in links


def test_a_subscriber_receives_the_new_post_through_the_hub(tmp_path: Path, ws: WebSub) -> None:
    site = _site(tmp_path)
    config = _config(tmp_path, ws.site, [ws.hub.url])
    code, stderr = _build(tmp_path, config)
    assert code == 0, stderr
    topic = f"{ws.site}/atom.xml"
    ws.subscribe(topic)
    ws.subscribe(f"{ws.site}/feed.json")
    title = _add_post(site, 3)
    code, stderr = _build(tmp_path, config)
    assert code == 0, stderr
    assert "feeds: hub" not in stderr
    delivered = ws.bodies(topic)
    assert delivered, "the subscriber received nothing"
    assert title in _titles(delivered[-1])
    item = json.loads(ws.bodies(f"{ws.site}/feed.json")[-1])["items"][0]
    assert item["title"] == title
    assert not _owed(tmp_path / "out")


def test_a_hub_that_is_down_is_named_and_pinged_again_at_the_next_build(
    tmp_path: Path, ws: WebSub
) -> None:
    site = _site(tmp_path)
    config = _config(tmp_path, ws.site, [ws.hub.url], hub_timeout=2)
    assert _build(tmp_path, config)[0] == 0
    ws.hub.stop()
    title = _add_post(site, 3)
    code, stderr = _build(tmp_path, config)
    out = tmp_path / "out"
    assert code == 5, stderr
    topic = f"{ws.site}/atom.xml"
    assert f"feeds: hub {ws.hub.url}: {topic}: connection refused" in stderr
    assert title in _titles((out / "atom.xml").read_bytes())  # published all the same
    assert {(p["hub"], p["url"]) for p in _owed(out)} >= {(ws.hub.url, topic)}

    ws.hub.start()  # on the same port
    ws.subscribe(topic)
    code, stderr = _build(tmp_path, config)  # nothing changed but the pings owed
    assert code == 0, stderr
    assert "wrote 0 feeds" in stderr
    assert "feeds: hub" not in stderr
    assert title in _titles(ws.bodies(topic)[-1])
    assert not _owed(out)
    pinged = len(ws.hub.pings)
    assert _build(tmp_path, config)[0] == 0
    assert len(ws.hub.pings) == pinged  # nothing owed, nothing changed: no ping


def test_a_slow_hub_does_not_hold_the_build_and_hears_of_written_feeds(
    tmp_path: Path, ws: WebSub
) -> None:
    site = _site(tmp_path)
    config = _config(tmp_path, ws.site, [ws.hub.url], hub_timeout=0.5)
    assert _build(tmp_path, config)[0] == 0
    ws.hub.delay = 5.0  # past the timeout, both tries
    title = _add_post(site, 3)
    code, stderr = _build(tmp_path, config)
    assert code == 5, stderr
    topic = f"{ws.site}/atom.xml"
    assert f"feeds: hub {ws.hub.url}: {topic}: no answer within 0.5 s" in stderr
    assert title in _titles((tmp_path / "out" / "atom.xml").read_bytes())
    # When the ping reached the hub, the feed it names already held the new post.
    heard = [ping for ping in ws.hub.pings if ping.topic == topic]
    assert heard and title in _titles(heard[-1].held)
    assert heard[-1].form["hub.url"] == [topic]
    assert any(p["url"] == topic for p in _owed(tmp_path / "out"))


def test_removing_a_hub_drops_the_pings_owed_to_it(tmp_path: Path, ws: WebSub) -> None:
    site = _site(tmp_path)
    ws.hub.stop()
    code, stderr = _build(tmp_path, _config(tmp_path, ws.site, [ws.hub.url], hub_timeout=1))
    assert code == 5, stderr
    assert _owed(tmp_path / "out")
    _add_post(site, 3)
    code, stderr = _build(tmp_path, _config(tmp_path, ws.site, []))
    assert code == 0, stderr
    assert "feeds: hub" not in stderr
    assert not _owed(tmp_path / "out")
    assert b'rel="hub"' not in (tmp_path / "out" / "atom.xml").read_bytes()


def test_changing_the_hubs_rewrites_the_feeds_as_a_cold_build_would(
    tmp_path: Path, ws: WebSub
) -> None:
    _site(tmp_path)
    assert _build(tmp_path, _config(tmp_path, ws.site, []))[0] == 0
    config = _config(tmp_path, ws.site, [ws.hub.url])
    code, stderr = _build(tmp_path, config)
    assert code == 0, stderr
    assert "pinged hubs for" in stderr  # every feed changed: the hub hears of each
    incremental = _published(tmp_path / "out")
    cold = tmp_path / "cold"
    result = run_build("--source", tmp_path / "site", "--out", cold, config=config)
    assert result.exit_code == 0, result.stderr
    assert _published(cold) == incremental
    assert b'rel="hub"' in incremental["atom.xml"]


def _published(out: Path) -> dict[str, bytes]:
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and not any(p.startswith(".") for p in path.relative_to(out).parts)
    }


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (
            '["ftp://hub.example/"]',
            "a hub must be an absolute http(s) URL, not 'ftp://hub.example/'",
        ),
        ('"https://hub.example/"', "must be a list of hub URLs"),
        ('["hub.example"]', "a hub must be an absolute http(s) URL"),
    ],
)
def test_a_hub_that_is_not_an_http_url_is_a_config_error(
    tmp_path: Path, value: str, reason: str
) -> None:
    _site(tmp_path)
    config = tmp_path / "feeds.toml"
    config.write_text(f'url = "https://e.org"\nhubs = {value}\n', encoding="utf-8")
    code, stderr = _build(tmp_path, config)
    assert code == 2
    assert f"{config}: hubs: {reason}" in stderr


def test_pings_owed_stay_one_per_hub_and_feed_url() -> None:
    hub, feed = "https://hub.example/", "https://e.org/atom.xml"
    owed: list[Ping] = []
    for day in range(30):  # a month down, a post a day
        owed = due_pings(owed, (hub,), [feed], {feed}, day)
    assert owed == [Ping(hub, feed, 29)]
    assert due_pings(owed, (hub,), [], set(), 30) == []  # the feed is gone
    assert due_pings(owed, ("https://other.example/",), [], {feed}, 30) == []  # the hub too


def test_a_rebuild_with_nothing_to_ping_loads_no_http_code(tmp_path: Path) -> None:
    """Hubs configured, nothing changed, nothing owed: http.client is never imported."""
    write_archive(tmp_path / "site", 3, age=3600)
    config = _config(tmp_path, "https://e.org", ["http://127.0.0.1:9/hub"], hub_timeout=0.2)
    _build(tmp_path, config)  # no hub at port 9: owed, exit 5
    state = state_of(tmp_path / "out") / STATE_NAME
    data = json.loads(state.read_text(encoding="utf-8"))
    del data["pings"]
    state.write_text(json.dumps(data), encoding="utf-8")
    argv = [sys.executable, "-X", "importtime", "-m", "feeds", "build"]
    argv += ["--source", str(tmp_path / "site"), "--out", str(tmp_path / "out")]
    argv += ["--config", str(config)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "wrote 0 feeds" in done.stderr
    imported = {line.rpartition("|")[2].strip() for line in done.stderr.splitlines()}
    assert "http.client" not in imported
    assert "feeds.publish.hubs" not in imported


def test_a_skipped_post_wins_over_a_failed_ping(tmp_path: Path, ws: WebSub) -> None:
    """3 over 5: both are named; the post needs a person, the ping is retried by itself."""
    site = _site(tmp_path)
    (site / "2021-12-09-broken.md").write_text('---\ntitle: "a"b"\n---\nbody\n', encoding="utf-8")
    ws.hub.stop()
    code, stderr = _build(tmp_path, _config(tmp_path, ws.site, [ws.hub.url], hub_timeout=1))
    assert code == 3, stderr
    assert "2021-12-09-broken.md: front matter:" in stderr
    assert f"feeds: hub {ws.hub.url}: {ws.site}/atom.xml: connection refused" in stderr


def test_a_ping_owed_anew_by_a_later_build_is_not_settled_by_an_earlier_one(
    tmp_path: Path,
) -> None:
    """Pings run without the lock: one heard for an older write leaves a newer one owed."""
    hub, feed = "https://hub.example/", "https://e.org/atom.xml"
    write_state(tmp_path, State(pings=[Ping(hub, feed, 2), Ping(hub, feed + "?b", 1)]))
    settle_pings(tmp_path, [Ping(hub, feed, 1), Ping(hub, feed + "?b", 1)])
    assert read_state(tmp_path).pings == [Ping(hub, feed, 2)]


@pytest.mark.parametrize("value", ["-1", "61", '"5"'])
def test_a_hub_timeout_out_of_bounds_is_a_config_error(tmp_path: Path, value: str) -> None:
    _site(tmp_path)
    config = tmp_path / "feeds.toml"
    config.write_text(f'url = "https://e.org"\nhub_timeout = {value}\n', encoding="utf-8")
    code, stderr = _build(tmp_path, config)
    assert code == 2
    assert f"{config}: hub_timeout: must be" in stderr


def test_a_build_that_dies_between_two_feed_writes_still_owes_their_pings(
    tmp_path: Path, ws: WebSub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills as the second feed file is renamed into place (rename needs room for
    the new directory entry): the first holds the new post already, so the next build
    writes nothing there; the ping saved before the writes still reaches the hub, and the
    subscriber gets the post."""
    import feeds.files
    import feeds.publish.write

    site = _site(tmp_path)
    config = _config(tmp_path, ws.site, [ws.hub.url])
    assert _build(tmp_path, config)[0] == 0
    out = tmp_path / "out"
    real_replace, real_rename = feeds.publish.write.replace_files, Path.replace
    written: list[Path] = []

    def full_at_the_second(batch: list[tuple[Path, bytes]], folders: list[Path]) -> None:
        written.extend(path for path, _ in batch)
        renamed: list[Path] = []

        def rename(self: Path, target: Path) -> Path:
            if renamed:
                raise OSError(errno.ENOSPC, "No space left on device")
            renamed.append(target)
            return real_rename(self, target)

        monkeypatch.setattr(feeds.files.Path, "replace", rename)
        try:
            real_replace(batch, folders)
        finally:
            monkeypatch.setattr(feeds.files.Path, "replace", real_rename)

    monkeypatch.setattr(feeds.publish.write, "replace_files", full_at_the_second)
    title = _add_post(site, 3)
    code, stderr = _build(tmp_path, config)
    assert code == 1, stderr
    assert "No space left on device" in stderr
    assert len(written) > 1
    monkeypatch.undo()
    first = written[0]
    assert title in _titles(first.read_bytes())  # written before the build died
    topic = f"{ws.site}/{first.relative_to(out).as_posix()}"
    ws.subscribe(topic)

    code, stderr = _build(tmp_path, config)
    assert code == 0, stderr
    assert "feeds: hub" not in stderr
    delivered = ws.bodies(topic)
    assert delivered, "the subscriber never heard of the feed written before the crash"
    assert title in _titles(delivered[-1])
    assert not _owed(out)


def test_a_hub_that_answers_a_byte_at_a_time_is_cut_and_leaves_no_thread() -> None:
    """A socket's timeout is per read: a hub that trickles its answer would keep a ping's
    thread and socket for as long as it likes (under `feeds watch`, one more a build). Each
    try's connection is cut once its time is spent."""
    from feeds.publish.hubs import ping_all

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    stop = threading.Event()

    def trickle(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 600:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.1)

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=trickle, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    hub = f"http://127.0.0.1:{port}/"
    try:
        results = ping_all([(hub, "https://example.org/atom.xml")], timeout=0.5)
    finally:
        stop.set()
    assert results[hub, "https://example.org/atom.xml"] == "no whole answer within 0.5 s"
    assert not [t for t in threading.enumerate() if t.name == "feeds-ping"]
