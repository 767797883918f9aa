"""Container health check: GET /healthz on the local gunicorn, exit 0 only for a 2xx.

Used by the Dockerfile's HEALTHCHECK and compose's web service. Standard library only,
because the slim image has no curl. Django validates the Host header on every request,
/healthz included, so the probe sends a host from ALLOWED_HOSTS instead of 127.0.0.1,
which production's ALLOWED_HOSTS usually leaves out.
"""

import os
import sys
import urllib.request

URL = "http://127.0.0.1:8000/healthz"


def probe_host(allowed_hosts: str) -> str:
    """The first ALLOWED_HOSTS entry, as a Host header Django will accept."""
    first = next((h.strip() for h in allowed_hosts.split(",") if h.strip()), "")
    if first in ("", "*"):
        return "localhost"
    # ".example.com" allows example.com and its subdomains.
    return first.lstrip(".")


def main() -> int:
    host = probe_host(os.environ.get("ALLOWED_HOSTS", ""))
    request = urllib.request.Request(URL, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310  (fixed http URL)
            return 0 if 200 <= response.status < 300 else 1
    except OSError as error:  # URLError, HTTPError (4xx/5xx), timeouts, refused connections
        print(f"healthcheck: {URL} (Host: {host}): {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
