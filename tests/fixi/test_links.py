"""fixi.links: the one place that decides whether a stored URL may become a link."""

import pytest

from fixi.links import safe_url, web_url

HOSTILE = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "file:///etc/passwd",
    "ftp://files.example.com/a.jpg",
    "//evil.example.com/a.jpg",
    "https:/no-host",
    "https://",
]
WEB = [
    "https://do-media-7105.fra1.digitaloceanspaces.com/7105/photo.jpg",
    "http://media.example.com/a.ogg?x=1&y=2",
    "HTTPS://res.cloudinary.com/demo/image/upload/v1/leak.jpg",
]


@pytest.mark.parametrize("url", [*HOSTILE, "", "   ", "mailto:a@example.com", "/media/a.jpg"])
def test_web_url_refuses_all_but_absolute_http_and_https(url):
    assert web_url(url) == ""


@pytest.mark.parametrize("url", WEB)
def test_web_url_keeps_http_and_https(url):
    assert web_url(url) == url
    assert web_url(f"  {url}\n") == url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("/media/leads/leak.jpg", "/media/leads/leak.jpg"),
        ("https://cdn.example.com/v.mp4", "https://cdn.example.com/v.mp4"),
        ("/\\evil.example.com/x", ""),
        ("//evil.example.com/x", ""),
        ("javascript:alert(1)", ""),
        (None, ""),
    ],
)
def test_safe_url_also_allows_paths_on_this_site(url, shown):
    assert safe_url(url) == shown
