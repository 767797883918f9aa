from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from fixi import health
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
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
