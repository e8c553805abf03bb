"""Container health probe: `python -m crm_site.probe URL` exits 0 when /healthz says ok.

The request names the first allowed host and says it came over HTTPS, as the reverse proxy
would, so the production settings (host check, SSL redirect) treat it like a real request.
"""

import os
import sys
import urllib.error
import urllib.request


def main(url: str) -> int:
    if not url.startswith(("http://", "https://")):
        print("the probe takes an http(s) URL", file=sys.stderr)
        return 2
    host = (os.environ.get("ALLOWED_HOSTS") or "localhost").split(",")[0].strip()
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, headers={"Host": host, "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
