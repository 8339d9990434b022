from django.apps import apps
from django.core.management import BaseCommand
from django.db import transaction

from core.management.progress import show_progress
from core.revision import ContentRevision
from core.search.searchable import SearchableModel
from core.search.vocabulary import SearchTerm

BATCH = 500


class Command(BaseCommand):
    help = (
        "Rebuild the search index: the analyzed text of every searchable record and the "
        "vocabulary behind typo tolerance. Saving a record in the admin keeps it current; "
        "this is for after loaddata or a change to the analyzer."
    )

    def handle(self, *args, verbosity=1, **options):
        models = [model for model in apps.get_models() if issubclass(model, SearchableModel)]
        with transaction.atomic():
            SearchTerm.objects.all().delete()
            for model in models:
                self.rebuild(model, show_progress=verbosity > 0)
            ContentRevision.objects.bump()
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(f"Search index rebuilt: {SearchTerm.objects.count()} words.")
            )

    def rebuild(self, model, show_progress):
        total = model.objects.count()
        label = model._meta.verbose_name_plural
        done, batch, words = 0, [], []
        for record in model.objects.order_by("pk").iterator(chunk_size=BATCH):
            words.append(" ".join(record.refresh_search_fields()))
            batch.append(record)
            if len(batch) == BATCH:
                done += self.flush(model, batch, words)
                self.progress(label, done, total, show_progress)
        done += self.flush(model, batch, words)
        self.progress(label, done, total, show_progress)

    def flush(self, model, batch, words):
        fields = ["search_a", "search_b", "search_c", "search_key"]
        model.objects.bulk_update(batch, fields, batch_size=BATCH)
        SearchTerm.objects.add_words(" ".join(words))
        count = len(batch)
        batch.clear()
        words.clear()
        return count

    def progress(self, label, done, total, show):
        if show:
            show_progress(label, done, total)
