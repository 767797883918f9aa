from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FixiConfig(AppConfig):
    name = "fixi"
    verbose_name = _("Fixi")

    def ready(self):
        from fixi import checks  # noqa: F401  (registers the deployment checks)
