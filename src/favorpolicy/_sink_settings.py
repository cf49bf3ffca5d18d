"""The built-in sinks' settings that a policy is checked for when it is built.

Two promises rest on them, so a policy that breaks one is refused at load
(``InvalidPolicy``), not found out when the first event fails:

- **A webhook reaches only where it should.** Its ``url`` is ``https``
  (``http`` only to this machine, or with ``allow_http = true``); never
  ``file:``, ``data:`` or any other scheme; and never a link-local, cloud
  metadata or unspecified address (``169.254.0.0/16``, ``fe80::/10``,
  ``0.0.0.0``, ``::``, and those written as IPv4-mapped IPv6), unless
  ``allow_private_network = true``. The sink checks the addresses a host
  name resolves to as well, each time it sends.
- **Secrets are never in the policy.** The webhook's signing secret and the
  e-mail password are named, not written: ``secret_env`` or ``secret_file``,
  ``password_env`` or ``password_file``. The policy, its fingerprint, the
  ledger that stores it and every message then hold only the name.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Final
from urllib.parse import urlsplit

from ._show import show
from .exceptions import InvalidPolicy

__all__ = ["check_sink_settings", "forbidden_address", "redacted"]

_LOOPBACK_NAMES: Final = frozenset({"localhost", "localhost.localdomain"})
#: The settings that would hold a secret in the clear, and what to write instead.
_IN_THE_CLEAR: Final = {
    ("webhook_sink", "secret"): "secret_env (an environment variable) or secret_file",
    ("smtp_sink", "password"): "password_env (an environment variable) or password_file",
}


def redacted(url: str) -> str:
    """*url* as it may be shown: its scheme and host; the path, query and login left out.

    A token in a webhook's path or query must not reach a log, an error or the
    dead-letter list.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<a url that cannot be read>"
    rest = "/…" if parts.path not in ("", "/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{rest}"


def forbidden_address(address: str) -> bool:
    """Whether *address* (an IP) is link-local, a metadata address, or unspecified."""
    try:
        ip = ipaddress.ip_address(address.split("%", maxsplit=1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_link_local or ip.is_unspecified


def _loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(path: str, url: object, settings: Mapping[str, object]) -> None:
    if not isinstance(url, str):
        raise InvalidPolicy(f"{path}: {show(url)} is not a URL")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  # reading it checks it
    except ValueError:
        raise InvalidPolicy(f"{path}: {show(redacted(url))} is not a URL") from None
    shown = show(redacted(url))
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidPolicy(f"{path}: {shown} is not an https URL")
    if parts.scheme == "http" and not _loopback(host) and settings.get("allow_http") is not True:
        raise InvalidPolicy(
            f"{path}: {shown} is plain http to another machine; use https, or set allow_http = true"
        )
    if forbidden_address(host) and settings.get("allow_private_network") is not True:
        raise InvalidPolicy(
            f"{path}: {shown} is a link-local, metadata or unspecified address; set "
            "allow_private_network = true if it is meant"
        )


def check_sink_settings(settings: Mapping[str, Mapping[str, object]]) -> None:
    """Refuse built-in sink settings that would send events astray or store a secret."""
    for (plugin, key), instead in _IN_THE_CLEAR.items():
        if key in settings.get(plugin, {}):
            raise InvalidPolicy(
                f"settings.{plugin}.{key}: a secret is never written in the policy (it would "
                f"be stored and shown with it); name it with {instead}"
            )
    webhook = settings.get("webhook_sink", {})
    if webhook.get("url"):
        _check_url("settings.webhook_sink.url", webhook["url"], webhook)
