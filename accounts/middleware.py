from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's, on every device they use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.language:
            return self.get_response(request)
        previous = translation.get_language()
        translation.activate(user.language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
        finally:
            # The thread serves other requests and jobs next: leave its language as it was.
            translation.activate(previous)
        if response.streaming:
            # A streamed export renders its rows after this returns: in the user's language.
            response.streaming_content = _in_language(response.streaming_content, user.language)
        return response


def _in_language(chunks, language):
    with translation.override(language):
        yield from chunks
