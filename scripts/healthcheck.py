"""Container health check: GET /healthz on the local gunicorn, exit 0 only for a 2xx.

Used by the Dockerfile's HEALTHCHECK and compose's web service. Standard library only,
because the slim image has no curl. /healthz answers before Django's host check, so a
plain request to 127.0.0.1 is enough.
"""

import sys
import urllib.request

URL = "http://127.0.0.1:8000/healthz"


def main() -> int:
    try:
        with urllib.request.urlopen(URL, timeout=4) as response:
            return 0 if 200 <= response.status < 300 else 1
    except OSError as error:  # URLError, HTTPError (4xx/5xx), timeouts, refused connections
        print(f"healthcheck: {URL}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
