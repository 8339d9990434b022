"""The Global Compact's pages: its 23 objectives with their counts, an objective's
practices and instruments by thematic area, and the matrix of areas by objectives."""

from django.shortcuts import get_object_or_404, render

from .crosswalk import matrix, objective_groups
from .models import GuidingPrinciple, Objective, SDGTarget, official_language


def objective_list(request):
    context = {
        "objectives": Objective.objects.with_counts(),
        "principles": GuidingPrinciple.objects.all(),
        "targets": SDGTarget.objects.all(),
        "undocs_language": official_language(),
    }
    return render(request, "compact/objective_list.html", context)


def objective_detail(request, number):
    objective = get_object_or_404(Objective.objects.with_counts(), number=number)
    context = {
        "objective": objective,
        "groups": objective_groups(objective),
        "previous": Objective.objects.filter(number=number - 1).first(),
        "next": Objective.objects.filter(number=number + 1).first(),
    }
    return render(request, "compact/objective_detail.html", context)


def objective_matrix(request):
    areas, objectives, rows = matrix()
    context = {"areas": areas, "objectives": objectives, "rows": rows}
    return render(request, "compact/matrix.html", context)
