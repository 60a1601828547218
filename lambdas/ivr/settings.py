"""Configuration, read once from the environment into a frozen Settings."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Settings:
    service: str
    #: ISO 3166 region for numbers that arrive without a country code (national format).
    default_phone_region: str
    #: The contact center's IANA zone, used when the caller's own zone is unknown.
    contact_center_timezone: str
    #: Secrets Manager secret holding the pepper for keyed hashes of PINs and knowledge answers.
    pepper_secret_id: str
    #: Seconds Powertools parameters keep a fetched secret before asking again.
    secret_max_age: int
    #: Which Notifier sends SMS and e-mail: "aws" (End User Messaging SMS + SES v2),
    #: "pinpoint" (legacy SendMessages) or "local" (the local outbox).
    notifier: str
    #: JSON-lines file of the local outbox; empty keeps messages in memory.
    local_outbox_path: str


@cache
def settings() -> Settings:
    env = os.environ
    return Settings(
        service=env.get("POWERTOOLS_SERVICE_NAME", "ivr"),
        default_phone_region=env.get("DEFAULT_PHONE_REGION", "US").upper(),
        contact_center_timezone=env.get("CONTACT_CENTER_TIMEZONE", "America/New_York"),
        pepper_secret_id=env.get("PEPPER_SECRET_ID", "ivr/pepper"),
        secret_max_age=int(env.get("SECRET_MAX_AGE_SECONDS", "300")),
        notifier=env.get("NOTIFIER", "aws").lower(),
        local_outbox_path=env.get("LOCAL_OUTBOX_PATH", ""),
    )
