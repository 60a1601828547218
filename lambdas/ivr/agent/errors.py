"""What the agent's tools refuse, each a distinct answer of the agent API."""

from __future__ import annotations

from ivr.core.errors import ConflictError, IvrError, NotFoundError


class InvalidActionError(IvrError):
    """The request cannot be carried out as sent (a missing key, an empty note): 400."""

    code = "InvalidAction"


class NothingToDoError(NotFoundError):
    """The contact has nothing this tool works on (no customer, no pending callback): 404."""

    code = "NothingToDo"


class CallbackTakenError(ConflictError):
    """The callback left the pending state (dialling, dialled, failed): 409."""

    code = "CallbackTaken"


class InvalidCursorError(IvrError):
    """A page cursor the store did not give out: 400."""

    code = "InvalidCursor"
