"""A real WebSub hub on loopback, with the web server that serves the feeds and a
subscriber: for the tests, and for the latency benchmark (benchmarks/latency.py imports
it: it needs Flask-WebSub, from the `test` extra, and nothing of pytest's).

The hub is Flask-WebSub's (`flask_websub.hub`), its Celery tasks run eagerly: a publish
ping is answered once the hub has fetched the topic and posted it to every subscriber,
so a build that returns has delivered. The feed server serves the output folder with
the `Link: rel="hub"`, `rel="self"` header the hub checks before it distributes (WebSub
§4, as deploy/ would configure a web server). The subscriber is a minimal WSGI callback:
it answers the hub's verification challenge and keeps what it is sent.

    with websub(out) as ws:
        config: url = ws.site, hubs = [ws.hub.url]
        ws.subscribe(ws.site + "/atom.xml")
        ... build ...
        ws.subscriber.received  # [(topic, body), ...]
"""

import contextlib
import functools
import http.server
import io
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import Celery
from flask import Flask
from flask_websub.hub import Hub, SQLite3HubStorage
from werkzeug.serving import BaseWSGIServer, make_server

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
LOOPBACK = "127.0.0.1"


class _Server:
    """A WSGI app served on loopback by a thread, stopped and started again on its port."""

    def __init__(self, app: Callable[[Environ, StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self.port = 0
        self.server: BaseWSGIServer | None = None

    def start(self) -> None:
        self.server = make_server(LOOPBACK, self.port, self.app, threaded=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Down: connections to its port are refused until it is started again."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


@dataclass
class Published:
    """A publish ping as the hub got it, and what its topic held at that moment."""

    form: dict[str, list[str]]
    topic: str
    held: bytes


class RealHub(_Server):
    """Flask-WebSub's hub, its Celery tasks eager, at `url`. `delay`: seconds it waits
    before answering a publish ping, as a slow hub would; `pings` records each publish
    ping on arrival, with the topic's content as a reader would fetch it then (`record`:
    the latency benchmark leaves that fetch out)."""

    def __init__(self, db: Path, *, record: bool = True) -> None:
        celery = Celery("websub-hub", broker="memory://", backend="cache+memory://")
        celery.conf.task_always_eager = True
        app = Flask("websub-hub")
        app.config["PUBLISH_SUPPORTED"] = True  # the publish mode feeds pings
        hub = Hub(
            SQLite3HubStorage(str(db)),
            celery,
            REQUEST_TIMEOUT=10,
            MAX_ATTEMPTS=2,
            BACKOFF_BASE=0.01,
        )
        app.register_blueprint(hub.build_blueprint(url_prefix="/hub"))
        self.flask = app
        self.delay = 0.0
        self.record = record
        self.pings: list[Published] = []
        super().__init__(self._wsgi)

    @property
    def url(self) -> str:
        return f"{self.base}/hub"

    def _wsgi(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size)
        environ["wsgi.input"] = io.BytesIO(body)
        form = urllib.parse.parse_qs(body.decode("ascii", "replace"))
        if self.record and form.get("hub.mode") == ["publish"]:
            topic = (form.get("hub.topic") or form.get("hub.url") or [""])[0]
            self.pings.append(Published(form, topic, _fetch(topic)))
            time.sleep(self.delay)
        result: Iterable[bytes] = self.flask.wsgi_app(environ, start_response)
        return result


class Subscriber(_Server):
    """Answers the hub's challenge (subscribe, unsubscribe) and keeps each delivery."""

    def __init__(self) -> None:
        self.received: list[tuple[str, bytes]] = []  # (topic, body), in arrival order
        self.timed: list[tuple[float, bytes]] = []  # (time.perf_counter() on arrival, body)
        self.verified: list[str] = []  # the topics whose subscription it confirmed
        super().__init__(self._wsgi)

    @property
    def callback(self) -> str:
        return f"{self.base}/callback"

    def _wsgi(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        if environ["REQUEST_METHOD"] == "GET" and "hub.challenge" in query:
            self.verified.extend(query.get("hub.topic", []))
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [query["hub.challenge"][0].encode()]
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size)
        self.timed.append((time.perf_counter(), body))
        self.received.append((_self_link(environ.get("HTTP_LINK", "")), body))
        start_response("204 No Content", [])
        return [b""]


class FeedServer:
    """Serves the output folder, with WebSub's Link header naming the hubs and the file."""

    def __init__(self, out: Path, hubs: Callable[[], list[str]]) -> None:
        self.hubs = hubs
        handler = functools.partial(_FeedHandler, self, directory=str(out))
        self.server = http.server.ThreadingHTTPServer((LOOPBACK, 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://{LOOPBACK}:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _FeedHandler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, feeds: FeedServer, *args: Any, **kwargs: Any) -> None:
        self.feeds = feeds
        super().__init__(*args, **kwargs)

    def end_headers(self) -> None:
        links = [f'<{hub}>; rel="hub"' for hub in self.feeds.hubs()]
        links.append(f'<{self.feeds.base}{self.path}>; rel="self"')
        self.send_header("Link", ", ".join(links))
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet: pytest shows stderr
        pass


@dataclass
class WebSub:
    """The hub, the server of `out` (the site: its URL is the config's `url`) and a
    subscriber, all on loopback."""

    hub: RealHub
    feeds: FeedServer
    subscriber: Subscriber
    hubs: list[str] = field(default_factory=list)  # what the Link header names

    @property
    def site(self) -> str:
        return self.feeds.base

    def subscribe(self, topic: str) -> None:
        """Subscribe the subscriber to `topic` through the hub; the hub verifies the
        intent (eagerly, within this request) before it answers."""
        form = {
            "hub.mode": "subscribe",
            "hub.topic": topic,
            "hub.callback": self.subscriber.callback,
        }
        _post(self.hub.url, form)
        assert topic in self.subscriber.verified, f"the hub did not verify {topic}"

    def bodies(self, topic: str) -> list[bytes]:
        return [body for link, body in self.subscriber.received if link == topic]


@contextlib.contextmanager
def websub(out: Path, db: Path, *, record: bool = True) -> Iterator[WebSub]:
    """A running hub (its subscriptions in `db`), a server of `out`, and a subscriber."""
    hub, subscriber = RealHub(db, record=record), Subscriber()
    hub.start()
    subscriber.start()
    state = WebSub(hub, FeedServer(out, lambda: state.hubs), subscriber)
    state.hubs = [hub.url]
    try:
        yield state
    finally:
        for server in (hub, subscriber, state.feeds):
            server.stop()


def _post(url: str, form: dict[str, str]) -> None:
    data = urllib.parse.urlencode(form).encode("ascii")
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=30) as answer:
        assert 200 <= answer.status < 300, answer.status


def _fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            data: bytes = answer.read()
            return data
    except OSError:
        return b""


def _self_link(header: str) -> str:
    """The topic a delivery is of: its Link header's rel="self" (WebSub §7)."""
    for part in header.split(","):
        target, _, params = part.partition(";")
        if 'rel="self"' in params:
            return target.strip().strip("<>")
    return ""
