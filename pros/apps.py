from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProsConfig(AppConfig):
    name = "pros"
    verbose_name = _("Pros")
