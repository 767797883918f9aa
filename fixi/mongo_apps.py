"""App configs for contrib apps when the database is MongoDB.

MongoDB has no auto-increment, so the contrib apps (and django-celery-beat and
django-axes) get ObjectId primary keys and their own migrations under `mongo_migrations/`.
Fixi's own models use UUID keys and share one set of migrations on both backends.
"""

from axes.apps import AppConfig as AxesConfig
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.apps import AuthConfig
from django.contrib.contenttypes.apps import ContentTypesConfig
from django_celery_beat.apps import BeatConfig

OBJECT_ID = "django_mongodb_backend.fields.ObjectIdAutoField"


class MongoAdminConfig(AdminConfig):
    default_auto_field = OBJECT_ID


class MongoAuthConfig(AuthConfig):
    default_auto_field = OBJECT_ID


class MongoContentTypesConfig(ContentTypesConfig):
    default_auto_field = OBJECT_ID


class MongoBeatConfig(BeatConfig):
    default_auto_field = OBJECT_ID


class MongoAxesConfig(AxesConfig):
    default_auto_field = OBJECT_ID
