from django.conf import settings
from django.http import Http404
from django.urls import get_resolver, get_urlconf
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


class ProductNotFoundMiddleware:
    """Answers an Http404 raised by a view with the product's own 404 page, DEBUG or not.

    A view's 404 is how the product says "this does not exist, or it is not yours to see"
    (the data scope), so it is the product's answer, never a diagnostic: under DEBUG Django's
    technical page would name the model that was looked up and list every URL. With DEBUG off,
    as in production and `make run`, Django renders the same page without this; with DEBUG on
    (`DEBUG=1 make run`), a URL that matches nothing and a crash still show the technical pages
    a developer wants.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, Http404):
            return None
        # The URLconf's own handler404, as Django would call it with DEBUG off.
        page_not_found = get_resolver(get_urlconf()).resolve_error_handler(404)
        return page_not_found(request, exception)
