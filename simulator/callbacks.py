"""Callbacks in the local contact center: seed them, check them after a call, sweep on demand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from simulator.local_stack import start_local_stack

#: The flow a dialled callback starts in (contact_flows/callback_outbound.json).
OUTBOUND_FLOW = "callback_outbound"
#: When seeded callbacks were "asked for": before any scenario's call.
SEEDED_AT = datetime(2000, 1, 1, tzinfo=UTC)


def stored_callbacks() -> list[Any]:
    """Every callback in the local table, oldest first (a scan: the local stack only)."""
    from ivr.adapters.dynamodb.callbacks import callback_from_item
    from ivr.adapters.dynamodb.tables import CallbackItem

    items = [
        callback_from_item(item)
        for item in CallbackItem.scan()
        if not item.callback_id.startswith(("pending#", "slot#"))
    ]
    return sorted(items, key=lambda c: (c.created_at or c.call_at, c.callback_id))


def seed_callbacks(specs: list[dict[str, Any]] | None) -> None:
    """`given.callbacks`: pending callbacks booked before the call, through the real store."""
    from ivr import wiring
    from ivr.callbacks.service import Callback, CallbackKind, CallbackStatus
    from ivr.core.phone import normalise_e164
    from ivr.core.settings import settings

    service = wiring.callback_service()
    for number, spec in enumerate(specs or []):
        at = datetime.fromisoformat(str(spec["at"]))
        if at.tzinfo is None:
            raise ValueError("given.callbacks[].at needs a UTC offset")
        kind = CallbackKind(str(spec.get("kind", "scheduled")))
        scheduled = kind is CallbackKind.SCHEDULED
        callback = Callback(
            callback_id=str(spec.get("id") or f"seeded-{number}"),
            phone=normalise_e164(str(spec["phone"]), "US"),
            queue=str(spec.get("queue", "BasicQueue")),
            call_at=at.astimezone(UTC),
            timezone=str(spec.get("timezone") or settings().contact_center_timezone),
            status=CallbackStatus.SCHEDULED if scheduled else CallbackStatus.QUEUED,
            kind=kind,
            due_at=at.astimezone(UTC) if scheduled else None,
            contact_id="seed",
            created_at=SEEDED_AT,
        )
        slot = service.slot(callback.queue, callback.call_at) if scheduled else None
        until = None if scheduled else at + service.policy.queued_window
        service.store.schedule(callback, now=SEEDED_AT, pending_until=until, slot=slot)


def _local(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def describe(callback: Any) -> dict[str, str]:
    """A callback as scenarios and the CLI show it: its time on the caller's own clock."""
    return {
        "status": callback.status.value,
        "kind": callback.kind.value,
        "due": _local(callback.call_at, callback.timezone),
        "timezone": callback.timezone,
        "phone": callback.phone,
        "queue": callback.queue,
    }


def check_callback_expectations(expect: dict[str, Any]) -> list[str]:
    """`expect.callbacks`: the stored callbacks, oldest first, each a subset match."""
    if "callbacks" not in expect:
        return []
    wanted = list(expect.get("callbacks") or [])
    actual = [describe(c) for c in stored_callbacks()]
    if len(wanted) != len(actual):
        return [f"expected {len(wanted)} callback(s), found {len(actual)}: {actual}"]
    failures = []
    for index, (spec, found) in enumerate(zip(wanted, actual, strict=True)):
        for key, value in spec.items():
            if found.get(str(key)) != str(value):
                failures.append(f"callback {index}: expected {key}={value!r}, got {found}")
    return failures


def sweep_at(at: datetime) -> tuple[Any, list[dict[str, str]]]:
    """Run the sweeper against the configured tables at ``at``; the report and the calls made."""
    from ivr import wiring
    from ivr.adapters.local.dialer import LocalDialer
    from ivr.callbacks.service import sweep_due_callbacks
    from ivr.core import clock

    dialer = LocalDialer()
    with clock.installed(lambda: at):
        report = sweep_due_callbacks(
            store=wiring.callbacks(), dialer=dialer, policy=wiring.callback_policy(), now=at
        )
    return report, dialer.calls()


def sweep_command(at_text: str, port: int, *, verbose: bool = False) -> int:
    """`ivr callbacks sweep --at TIME`: sweep the local tables (a running `ivr run`'s, whose web
    phones then ring, else a fresh local stack with the sample data) as if the clock read TIME;
    print what was dialled."""
    try:
        at = datetime.fromisoformat(at_text)
    except ValueError:
        print(f"--at {at_text!r} is not an ISO time, e.g. 2026-12-02T15:00:00-05:00")
        return 2
    if at.tzinfo is None:
        print("--at needs a UTC offset, e.g. 2026-12-02T15:00:00-05:00")
        return 2
    from simulator.running_stack import attach_or_require_free

    running = attach_or_require_free(port)
    if running is not None and running.web_url:
        print(f"Sweeping the running local stack on port {port} at {at.isoformat()}.")
        answer = _sweep_on(running.web_url, at)
        calls, summary = answer["calls"], answer["summary"]
    else:
        server = start_local_stack(port, verbose=verbose)
        try:
            report, calls = sweep_at(at)
        finally:
            server.stop()
        summary = sweep_summary(report)
    for call in calls:
        when, callback_id = call["callbackTimeSpoken"], call["callbackId"]
        print(f"  dialled {call['to']} for {when} (callback {callback_id})")
    print(summary)
    return 0


def sweep_summary(report: Any) -> str:
    return (
        f"{len(report.dialled)} dialled, {len(report.retried)} to retry, {len(report.failed)} "
        f"failed, {len(report.deferred)} waiting for opening hours; {report.read} item(s) read"
    )


def _sweep_on(web_url: str, at: datetime) -> dict[str, Any]:
    """Ask the running local contact center to sweep (POST /local/callbacks/sweep): it dials
    through its own dialer, so each dialled number's web phone rings."""
    import json
    import urllib.request

    request = urllib.request.Request(
        f"{web_url}/local/callbacks/sweep",
        data=json.dumps({"at": at.isoformat()}).encode(),
        headers={"Content-Type": "application/json", "X-Local-Request": "1"},
        method="POST",
    )
    from simulator.running_stack import PortBusyError

    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.loads(response.read())
    except (OSError, ValueError) as error:  # URLError and HTTPError are OSErrors
        raise PortBusyError(
            f"error: the local contact center at {web_url} did not run the sweep ({error}); "
            "is it an older `ivr run`? Restart it, or sweep another --port"
        ) from error
    return answer
