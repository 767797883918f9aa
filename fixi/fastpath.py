"""Machine-to-machine endpoints, answered ahead of the browser-facing middleware.

Load balancers probe /healthz and /readyz by IP over plain HTTP, so host validation and
the HTTPS redirect must not stand in their way. Green API's webhook needs no session,
language, authentication middleware or CSRF, and every millisecond spent on them is
taken from ingest throughput. The views check what they need themselves.
"""

from fixi import health
from messaging.webhook import webhook

ROUTES = {
    "/healthz": health.healthz,
    "/readyz": health.readyz,
    "/webhook": webhook,
    "/webhook/": webhook,
}


class FastPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = ROUTES.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)
