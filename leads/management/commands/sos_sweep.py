"""`manage.py sos_sweep`: run the SOS healer, the SOS reporter and the stale-job monitor
once, now, and say what each did. Safe beside running beats: every job claims its leads."""

from django.core.management.base import BaseCommand

from leads import monitors


class Command(BaseCommand):
    help = "Run the SOS healer, the SOS reporter and the stale-job monitor once."

    def handle(self, *args, **options):
        for job, summary in monitors.sweep().items():
            self.stdout.write(f"{job}: {summary}")
