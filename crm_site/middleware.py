from django.conf import settings
from django.utils.cache import patch_cache_control


class ContentSecurityPolicyMiddleware:
    """Sends the Content-Security-Policy header from settings on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class PrivatePagesMiddleware:
    """Sends `Cache-Control: no-store, private` on every page, so no browser cache, shared
    proxy or back button keeps a copy of customer data after the user has left or logged out.

    Static files never reach it: WhiteNoise, before it in MIDDLEWARE, answers them with their
    own long-lived caching. Everything else gets the header, pages without customer data (the
    log-in page, the redirect to it, /healthz, which sends it itself) included: telling them
    apart would cost a session lookup per request, and no cache should keep them either.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response
