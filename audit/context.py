"""Request facts the audit trail records without every service having to pass them along."""

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)
