"""Senders for the Notifier port: AWS End User Messaging SMS, SES v2, Pinpoint (legacy), local."""
