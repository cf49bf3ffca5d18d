"""The built-in sinks, against real files and real HTTP and SMTP servers on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiosmtpd.controller import Controller

from favorpolicy import (
    Customer,
    EventKind,
    Fault,
    Issue,
    Money,
    PluginManager,
    Policy,
    hookimpl,
    make_plugin_manager,
    resolve,
)
from favorpolicy.builtin.sinks import SIGNATURE_HEADER, sign
from favorpolicy.testing import RecordingSink

USD = Policy.default("USD")
ESCALATED = Issue("T-9", "damaged", Fault.BUSINESS, Money("3000", "USD"), severity=3)
ABUSIVE = Issue(
    "T-10", "late", Fault.UNKNOWN, Money("20", "USD"), conduct="You are useless idiots."
)

#: The environment variable the webhook tests' policies name for the signing secret.
SECRET_ENV = "FAVORPOLICY_TEST_WEBHOOK_SECRET"  # noqa: S105  # a variable's name


@pytest.fixture(autouse=True)
def _webhook_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "s3cret")  # read by the sink, never written in a policy


def with_settings(**settings: dict[str, Any]) -> Policy:
    return attrs.evolve(USD, settings={**USD.settings, **settings})


@pytest.fixture
def pm() -> Iterator[PluginManager]:
    manager = make_plugin_manager(load_entrypoints=False)
    yield manager
    manager.close()


class TestJsonlSink:
    def test_appends_one_event_per_line(self, pm: PluginManager, tmp_path: Path) -> None:
        path = tmp_path / "events.jsonl"
        policy = with_settings(jsonl_sink={"path": str(path)})
        resolution = resolve(ESCALATED, Customer("c"), policy, plugins=pm)
        resolve(attrs.evolve(ESCALATED, id="T-ü"), Customer("c"), policy, plugins=pm)
        assert pm.flush(timeout=10)
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert ["resolved", "escalated", "resolved", "escalated"] == [e["kind"] for e in lines]
        assert resolution.key == lines[0]["key"]
        assert "owner" == lines[1]["role"]
        assert "3000.00 USD" == lines[0]["resolution"]["owed"]
        assert "T-ü" == lines[2]["issue_id"]
        assert len({e["id"] for e in lines}) == 4

    def test_is_off_without_a_path(self, pm: PluginManager, tmp_path: Path) -> None:
        resolve(ESCALATED, Customer("c"), USD, plugins=pm)
        assert pm.flush(timeout=10)
        assert [] == list(tmp_path.iterdir())


class TestLoggingSink:
    def test_logs_with_structured_fields(
        self, pm: PluginManager, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="favorpolicy.events"):
            resolve(ESCALATED, Customer("c"), USD, plugins=pm)
            assert pm.flush(timeout=10)
        # Only this test's issue: other tests' events may still be on their way.
        records = [r for r in caplog.records if getattr(r, "issue_id", None) == "T-9"]
        assert ["resolved", "escalated"] == [r.event_kind for r in records]  # type: ignore[attr-defined]
        assert [logging.INFO, logging.WARNING] == [r.levelno for r in records]
        assert "T-9" == records[1].issue_id  # type: ignore[attr-defined]
        assert "owner" == records[1].favorpolicy_event["role"]  # type: ignore[attr-defined]

    def test_can_be_turned_off(self, pm: PluginManager, caplog: pytest.LogCaptureFixture) -> None:
        policy = with_settings(logging_sink={"enabled": False})
        with caplog.at_level(logging.DEBUG, logger="favorpolicy.events"):
            resolve(ESCALATED, Customer("c"), policy, plugins=pm)
            assert pm.flush(timeout=10)
        assert not [r for r in caplog.records if getattr(r, "issue_id", None) == "T-9"]

    def test_builds_nothing_until_a_handler_would_hear_it(
        self, pm: PluginManager, capfd: pytest.CaptureFixture[str]
    ) -> None:
        events = logging.getLogger("favorpolicy.events")
        heard: list[logging.LogRecord] = []

        class Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                heard.append(record)

        keep, quiet = Keep(logging.ERROR), logging.NullHandler()
        events.propagate = False  # away from the handlers pytest put on the root logger
        events.addHandler(quiet)
        try:
            # Only a NullHandler would get the record: nothing is built, nothing queued.
            resolve(ESCALATED, Customer("c"), USD, plugins=pm)
            assert pm.delivery._thread is None
            # No handler at all on the way: logging's last resort prints warnings.
            events.removeHandler(quiet)
            resolve(attrs.evolve(ESCALATED, id="T-last"), Customer("c"), USD, plugins=pm)
            assert pm.flush(timeout=10)
            assert "issue T-last for customer c: needs 'owner' to approve" in capfd.readouterr().err
            # A handler for errors hears nothing at the default levels...
            events.addHandler(keep)
            resolve(attrs.evolve(ESCALATED, id="T-unheard"), Customer("c"), USD, plugins=pm)
            assert pm.flush(timeout=10)
            assert [] == heard
            # ...and everything once the policy logs at ERROR.
            loud = with_settings(logging_sink={"level": "ERROR"})
            resolve(attrs.evolve(ESCALATED, id="T-heard"), Customer("c"), loud, plugins=pm)
            assert pm.flush(timeout=10)
        finally:
            events.removeHandler(keep)
            events.removeHandler(quiet)
            events.propagate = True
        assert [("T-heard", "resolved"), ("T-heard", "escalated")] == [
            (r.issue_id, r.event_kind)  # type: ignore[attr-defined]
            for r in heard
        ]
        assert {logging.ERROR} == {r.levelno for r in heard}


class _Recorder(BaseHTTPRequestHandler):
    """Answers with the server's scripted status codes, and records each request."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server: Any = self.server
        with server.lock:
            server.requests.append((dict(self.headers), body))
            status = server.script.pop(0) if server.script else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # the base's name
        pass


@pytest.fixture
def http_server() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.lock = threading.Lock()
    server.requests = []
    server.script = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _webhook(url: str, **extra: object) -> Policy:
    settings = {"url": url, "secret_env": SECRET_ENV, "timeout_ms": 2000, "backoff_ms": 10, **extra}
    return with_settings(webhook_sink=settings)


class TestWebhookSink:
    def test_posts_signed_json(self, pm: PluginManager, http_server: Any) -> None:
        url = f"http://127.0.0.1:{http_server.server_port}/hook"
        resolution = resolve(ESCALATED, Customer("c"), _webhook(url), plugins=pm)
        assert pm.flush(timeout=10)
        assert 2 == len(http_server.requests)
        headers, body = http_server.requests[0]
        timestamp, signature = (
            part.split("=", 1)[1] for part in headers[SIGNATURE_HEADER].split(",")
        )
        expected = hmac.new(b"s3cret", timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(expected, signature)
        assert sign("s3cret", timestamp, body) == headers[SIGNATURE_HEADER]
        event = json.loads(body)
        assert ("resolved", resolution.key) == (event["kind"], event["key"])
        assert event["id"] == headers["Idempotency-Key"]
        assert "application/json" == headers["Content-Type"]
        assert [] == list(pm.sink_faults)

    def test_a_500_is_retried_until_a_200(self, pm: PluginManager, http_server: Any) -> None:
        http_server.script = [500]
        url = f"http://127.0.0.1:{http_server.server_port}/hook"
        resolve(
            attrs.evolve(ESCALATED, loss=Money(10, "USD")), Customer("c"), _webhook(url), plugins=pm
        )
        assert pm.flush(timeout=10)
        bodies = [body for _, body in http_server.requests]
        assert 2 == len(bodies)
        assert bodies[0] == bodies[1]  # the same event, the same id, sent again
        assert [] == list(pm.sink_faults)

    def test_a_400_is_not_retried_and_is_recorded(
        self, pm: PluginManager, http_server: Any
    ) -> None:
        http_server.script = [400, 400, 400]
        pm.delivery.attempts = 1
        url = f"http://127.0.0.1:{http_server.server_port}/hook"
        resolve(
            attrs.evolve(ESCALATED, loss=Money(10, "USD")), Customer("c"), _webhook(url), plugins=pm
        )
        assert pm.flush(timeout=10)
        assert 1 == len(http_server.requests)
        assert "answered 400" in pm.sink_faults[0].error

    def test_a_server_that_never_answers_is_recorded_and_resolve_goes_on(
        self, pm: PluginManager
    ) -> None:
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts connections, never answers
        sink = RecordingSink()
        pm.register(sink)
        pm.delivery.attempts = 1
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        policy = _webhook(url, timeout_ms=200, attempts=2)
        try:
            resolution = resolve(attrs.evolve(ESCALATED, loss=Money(10, "USD")), Customer("c"),
                                 policy, plugins=pm)  # fmt: skip
            assert Money("10.00", "USD") == resolution.owed
            assert pm.flush(timeout=20)
        finally:
            silent.close()
        (fault,) = pm.sink_faults
        assert "webhook_sink" == fault.plugin
        assert "failed 2 time(s)" in fault.error
        assert [EventKind.RESOLVED, EventKind.PLUGIN_FAULT] == sink.kinds()


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:  # noqa: N802
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        self.arrived.set()
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, _Mailbox]]:
    mailbox = _Mailbox()
    with socket.socket() as probe:  # aiosmtpd checks readiness on its port, so it needs a real one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, mailbox
    controller.stop()


class TestSmtpSink:
    def test_emails_the_owner_on_escalation_and_abuse(
        self, pm: PluginManager, smtp_server: tuple[Controller, _Mailbox]
    ) -> None:
        controller, mailbox = smtp_server
        port = controller.port
        policy = with_settings(
            smtp_sink={
                "host": "127.0.0.1",
                "port": port,
                "to": ["owner@shop.example"],
                "sender": "desk@shop.example",
            }
        )
        resolve(ESCALATED, Customer("c"), policy, plugins=pm)
        resolve(ABUSIVE, Customer("c"), policy, plugins=pm)
        resolve(
            attrs.evolve(ABUSIVE, id="T-11", conduct="Thanks!"), Customer("c"), policy, plugins=pm
        )
        assert pm.flush(timeout=20)
        assert [] == list(pm.sink_faults)
        subjects = sorted(message["Subject"] for _, message in mailbox.messages)
        assert [
            "[favorpolicy] Abuse flagged: issue T-10",
            "[favorpolicy] Needs owner approval: issue T-9",
        ] == subjects
        recipients, message = mailbox.messages[0]
        assert ["owner@shop.example"] == recipients
        assert "desk@shop.example" == message["From"]


class TestSmtpSinkHardening:
    """Issue 15: the owner is told even of odd ids and failed screens; no login in clear."""

    @staticmethod
    def _policy(port: int, **more: object) -> Policy:
        return with_settings(
            smtp_sink={"host": "127.0.0.1", "port": port, "to": ["owner@shop.example"], **more}
        )

    def test_an_issue_id_with_a_line_break_is_mailed_with_it_escaped(
        self, pm: PluginManager, smtp_server: tuple[Controller, _Mailbox]
    ) -> None:
        controller, mailbox = smtp_server
        issue = attrs.evolve(ESCALATED, id="T-9\r\nBcc: everyone@example.com")
        resolve(issue, Customer("c"), self._policy(controller.port), plugins=pm)
        assert pm.flush(timeout=20)
        assert [] == list(pm.sink_faults)
        [(recipients, message)] = mailbox.messages
        assert ["owner@shop.example"] == recipients
        unfolded = " ".join(str(message["Subject"]).split())  # a long header is folded
        expected = "[favorpolicy] Needs owner approval: issue T-9\\r\\nBcc: everyone@example.com"
        assert expected == unfolded
        assert message["Bcc"] is None

    def test_a_screen_that_times_out_is_mailed_to_the_owner(
        self, pm: PluginManager, smtp_server: tuple[Controller, _Mailbox]
    ) -> None:
        controller, mailbox = smtp_server

        class SlowScreen:
            @hookimpl
            def favorpolicy_screen(self, issue: Issue) -> None:
                time.sleep(0.05)

        pm.register(SlowScreen(), name="slow_screen")
        policy = attrs.evolve(self._policy(controller.port), hook_budget_ms=1)
        resolve(ABUSIVE, Customer("c"), policy, plugins=pm)
        assert pm.flush(timeout=20)
        subjects = [message["Subject"] for _, message in mailbox.messages]
        assert "[favorpolicy] A conduct screen failed: issue T-10" in subjects

    def test_a_login_is_never_sent_without_tls(
        self, pm: PluginManager, smtp_server: tuple[Controller, _Mailbox]
    ) -> None:
        controller, mailbox = smtp_server
        policy = self._policy(controller.port, username="desk", password_env=SECRET_ENV)
        pm.delivery.attempts = 1
        resolve(ESCALATED, Customer("c"), policy, plugins=pm)
        assert pm.flush(timeout=20)
        assert [] == mailbox.messages
        [fault] = pm.sink_faults
        assert "sent only over TLS" in fault.error
        assert "s3cret" not in fault.error
