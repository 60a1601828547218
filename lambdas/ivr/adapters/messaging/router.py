"""One Notifier over two providers: SMS to one adapter, e-mail to another."""

from __future__ import annotations

from ivr.notify import Channel, Notifier, OutgoingMessage


class ChannelRouter:
    def __init__(self, sms: Notifier, email: Notifier) -> None:
        self._by_channel = {Channel.SMS: sms, Channel.EMAIL: email}

    def send(self, message: OutgoingMessage) -> str:
        return self._by_channel[message.channel].send(message)
