"""Deployment checks for the zero-setup defaults that must not reach production."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.database, deploy=True)
def production_backends(app_configs=None, **kwargs):
    problems = []
    if not settings.USING_MONGODB:
        problems.append(
            Warning(
                "DATABASE_URL is not a MongoDB URL: this process uses the SQLite file in var/, "
                "which other containers do not see.",
                hint="Set DATABASE_URL=mongodb+srv://... (or the compose service's URL).",
                id="fixi.W020",
            )
        )
    if settings.USING_EMBEDDED_BROKER:
        problems.append(
            Warning(
                "CELERY_BROKER_URL is not set: tasks go to the embedded broker in var/, which "
                "a worker in another container never reads.",
                hint="Set CELERY_BROKER_URL=redis://...",
                id="fixi.W021",
            )
        )
    return problems
