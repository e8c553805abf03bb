"""The names uploaded files were sent with, before Django cuts them down.

Django keeps only the last part of an upload's file name ("../../etc/x.pdf" arrives as
"x.pdf"), which makes a hostile name harmless but also hides that it was one. The document
upload refuses such a name outright (issue 24), so this middleware has the request's
multipart parser note every file name as sent, in order, on `request.raw_upload_names`.
It must run before anything reads request.POST (the CSRF check does).
"""

from __future__ import annotations

from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import ImmutableList


class _NameKeepingParser(MultiPartParser):
    def __init__(self, *args, raw_names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self._raw_names = raw_names

    def sanitize_file_name(self, file_name):
        self._raw_names.append(file_name)
        return super().sanitize_file_name(file_name)


class RawUploadNamesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.raw_upload_names = []

        def parse_file_upload(meta, post_data):
            # As HttpRequest.parse_file_upload, with the parser that keeps the names.
            request.upload_handlers = ImmutableList(
                request.upload_handlers,
                warning="You cannot alter upload handlers after the upload has been processed.",
            )
            parser = _NameKeepingParser(
                meta,
                post_data,
                request.upload_handlers,
                request.encoding,
                raw_names=request.raw_upload_names,
            )
            return parser.parse()

        request.parse_file_upload = parse_file_upload
        return self.get_response(request)
