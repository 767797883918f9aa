from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from fixi import health
from fixi.media_views import customer_file
from leads.calendar import calendar_feed
from messaging.webhook import webhook

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("webhook", webhook, name="webhook"),
    path("webhook/", webhook),
    path("calendar/<str:token>.ics", calendar_feed, name="pro-calendar"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("simulator/", include("messaging.simulator_urls")),
    # Files customers sent, kept on local disk: signed-in staff only, DEBUG or not.
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", customer_file, name="customer-file"),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
