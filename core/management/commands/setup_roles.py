from django.contrib.auth.models import Group, Permission
from django.core.management import BaseCommand
from django.db import transaction

from core.knowledge_base import knowledge_base_models

EDITORS = "Editores"
# Editors write the content. Deleting a practice or an instrument is theirs only while it
# is a draft (the admin checks that); figures and institution roles are inline rows of an
# instrument, which editing it may remove; a link to an objective of the Global Compact is
# an editorial classification editors may undo. Users and groups stay with administrators.
DELETABLE = {"keyfigure", "participation", "synonym", "practice", "instrument", "objectivelink"}
READ_ONLY = {"searchterm"}


class Command(BaseCommand):
    help = (
        f"Create or update the '{EDITORS}' group: add, change and view every knowledge-base "
        "record; delete only drafts and inline rows; no user management. Administrators are "
        "superusers (make superuser)."
    )

    @transaction.atomic
    def handle(self, *args, verbosity=1, **options):
        editors, _ = Group.objects.get_or_create(name=EDITORS)
        codenames = []
        for model in knowledge_base_models():
            name = model._meta.model_name
            actions = ["view"] if name in READ_ONLY else ["view", "add", "change"]
            if name in DELETABLE:
                actions.append("delete")
            codenames += [(model._meta.app_label, f"{action}_{name}") for action in actions]
        permissions = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in codenames
        ]
        editors.permissions.set(permissions)
        if verbosity:
            self.stdout.write(f"Group '{EDITORS}': {len(permissions)} permissions.")
