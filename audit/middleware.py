from audit.context import current_ip


class AuditContextMiddleware:
    """Makes the client address of the current request available to `audit_log`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


def client_ip(request) -> str | None:
    # Axes resolves the address with the proxy settings (PROXY_COUNT) once per request.
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR") or None
