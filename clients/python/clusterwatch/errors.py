"""Exceptions of the clusterwatch client: every failed call raises a ClusterwatchError
subclass named after its gRPC status, carrying the code and the service's message."""
from __future__ import annotations

import grpc


class ClusterwatchError(Exception):
    """A call failed. ``code``: the grpc.StatusCode; ``details``: the service's message."""

    def __init__(self, code: grpc.StatusCode, details: str):
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details


class NotFound(ClusterwatchError):
    """What was asked for does not exist (an unknown park, a period without reports)."""


class InvalidArgument(ClusterwatchError):
    """The request is wrong (an unknown metric, a bad period); the message says what."""


class Unauthenticated(ClusterwatchError):
    """No or an unknown token (the secured services need TLS and a bearer token)."""


class PermissionDenied(ClusterwatchError):
    """The caller's role may not make this call."""


class Unavailable(ClusterwatchError):
    """The service cannot be reached or is starting; retrying later may succeed."""


class ResourceExhausted(ClusterwatchError):
    """Rate limited or an answer too large; retry later or ask for less."""


class DeadlineExceeded(ClusterwatchError):
    """No answer within the call's timeout."""


_BY_CODE = {
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
}


def from_rpc_error(error: grpc.RpcError) -> ClusterwatchError:
    """The exception for a failed call (ClusterwatchError itself for other codes)."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    details = error.details() if hasattr(error, "details") else str(error)
    return _BY_CODE.get(code, ClusterwatchError)(code, details or "")
