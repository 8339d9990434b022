"""Reading the crosswalk for the pages: an objective's records grouped by thematic area,
and the matrix of thematic areas by objectives. Each reads a fixed number of queries,
whatever the number of records."""

from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch

from practices.models import Practice, ThematicArea, areas_of

from .models import PUBLISHED, Objective, ObjectiveLink


@dataclass
class AreaGroup:
    """One thematic area (None: instruments in no published practice) on an objective's
    page, with the links of its practices and of its instruments."""

    area: ThematicArea | None
    practice_links: list = field(default_factory=list)
    instrument_links: list = field(default_factory=list)


def objective_groups(objective):
    """[AreaGroup] of `objective`'s published practices and instruments, areas in order;
    an instrument of practices in several areas is listed under each."""
    practice_links = (
        ObjectiveLink.objects.filter(objective=objective, practice__publication_status=PUBLISHED)
        .select_related("practice__area")
        .prefetch_related("sdg_targets")
        .order_by("practice__area__number", "practice__position")
    )
    practices = Practice.objects.published().select_related("area")
    instrument_links = (
        ObjectiveLink.objects.filter(objective=objective, instrument__publication_status=PUBLISHED)
        .select_related("instrument")
        .prefetch_related("sdg_targets", Prefetch("instrument__practices", queryset=practices))
        .order_by("instrument__name")
    )
    groups = {}

    def group(area):
        key = area.number if area else 99
        return groups.setdefault(key, AreaGroup(area))

    for link in practice_links:
        group(link.practice.area).practice_links.append(link)
    for link in instrument_links:
        for area in areas_of(link.instrument.practices.all()) or [None]:
            group(area).instrument_links.append(link)
    return [groups[key] for key in sorted(groups)]


@dataclass
class Cell:
    objective: Objective
    count: int
    shade: int  # 0 (none) to 4 (the most instruments of any cell)


def matrix():
    """(areas, objectives, rows): for each thematic area, a Cell per objective holding
    how many published instruments of the area's published practices serve it."""
    areas = list(ThematicArea.objects.only("number", "slug", "title"))
    objectives = list(Objective.objects.all())
    # Counted by the database from the crosswalk's links, the smaller side: reading every
    # instrument's practices took 190 ms at 100,000 instruments.
    serving = {
        (row["area_number"], row["objective_number"]): row["instruments"]
        for row in ObjectiveLink.objects.filter(
            instrument__publication_status=PUBLISHED,
            instrument__practices__publication_status=PUBLISHED,
        )
        .annotate(
            area_number=F("instrument__practices__area__number"),
            objective_number=F("objective__number"),
        )
        .values("area_number", "objective_number")
        .annotate(instruments=Count("instrument", distinct=True))
        .order_by()
    }
    most = max(serving.values(), default=0)
    rows = [
        (area, [cell(objective, serving.get((area.number, objective.number), 0), most)
                for objective in objectives])
        for area in areas
    ]  # fmt: skip
    return areas, objectives, rows


def cell(objective, count, most):
    shade = 0 if not count else 1 + (3 * (count - 1)) // max(most - 1, 1)
    return Cell(objective, count, min(shade, 4))
