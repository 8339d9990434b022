"""Permalinks that last: a record's old address answers with a permanent redirect to its
current one after its slug changes.

Each change of slug is remembered as `OldSlug` (the model, the old slug, the current
slug), kept current through further renames; a record taking back an old slug makes that
address its own again. `OldSlugRedirectMiddleware` turns a 404 for an address built from
an old slug into a 301 to the record's address now. Records loaded from fixtures (raw
saves) are not watched.
"""

from django.apps import apps
from django.db import models
from django.db.models.signals import pre_save
from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OldSlug(models.Model):
    model = models.CharField(_("tipo de registro"), max_length=100)
    slug = models.SlugField(_("slug anterior"), max_length=120)
    current = models.SlugField(_("slug actual"), max_length=120)
    changed_at = models.DateTimeField(_("cambiado"), default=timezone.now)

    class Meta:
        verbose_name = _("slug anterior")
        verbose_name_plural = _("slugs anteriores")
        ordering = ["model", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["model", "slug"], name="core_oldslug_unique_slug")
        ]

    def __str__(self):
        return f"{self.model}: {self.slug} → {self.current}"

    def record_model(self):
        return apps.get_model(self.model)


def remember_old_slug(sender, instance, raw=False, **kwargs):
    """Before a record is saved with a new slug, remember the old one (pre_save)."""
    if raw or instance.pk is None:
        return
    old = sender._base_manager.filter(pk=instance.pk).values_list("slug", flat=True).first()
    if old is None or old == instance.slug:
        return
    label = sender._meta.label_lower
    OldSlug.objects.filter(model=label, current=old).update(current=instance.slug)
    OldSlug.objects.update_or_create(model=label, slug=old, defaults={"current": instance.slug})
    # The new slug is this record's address now, even if it was once another's old one.
    OldSlug.objects.filter(model=label, slug=instance.slug).delete()


def keep_old_slugs(models):
    """Watch the records of `models` that have a unique slug and an address."""
    for model in models:
        fields = {field.name: field for field in model._meta.fields}
        slug = fields.get("slug")
        if slug is not None and slug.unique and hasattr(model, "get_absolute_url"):
            pre_save.connect(
                remember_old_slug, sender=model, dispatch_uid=f"old-slug-{model._meta.label}"
            )


def moved(path):
    """The current address of the record `path` named by an old slug, or None."""
    try:
        slug = resolve(path).kwargs.get("slug")
    except Resolver404:
        return None
    if not slug:
        return None
    for old in OldSlug.objects.filter(slug=slug):
        model = old.record_model()
        if model(slug=old.slug).get_absolute_url() != path:
            continue  # another kind of record once had this slug
        if model._base_manager.filter(slug=old.current).exists():
            return model(slug=old.current).get_absolute_url()
    return None


class OldSlugRedirectMiddleware:
    """A 404 for a record's old address becomes a 301 to its current one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        target = moved(request.path_info)
        if target is None:
            return response
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
