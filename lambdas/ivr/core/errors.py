"""Domain exceptions; each channel turns them into its own kind of answer in one place."""


class IvrError(Exception):
    """Base class: something the caller's request cannot get past."""

    code = "InternalError"


class InvalidInputError(IvrError):
    """What the caller or customer entered fails a rule (a card check, an amount, a number)."""

    code = "InvalidInput"


class RefusedError(IvrError):
    """The request is not allowed (an unusable link, a session not verified); say no more."""

    code = "Refused"


class InvalidPhoneNumberError(InvalidInputError):
    """The number is not a valid, dialable E.164 number (or not a number at all)."""

    code = "InvalidPhoneNumber"


class MalformedEventError(IvrError):
    """The event does not have the shape its source (Connect, Lex, API Gateway) sends."""

    code = "MalformedEvent"


class StoreUnavailableError(IvrError):
    """A data store failed or timed out; the request may be retried."""

    code = "StoreUnavailable"


class ConflictError(IvrError):
    """A conditional write lost: the item is not in the state the change requires."""

    code = "Conflict"


class NotFoundError(IvrError):
    """The item the request names does not exist."""

    code = "NotFound"


class NotificationError(IvrError):
    """An SMS or e-mail could not be handed to the provider."""

    code = "NotificationFailed"
