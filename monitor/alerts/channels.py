"""Where alerts go: e-mail (the [reports.smtp] settings, sent as the weekly reports are) and webhooks
(Slack and Microsoft Teams incoming webhooks, and plain JSON). A webhook URL is a secret: config.toml names
the environment variable that holds it, never the URL.

Each channel's send() raises DeliveryFailed with a one-line reason (never the URL or a password).
"""
from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

import requests

from monitor.config import Config, Webhook
from monitor.reports.weekly_job import InsecureSmtp, send, smtp_settings

WEBHOOK_TIMEOUT_SECONDS = 10
COLOURS = {"info": "Good", "warning": "Warning", "error": "Attention"}   # Adaptive Card text colours


class DeliveryFailed(Exception):
    pass


@dataclass(frozen=True)
class Message:
    rule: str
    key: str
    severity: str
    title: str
    body: str
    occurred_at: datetime


class EmailChannel:
    name = "email"

    def __init__(self, smtp: dict, to: list[str]):
        self.smtp, self.to = smtp, to

    def send(self, message: Message) -> None:
        msg = EmailMessage()
        msg["Subject"] = f"[campaign-monitor] {message.title}"
        msg["From"] = self.smtp["from"]
        msg["To"] = ", ".join(self.to)
        msg.set_content(f"{message.body}\n\n{message.severity} alert, {message.occurred_at:%Y-%m-%d %H:%M} UTC "
                        f"({message.key}).\nSent by campaign-monitor.")
        try:
            send({**self.smtp, "to": self.to}, msg)
        except (smtplib.SMTPException, OSError, InsecureSmtp) as e:
            raise DeliveryFailed(f"{type(e).__name__}: {e}") from None


class WebhookChannel:
    def __init__(self, hook: Webhook):
        self.hook = hook
        self.name = f"webhook:{hook.name}"

    def payload(self, message: Message) -> dict:
        if self.hook.kind == "slack":
            return {"text": f"*{message.title}*\n{message.body}"}
        if self.hook.kind == "teams":   # a Teams workflow ("post to a channel when a webhook request is received")
            return {"type": "message", "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
                "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                            "version": "1.4", "body": [
                                {"type": "TextBlock", "text": message.title, "weight": "Bolder", "wrap": True,
                                 "color": COLOURS.get(message.severity, "Default")},
                                {"type": "TextBlock", "text": message.body, "wrap": True}]}}]}
        return {"rule": message.rule, "key": message.key, "severity": message.severity, "title": message.title,
                "body": message.body, "occurred_at": message.occurred_at.isoformat()}

    def send(self, message: Message) -> None:
        url = os.environ.get(self.hook.url_env)
        if not url:
            raise DeliveryFailed(f"the environment variable {self.hook.url_env} (this webhook's URL) is not set")
        try:
            response = requests.post(url, json=self.payload(message), timeout=WEBHOOK_TIMEOUT_SECONDS)
        except requests.RequestException as e:
            raise DeliveryFailed(f"{type(e).__name__} reaching the webhook") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"the webhook answered {response.status_code}: {response.text[:200]}")


def channels(config: Config) -> list:
    """Every channel the config names: e-mail when [alerts] email is on and [reports.smtp] is complete."""
    found: list = []
    smtp = smtp_settings(config) if config.alerts.email else None
    if smtp:
        to = list(config.alerts.email_to) or ([smtp["to"]] if isinstance(smtp["to"], str) else list(smtp["to"]))
        found.append(EmailChannel(smtp, to))
    found += [WebhookChannel(hook) for hook in config.alerts.webhooks]
    return found
