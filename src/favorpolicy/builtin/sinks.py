"""The built-in notification sinks: logging, a JSON Lines file, a webhook and email.

Each is configured through ``Policy.settings[<name>]`` of the policy that made
the event, and does nothing until configured (the logging sink is on unless
turned off). Network clients are imported when first used, not at start-up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from .. import _log
from .._events import BuiltinSink, Event, EventKind
from .._forms import event_to_dict
from .._policy import Policy
from .._sink_settings import forbidden_address, redacted
from ..hookspecs import hookimpl

__all__ = [
    "JsonlSink",
    "LoggingSink",
    "SmtpSink",
    "WebhookSink",
    "event_json",
    "header_text",
    "secret_of",
    "sign",
]

#: The header carrying the webhook's signature.
SIGNATURE_HEADER: Final = "X-Favorpolicy-Signature"


def event_json(event: Event) -> dict[str, Any]:
    """The event as plain JSON data (see :func:`favorpolicy._forms.event_to_dict`)."""
    return event_to_dict(event)


def _settings(event: Event, name: str) -> Mapping[str, object]:
    return _policy_settings(event.policy, name)


def _policy_settings(policy: Policy | None, name: str) -> Mapping[str, object]:
    return policy.settings_for(name) if policy is not None else {}


def _seconds(settings: Mapping[str, object], key: str, default_ms: int) -> float:
    value = settings.get(key, default_ms)
    return int(value) / 1000 if isinstance(value, int | Decimal | str) else default_ms / 1000


def _heard(logger: logging.Logger, level: int) -> bool:
    """Whether a record at *level* would reach a handler other than a NullHandler.

    The walk logging itself makes to hand a record out (``Logger.callHandlers``).
    favorpolicy's own NullHandler keeps logging's last-resort handler out of it,
    so with no handler of the application's the sink builds no record at all.
    """
    if not logger.isEnabledFor(level):
        return False
    found = 0
    current: logging.Logger | None = logger
    while current is not None:
        for handler in current.handlers:
            found += 1
            if level >= handler.level and not isinstance(handler, logging.NullHandler):
                return True
        if not current.propagate:
            break
        current = current.parent
    # With no handler at all on the way, logging hands the record to its last resort.
    last_resort = logging.lastResort
    return not found and last_resort is not None and level >= last_resort.level


class LoggingSink(BuiltinSink):
    """Log every event to the ``favorpolicy.events`` logger, with structured fields.

    Each record carries ``favorpolicy_event`` (the event as JSON data) and
    ``event_kind``, ``event_id`` and ``issue_id`` as attributes, for handlers
    and formatters that want fields rather than text. Settings
    (``logging_sink``): ``enabled`` (default true), ``level`` (default
    ``INFO``; escalations, abuse flags and faults log at ``WARNING``).

    It builds a record only when a handler other than a ``NullHandler`` would
    receive it, so an application that configured no logging pays nothing.
    """

    logger = _log.logger("favorpolicy.events")

    @staticmethod
    def _base_level(settings: Mapping[str, object]) -> int | None:
        """The level of a ``resolved`` event under *settings*; None when the sink is off."""
        if not settings.get("enabled", True):
            return None
        level = logging.getLevelName(str(settings.get("level", "INFO")).upper())
        return level if isinstance(level, int) else logging.INFO

    def _level(self, event: Event) -> int | None:
        level = self._base_level(_settings(event, "logging_sink"))
        if level is None:
            return None
        if event.kind is not EventKind.RESOLVED:
            level = max(level, logging.WARNING)
        return level if _heard(self.logger, level) else None

    def active_for(self, policy: Policy | None) -> bool:
        level = self._base_level(_policy_settings(policy, "logging_sink"))
        # The other events log at the higher of the setting and WARNING: if any is heard,
        # those are.
        return level is not None and _heard(self.logger, max(level, logging.WARNING))

    def wants(self, event: Event) -> bool:
        return self._level(event) is not None

    @hookimpl
    def favorpolicy_notify(self, event: Event) -> None:
        level = self._level(event)
        if level is None:
            return
        self.logger.log(
            level,
            event.summary(),
            extra={
                "favorpolicy_event": event_json(event),
                "event_kind": event.kind.value,
                "event_id": event.id,
                "issue_id": event.issue_id,
            },
        )


class JsonlSink(BuiltinSink):
    """Append every event to a JSON Lines file, one object a line, and fsync.

    Settings (``jsonl_sink``): ``path`` (required to turn it on).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def active_for(self, policy: Policy | None) -> bool:
        return bool(_policy_settings(policy, "jsonl_sink").get("path"))

    @hookimpl
    def favorpolicy_notify(self, event: Event) -> None:
        path = _settings(event, "jsonl_sink").get("path")
        if not isinstance(path, str) or not path:
            return
        line = json.dumps(event_json(event), ensure_ascii=False, sort_keys=True) + "\n"
        # open(), not Path.open(): pathlib is slow to load, and is not needed elsewhere here.
        with self._lock, open(path, "a", encoding="utf-8") as file:
            file.write(line)
            file.flush()
            os.fsync(file.fileno())


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The webhook signature: ``t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>." + body>``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def secret_of(settings: Mapping[str, object], name: str, plugin: str) -> str | None:
    """The secret the settings name as ``<name>_env`` or ``<name>_file``; None if none is named.

    Read when it is needed, never kept: the policy holds only its name.
    """
    variable, file = settings.get(f"{name}_env"), settings.get(f"{name}_file")
    if isinstance(variable, str) and variable:
        value = os.environ.get(variable)
        if not value:
            raise LookupError(f"{plugin}: the environment variable {variable} is not set")
        return value
    if isinstance(file, str) and file:
        try:
            with open(file, encoding="utf-8") as stream:  # pathlib is slow to load
                return stream.read(4096).strip()
        except OSError as error:
            raise LookupError(
                f"{plugin}: {name}_file {file} cannot be read: {error.strerror}"
            ) from None
    return None


#: The most of a webhook's answer that is read; the rest is never fetched.
_ANSWER_LIMIT: Final = 64 * 1024


class WebhookSink(BuiltinSink):
    """POST every event as JSON, signed with HMAC-SHA256.

    The ``X-Favorpolicy-Signature`` header is ``t=<unix time>,v1=<hex>``, the
    HMAC-SHA256 with the shared secret of the timestamp, a dot, and the raw
    body: check it, and refuse old timestamps, to reject forgeries and
    replays. ``Idempotency-Key`` carries the event id.

    Settings (``webhook_sink``): ``url`` (required: https, or http to this
    machine), ``secret_env`` or ``secret_file`` (required with ``url``: the
    environment variable or file that holds the signing secret),
    ``timeout_ms`` (default 2000), ``attempts`` (default 3), ``backoff_ms``
    (default 200, doubled after each failed attempt), ``allow_http`` and
    ``allow_private_network`` (default false). A 5xx answer or a network
    error is retried; a 4xx is not, and neither is a redirect, which is never
    followed. Only the first 64 KiB of an answer is read. The URL is shown
    only as its scheme and host, in every error and log.
    """

    def active_for(self, policy: Policy | None) -> bool:
        return bool(_policy_settings(policy, "webhook_sink").get("url"))

    @hookimpl
    def favorpolicy_notify(self, event: Event) -> None:
        settings = _settings(event, "webhook_sink")
        url = settings.get("url")
        if not isinstance(url, str) or not url:
            return
        secret = secret_of(settings, "secret", "webhook_sink")
        if not secret:
            raise LookupError("webhook_sink: a url needs secret_env or secret_file to sign with")
        body = json.dumps(event_json(event), ensure_ascii=False, sort_keys=True).encode()
        timeout = _seconds(settings, "timeout_ms", 2000)
        attempts = int(str(settings.get("attempts", 3)))
        backoff = _seconds(settings, "backoff_ms", 200)
        private = settings.get("allow_private_network") is True
        error: Exception | None = None
        for attempt in range(max(attempts, 1)):
            if attempt:
                time.sleep(backoff * 2 ** (attempt - 1))
            try:
                self._post(url, secret, body, event.id, timeout, private=private)
            except _Permanent:
                raise
            except OSError as exc:
                error = exc
            else:
                return
        raise ConnectionError(f"webhook {redacted(url)} failed {attempts} time(s): {error}")

    @staticmethod
    def _post(  # one signed request and where it may go
        url: str, secret: str, body: bytes, event_id: str, timeout: float, *, private: bool
    ) -> None:
        import socket  # noqa: PLC0415  # network clients load on first use
        import urllib.error  # noqa: PLC0415  # network clients load on first use
        import urllib.parse  # noqa: PLC0415  # network clients load on first use
        import urllib.request  # noqa: PLC0415  # network clients load on first use

        shown = redacted(url)
        host = urllib.parse.urlsplit(url).hostname or ""
        if not private:
            try:
                found = socket.getaddrinfo(host, None)
            except OSError as exc:
                raise OSError(f"webhook {shown}: cannot resolve the host: {exc}") from None
            if any(forbidden_address(str(info[4][0])) for info in found):
                raise _Permanent(
                    f"webhook {shown} resolves to a link-local, metadata or unspecified address"
                )
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310  # the policy's URL, checked at load
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(secret, timestamp, body),
                "Idempotency-Key": event_id,
                "User-Agent": "favorpolicy",
            },
        )
        opener = urllib.request.build_opener(_no_redirects())
        try:
            with opener.open(request, timeout=timeout) as response:
                response.read(_ANSWER_LIMIT)
        except urllib.error.HTTPError as exc:
            exc.close()  # the error carries the open response
            if exc.code < 500:
                what = "a redirect, which is not followed" if 300 <= exc.code < 400 else "it"
                raise _Permanent(f"webhook {shown} answered {exc.code} ({what})") from None
            raise OSError(f"webhook {shown} answered {exc.code}") from None
        except urllib.error.URLError as exc:
            raise OSError(f"webhook {shown}: {exc.reason}") from None


def _no_redirects() -> type:
    import urllib.request  # noqa: PLC0415  # network clients load on first use

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        """A redirect is an answer, not a new place to send the event (with its signature)."""

        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    return NoRedirects


class _Permanent(Exception):  # internal signal, never escapes the sink's caller
    """A webhook answer that retrying cannot fix."""


def header_text(value: object) -> str:
    """*value* as one line of an e-mail header: line breaks and other controls escaped.

    An issue id with a CR or LF in it must not fail every e-mail about it (and
    end as a dead letter, the owner never told), nor add a header of its own.
    """
    text = str(value)
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode() for char in text
    )


class SmtpSink(BuiltinSink):
    """Email the owner on ``abuse_flagged`` and ``escalated`` events, and when a screen fails.

    A conduct screen that raised or ran out of time (a ``plugin_fault`` of
    ``favorpolicy_screen``) is mailed too: abuse that went unscreened is
    something the owner must hear of.

    Settings (``smtp_sink``): ``host`` and ``to`` (a list of addresses) turn
    it on; ``port`` (default 25), ``sender`` (default
    ``favorpolicy@localhost``), ``timeout_ms`` (default 5000), ``starttls``
    (default false) or ``tls`` (default false: SMTP over TLS from the start),
    ``username`` with ``password_env`` or ``password_file`` (optional: the
    environment variable or file that holds the password). A login is only ever sent over
    TLS: with a username and no ``starttls`` or ``tls``, the sink refuses to
    send, and the relay keeps the event for when that is mended.
    """

    kinds: Final = frozenset({EventKind.ABUSE_FLAGGED, EventKind.ESCALATED})

    def active_for(self, policy: Policy | None) -> bool:
        settings = _policy_settings(policy, "smtp_sink")
        return bool(settings.get("host") and settings.get("to"))

    def _mails(self, event: Event) -> bool:
        if event.kind in self.kinds:
            return True
        fault = event.fault
        return (
            event.kind is EventKind.PLUGIN_FAULT
            and fault is not None
            and (fault.hook == "favorpolicy_screen")
        )

    def wants(self, event: Event) -> bool:
        return self._mails(event) and self.active_for(event.policy)

    @hookimpl
    def favorpolicy_notify(self, event: Event) -> None:
        if not self._mails(event):
            return
        settings = _settings(event, "smtp_sink")
        host, recipients = settings.get("host"), settings.get("to")
        if not isinstance(host, str) or not recipients:
            return
        username = settings.get("username")
        login = isinstance(username, str) and bool(username)
        encrypted = bool(settings.get("starttls") or settings.get("tls"))
        if login and not encrypted:
            raise PermissionError(
                "smtp_sink: a username and password are sent only over TLS; "
                "set starttls = true (or tls = true)"
            )
        import smtplib  # noqa: PLC0415  # network clients load on first use
        from email.message import EmailMessage  # noqa: PLC0415  # network clients load on first use

        to = [recipients] if isinstance(recipients, str) else [str(r) for r in recipients]  # type: ignore[attr-defined]
        message = EmailMessage()
        message["From"] = header_text(settings.get("sender", "favorpolicy@localhost"))
        message["To"] = header_text(", ".join(to))
        subject = {
            EventKind.ABUSE_FLAGGED: "Abuse flagged",
            EventKind.ESCALATED: f"Needs {event.role} approval",
            EventKind.PLUGIN_FAULT: "A conduct screen failed",
        }[event.kind]
        message["Subject"] = header_text(f"[favorpolicy] {subject}: issue {event.issue_id}")
        message["Message-ID"] = f"<{event.id}@favorpolicy>"
        text = [event.summary(), ""]
        if event.resolution is not None:
            text.append(event.resolution.explain())
        message.set_content("\n".join(text))
        port = int(str(settings.get("port", 465 if settings.get("tls") else 25)))
        timeout = _seconds(settings, "timeout_ms", 5000)
        kind = smtplib.SMTP_SSL if settings.get("tls") else smtplib.SMTP
        with kind(host, port, timeout=timeout) as client:
            if settings.get("starttls") and not settings.get("tls"):
                client.starttls()
            if login:
                password = secret_of(settings, "password", "smtp_sink")
                client.login(str(username), password or "")
            client.send_message(message)
