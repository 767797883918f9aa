"""Which stored URLs may become a link: web addresses only.

URLs reach the database from webhooks and vendors (a file's download link, Cloudinary's
answer), and a `javascript:` or `data:` URL rendered as an href runs in the manager's
session. Everything that reads a URL from outside, and every page that turns a stored URL
into an href or src, asks here.
"""

from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")


def _clean(url) -> str:
    """The URL without surrounding spaces; '' when it holds a control character (browsers
    drop some of them before reading the scheme, so they only ever hide one)."""
    if not isinstance(url, str):
        return ""
    url = url.strip()
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        return ""
    return url


def web_url(url) -> str:
    """`url` when it is an absolute http(s) address with a host, else ''."""
    url = _clean(url)
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced [ in the host
        return ""
    return url if parts.scheme.lower() in WEB_SCHEMES and parts.hostname else ""


def safe_url(url) -> str:
    """What a page may use as an href or src: a web address, or a path on this site (files
    kept on local disk are served under MEDIA_URL); '' for anything else."""
    url = _clean(url)
    if url.startswith("/") and not url.startswith(("//", "/\\")):
        return url
    return web_url(url)
