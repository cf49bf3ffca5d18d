"""The webhook reaches only where the policy says, and no secret is stored or shown.

Issue 15, defects 2 (notifications marked delivered that never arrived) and 5
(secrets in the clear). Real HTTP servers on 127.0.0.1.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs
import pytest

from favorpolicy import (
    Customer,
    Fault,
    InvalidPolicy,
    Issue,
    Money,
    Policy,
    make_plugin_manager,
    policy_to_toml,
    resolve,
)
from favorpolicy.ledger import Ledger, resolve_and_record

USD = Policy.default("USD")
ISSUE = Issue("T-1", "late", Fault.UNKNOWN, Money("20", "USD"))
SECRET_ENV = "FAVORPOLICY_TEST_WEBHOOK_SECRET"  # noqa: S105  # a variable's name
SECRET = "s3cret-value-never-shown"  # noqa: S105  # a test's own


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


def webhook(url: str, **extra: object) -> Policy:
    settings = {"url": url, "secret_env": SECRET_ENV, "attempts": 1, **extra}
    return attrs.evolve(USD, settings={**USD.settings, "webhook_sink": settings})


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        server: Any = self.server
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with server.lock:
            server.hits.append(self.path)
        status, headers, size = server.answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b"x" * 65536
        try:
            for _ in range(size // len(chunk)):
                self.wfile.write(chunk)
        except OSError:  # the sink stopped reading, as it should
            pass

    do_GET = do_POST  # noqa: N815  # a redirect followed with GET would land here

    def log_message(self, format: str, *args: object) -> None:
        pass


def _server(answer: tuple[int, dict[str, str], int]) -> Any:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.lock = threading.Lock()
    server.hits = []
    server.answer = answer
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def servers() -> Iterator[list[Any]]:
    made: list[Any] = []
    yield made
    for server in made:
        server.shutdown()
        server.server_close()


class TestWhereAWebhookMayGo:
    @pytest.mark.parametrize(
        "url",
        [
            "file:///dev/zero",
            "data:,hello",
            "ftp://example.com/hook",
            "http://example.com/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::ffff:169.254.169.254]/hook",
            "https://0.0.0.0/hook",
            "https://[::]/hook",
            "https://[fe80::1]/hook",
            "not a url at all",
        ],
    )
    def test_a_url_that_could_go_astray_is_refused_at_load(self, url: str) -> None:
        with pytest.raises(InvalidPolicy, match=r"^settings\.webhook_sink\.url: "):
            webhook(url)

    def test_what_the_policy_allows_it_may(self) -> None:
        assert webhook("http://example.com/hook", allow_http=True)
        assert webhook("https://169.254.169.254/hook", allow_private_network=True)
        assert webhook("http://127.0.0.1:9/hook")
        assert webhook("https://hooks.example.com/T0/B0/token")

    def test_a_redirect_is_not_followed_and_is_not_delivered(self, servers: list[Any]) -> None:
        elsewhere = _server((200, {}, 0))
        redirecting = _server((302, {"Location": f"http://127.0.0.1:{elsewhere.server_port}/x"}, 0))
        servers += [elsewhere, redirecting]
        manager = make_plugin_manager(load_entrypoints=False)
        manager.delivery.attempts = 1
        policy = webhook(f"http://127.0.0.1:{redirecting.server_port}/hook")
        resolve(ISSUE, Customer("C"), policy, plugins=manager)
        assert manager.flush(timeout=20)
        manager.delivery.close()
        assert [] == elsewhere.hits
        (fault,) = manager.sink_faults
        assert "answered 302 (a redirect, which is not followed)" in fault.error

    def test_an_endless_answer_is_read_only_so_far(self, servers: list[Any]) -> None:
        endless = _server((200, {}, 512 * 65536))  # 32 MiB offered
        servers.append(endless)
        manager = make_plugin_manager(load_entrypoints=False)
        resolve(ISSUE, Customer("C"), webhook(f"http://127.0.0.1:{endless.server_port}/h"),
                plugins=manager)  # fmt: skip
        assert manager.flush(timeout=20)
        manager.delivery.close()
        assert [] == list(manager.sink_faults)
        assert 1 == len(endless.hits)


class TestSecrets:
    def test_a_secret_written_in_the_policy_is_refused(self) -> None:
        settings = {"url": "https://hooks.example.com/h", "secret": SECRET}
        with pytest.raises(InvalidPolicy, match=r"^settings\.webhook_sink\.secret: a secret is"):
            attrs.evolve(USD, settings={"webhook_sink": settings})
        with pytest.raises(InvalidPolicy, match=r"^settings\.smtp_sink\.password: a secret is"):
            attrs.evolve(USD, settings={"smtp_sink": {"host": "mail", "password": SECRET}})

    def test_the_secret_is_nowhere_the_policy_goes(self, tmp_path: Path) -> None:
        policy = webhook("https://hooks.example.com/h")
        assert SECRET not in repr(policy)
        assert SECRET not in policy_to_toml(policy)
        with Ledger(tmp_path / "shop.db") as ledger:
            resolve_and_record(ISSUE, Customer("C"), policy, ledger)
        assert SECRET.encode() not in (tmp_path / "shop.db").read_bytes()
        wal = tmp_path / "shop.db-wal"
        assert not wal.exists() or SECRET.encode() not in wal.read_bytes()

    def test_a_token_in_the_url_is_never_shown(self, servers: list[Any], tmp_path: Path) -> None:
        failing = _server((500, {}, 0))
        servers.append(failing)
        url = f"http://127.0.0.1:{failing.server_port}/services/T0/B0/TOKEN123?key=TOKEN456"
        policy = webhook(url)
        manager = make_plugin_manager(load_entrypoints=False)
        with Ledger(tmp_path / "shop.db") as ledger:
            resolve_and_record(ISSUE, Customer("C"), policy, ledger)
            ledger.deliver(manager, max_attempts=1, backoff=0)
            (letter,) = [d for d in ledger.dead_letters() if d.kind == "resolved"]
        manager.close()
        assert f"http://127.0.0.1:{failing.server_port}/…" in letter.last_error
        assert "TOKEN" not in letter.last_error
