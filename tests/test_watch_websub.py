"""`feeds watch` with WebSub hubs (issue 20): a post that lands under watch reaches a
subscriber through a real hub (Flask-WebSub's, tests/websub_hub.py) on loopback, and a
ping that failed is sent again by the watch itself, with backoff, while the source stays
quiet: no change and no full check is needed for a hub back up to hear of the feed."""

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import pytest
from synthetic import post_name, post_text, write_archive
from test_watch import Watch
from websub_hub import WebSub, websub

from conftest import state_of
from feeds.publish.state import STATE_NAME


@pytest.fixture
def watching() -> Iterator[Callable[..., Watch]]:
    started: list[Watch] = []

    def start(source: Path, out: Path, *args: str, config: Path) -> Watch:
        started.append(Watch(source, out, *args, config=config))
        return started[-1]

    yield start
    for watch in started:
        if watch.proc.poll() is None:
            watch.proc.kill()
            watch.proc.wait()


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[WebSub]:
    with websub(tmp_path / "out", tmp_path / "hub.sqlite") as running:
        yield running


def _config(tmp_path: Path, ws: WebSub) -> Path:
    path = tmp_path / "feeds.toml"
    lines = [f"url = {json.dumps(ws.site)}", 'timezone = "Asia/Shanghai"']
    lines += [f"hubs = {json.dumps([ws.hub.url])}", "hub_timeout = 2"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _land(site: Path, i: int) -> str:
    """Post i, written under a hidden name and renamed in, as a scraper lands it; its title."""
    temp = site / f".{post_name(i)}.tmp"
    temp.write_text(post_text(i), encoding="utf-8")
    temp.rename(site / post_name(i))
    return post_text(i).split('title: "', 1)[1].split('"', 1)[0]


def _received(ws: WebSub, topic: str, title: str) -> bool:
    return any(
        title in [entry.title for entry in feedparser.parse(body).entries]
        for body in ws.bodies(topic)
    )


def _owed(out: Path) -> list[object]:
    state = json.loads((state_of(out) / STATE_NAME).read_text(encoding="utf-8"))
    pings: list[object] = state.get("pings", [])
    return pings


def test_a_post_landed_under_watch_reaches_a_subscriber_through_the_hub(
    tmp_path: Path, ws: WebSub, watching: Callable[..., Watch]
) -> None:
    site = write_archive(tmp_path / "site", 3)
    watch = watching(site, tmp_path / "out", config=_config(tmp_path, ws))
    topic = f"{ws.site}/atom.xml"
    ws.subscribe(topic)
    title = _land(site, 3)
    watch.wait_for(lambda: _received(ws, topic, title))
    assert "feeds: hub" not in watch.log()
    assert "pinged hubs for" in watch.lines[-1]
    assert watch.stop() == 0


def test_a_failed_ping_is_tried_again_with_backoff_until_the_hub_is_back(
    tmp_path: Path, ws: WebSub, watching: Callable[..., Watch]
) -> None:
    site = write_archive(tmp_path / "site", 3)
    out = tmp_path / "out"
    watch = watching(site, out, config=_config(tmp_path, ws))
    topic = f"{ws.site}/atom.xml"
    ws.subscribe(topic)
    ws.hub.stop()
    title = _land(site, 3)
    watch.wait_for(lambda: watch.builds() == 2)
    assert f"feeds: hub {ws.hub.url}: {topic}: connection refused" in watch.log()
    [line] = [line for line in watch.lines if line.startswith("feeds watch: build 2:")]
    assert "failed; next try in 1 s)" in line  # then:
    # tried again on its own, the pause doubling.
    watch.wait_for(lambda: "failed; next try in 4 s" in watch.log())
    assert "failed; next try in 2 s" in watch.log()
    assert _owed(out)

    ws.hub.start()  # on the same port, the subscription kept
    watch.wait_for(lambda: _received(ws, topic, title))
    assert watch.builds() == 2  # no build was needed: the watch sent the pings owed
    # The subscriber may hear before the watch logs it: wait for the retry that all heard.
    tries = "feeds watch: hub pings tried again:"
    watch.wait_for(lambda: any(x.startswith(tries) and "failed" not in x for x in watch.lines))
    assert "failed" not in [x for x in watch.lines if x.startswith(tries)][-1]
    assert not _owed(out)
    assert watch.stop() == 0
