"""Where alert firings and resolutions are sent: the log, a webhook (HMAC-signed), email over SMTP.

A webhook gets the event as a JSON body with ``Steward-Signature: sha256=<hex>``,
the HMAC-SHA256 of the exact body bytes under the rule's secret (the receiver
recomputes it to trust the sender), and ``Steward-Event`` naming the event. It is
retried with exponential backoff on connection errors and 5xx answers. A
notifier that fails is logged and never undoes the alert: the alert and its
audit record are already committed when notifications go out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import time
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from typing import Any

import httpx

log = logging.getLogger("steward.alerts")

SIGNATURE_HEADER = "Steward-Signature"
EVENT_HEADER = "Steward-Event"


def sign(body: bytes, secret: str) -> str:
    """The value of the signature header for *body*."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(
    config: Mapping[str, Any], event: Mapping[str, Any], *, sleep: Callable[[float], None] = time.sleep
) -> bool:
    """POST *event*; True once a 2xx answer arrives, False after the last retry."""
    body = json.dumps(event, sort_keys=True, separators=(",", ":"), default=str).encode()
    headers = {"Content-Type": "application/json", EVENT_HEADER: str(event.get("event", "alert"))}
    if config.get("secret"):
        headers[SIGNATURE_HEADER] = sign(body, str(config["secret"]))
    retries = int(config.get("retries", 3))
    backoff = float(config.get("backoff_seconds", 0.5))
    timeout = float(config.get("timeout_seconds", 5.0))
    for attempt in range(retries + 1):
        try:
            response = httpx.post(str(config["url"]), content=body, headers=headers, timeout=timeout)
            if response.status_code < 300:
                return True
            if response.status_code < 500 and response.status_code != 429:
                log.error("webhook %s refused the alert: HTTP %d", config["url"], response.status_code)
                return False
            problem = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}"
        if attempt < retries:
            sleep(backoff * 2**attempt)
    log.error("webhook %s failed after %d attempts: %s", config["url"], retries + 1, problem)
    return False


def send_email(config: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    message = EmailMessage()
    message["Subject"] = _subject(event)
    message["From"] = str(config["sender"])
    to = config["to"]
    message["To"] = ", ".join(to) if isinstance(to, list | tuple) else str(to)
    message.set_content(json.dumps(event, indent=2, sort_keys=True, default=str))
    try:
        with smtplib.SMTP(
            str(config["host"]), int(config.get("port", 25)), timeout=float(config.get("timeout_seconds", 10))
        ) as smtp:
            if config.get("starttls"):
                smtp.starttls()
            if config.get("username"):
                smtp.login(str(config["username"]), str(config.get("password", "")))
            smtp.send_message(message)
        return True
    except (OSError, smtplib.SMTPException) as exc:
        log.error("email to %s failed: %s", message["To"], exc)
        return False


def send_log(config: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    level = logging.WARNING if event.get("event") == "alert.fire" else logging.INFO
    log.log(level, "%s", _subject(event))
    return True


def _subject(event: Mapping[str, Any]) -> str:
    alert = event.get("alert") or {}
    verb = "FIRING" if event.get("event") == "alert.fire" else "resolved"
    return (
        f"[steward] {verb} {alert.get('severity', '')} {alert.get('rule')}: {alert.get('deployment')} "
        f"{alert.get('version')} {alert.get('figure')} = {alert.get('value')}"
    )


SENDERS: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], bool]] = {
    "log": send_log,
    "webhook": send_webhook,
    "email": send_email,
}


def notify(config: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Send *event* with the notifier *config* (``{"type": "webhook", ...}``); never raises."""
    sender = SENDERS.get(str(config.get("type")))
    if sender is None:
        log.error("unknown notifier type %r", config.get("type"))
        return False
    return sender(config, event)
