"""`manage.py reassign_lead LEAD_ID [--to PRO]`: move a lead to the next eligible pro, or to
a chosen one (by id or phone). The pro who had it is told and not asked again for it."""

import uuid

from django.core.management.base import BaseCommand, CommandError

from leads.assignment import AssignmentError, reassign
from leads.models import Actor, Lead
from pros.models import Pro


class Command(BaseCommand):
    help = "Reassign a lead to the next eligible pro, or to the pro given with --to."

    def add_arguments(self, parser):
        parser.add_argument("lead_id", help="The lead's id.")
        parser.add_argument("--to", metavar="PRO", help="The pro's id or phone number.")
        parser.add_argument("--reason", default="", help="Why, for the lead's history.")

    def handle(self, *args, lead_id, to=None, reason="", **options):
        try:
            lead = Lead.objects.filter(pk=uuid.UUID(lead_id)).first()
        except ValueError:
            lead = None
        if lead is None:
            raise CommandError(f"There is no lead {lead_id!r}.")
        to_pro = None
        if to:
            to_pro = Pro.objects.by_key(to)
            if to_pro is None:
                raise CommandError(f"There is no pro with id or phone {to!r}.")
        try:
            result = reassign(
                lead.pk,
                to_pro=to_pro,
                actor=Actor.ADMIN,
                actor_name="reassign_lead",
                reason=reason or "reassigned from the command line",
            )
        except AssignmentError as error:
            raise CommandError(f"Lead {lead.pk} not reassigned: {error}.") from None
        lead.refresh_from_db()
        pro = result.pro.name if result.pro else "nobody"
        self.stdout.write(
            f"Lead {lead.pk}: {result.outcome.replace('_', ' ')} — {pro} "
            f"(status {lead.get_status_display()})."
        )
        why = result.reason.get("why") if result.reason else ""
        if why:
            self.stdout.write(f"  {why}")
