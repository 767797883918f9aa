from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AiConfig(AppConfig):
    name = "ai"
    verbose_name = _("AI")

    def ready(self):
        from ai import checks  # noqa: F401  (registers the system checks)
