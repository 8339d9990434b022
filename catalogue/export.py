"""Every list as data: the records a list page shows, all of its pages, as CSV or JSON.

A list page answers `?formato=csv` or `?formato=json` with exactly the records it lists,
in the same order, read through the same search and filters (catalogue/search.py and
catalogue/filters.py): the download is the page's own query, not a copy of it. CSV comes
streamed (UTF-8 with a BOM, so that Excel reads the accents), whole up to
`CSV_PAGE_SIZE` rows and beyond that in files of that size; JSON comes
`JSON_PAGE_SIZE` records at a time; `pagina` chooses which, with links to the next. Each
row holds what the record holds, and its permalink; an empty field stays empty. In the
CSV, a text that a spreadsheet would run as a formula ("=…", "+…", "-…", "@…") is
written after an apostrophe. An unknown format, or a filter
the page would ignore as invalid, is refused with a 400: a program must not take an
unfiltered list for a filtered one.
"""

import csv
import datetime
from dataclasses import dataclass
from functools import wraps

from django.core.paginator import InvalidPage, Paginator
from django.http import HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

PARAMETER = "formato"
FORMATS = ("csv", "json")
# A catalogue query (the catalogue, a group's page) is also a feed (catalogue/feeds.py).
QUERY_FORMATS = (*FORMATS, "atom")
JSON_PAGE_SIZE = 1000
# A list's CSV holds at most this many rows (every row of the knowledge base's lists
# today); a longer one comes in files of this size, `pagina` choosing which, each
# naming the next in a `Link` header, so that no download holds a worker for minutes.
CSV_PAGE_SIZE = 5000
CHUNK = 500
SEPARATOR = "; "


class Refused(Exception):
    """A download that cannot be answered as asked (a 400, with this message)."""


def refusing(view):
    """Answer `Refused` with a plain 400 that says why."""

    @wraps(view)
    def answer(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Refused as error:
            return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")

    return answer


def requested(request, formats=FORMATS):
    """The format asked for (one of `formats`), or None for the page itself."""
    value = request.GET.get(PARAMETER)
    if value is None:
        return None
    if value not in formats:
        raise Refused(
            _("Formato desconocido: «%(value)s». Los formatos disponibles son: %(formats)s.")
            % {"value": value[:40], "formats": ", ".join(formats)}
        )
    return value


def check_filters(filterset):
    """Refuse a download whose filters the page would ignore as invalid."""
    if filterset.errors:
        names = ", ".join(sorted(filterset.errors))
        raise Refused(_("Filtros no válidos: %(names)s.") % {"names": names})


@dataclass
class Table:
    """What a download holds: `columns`, pairs of a header and a function of a record
    (and the request) giving its value (a list for several values), and its `name`."""

    name: str
    columns: list

    def row(self, record, request):
        return {header: value(record, request) for header, value in self.columns}


def download(request, table, records, format):
    """`records` (a sequence: a queryset or the catalogue's Results) as `format`."""
    if format == "csv":
        return paged_csv_response(request, table, records)
    return json_response(request, table, records)


def paged_csv_response(request, table, records):
    paginator = Paginator(records, CSV_PAGE_SIZE)
    number = page_number(request, paginator)
    start = (number - 1) * CSV_PAGE_SIZE
    rows = Rows(records, start, min(start + CSV_PAGE_SIZE, paginator.count))
    response = csv_response(request, table, rows)
    response["X-Total-Count"] = paginator.count
    if number < paginator.num_pages:
        response["Link"] = f'<{page_link(request)(number + 1)}>; rel="next"'
    return response


class Rows:
    """Records `start` to `stop` of `records`, read as they are sliced: a file of a CSV
    download, which csv_rows reads CHUNK records at a time. Django's paginator reads a
    page whole, which for a file of 5,000 instruments with their links left a worker
    270 MB larger for the rest of its life."""

    def __init__(self, records, start, stop):
        self.records, self.start, self.stop = records, start, stop

    def __len__(self):
        return max(0, self.stop - self.start)

    def __getitem__(self, window):
        first, last, _step = window.indices(len(self))
        return self.records[self.start + first : self.start + last]


def page_number(request, paginator):
    try:
        return paginator.validate_number(request.GET.get("pagina") or 1)
    except InvalidPage as error:
        raise Refused(_("Esa página de resultados no existe.")) from error


def page_of(request, paginator):
    return paginator.page(page_number(request, paginator))


class Echo:
    def write(self, value):
        return value


# A spreadsheet runs a cell that starts with one of these as a formula: such a text is
# written after an apostrophe, which spreadsheets show as text and do not display.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    if isinstance(value, list | tuple):
        value = SEPARATOR.join(str(item) for item in value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return "" if value is None else value


def csv_rows(request, table, records):
    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow([header for header, _value in table.columns])
    for start in range(0, size(records), CHUNK):
        for record in records[start : start + CHUNK]:
            yield writer.writerow([cell(value) for value in table.row(record, request).values()])


def size(records):
    """How many `records` there are, counted by the database for a queryset."""
    count = getattr(records, "count", None)
    return count() if callable(count) and not isinstance(records, list) else len(records)


def csv_response(request, table, records):
    response = StreamingHttpResponse(
        csv_rows(request, table, records), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
    return response


def json_response(request, table, records):
    page = page_of(request, Paginator(records, JSON_PAGE_SIZE))
    paginator = page.paginator
    link = page_link(request)
    data = {
        "total": paginator.count,
        "pagina": page.number,
        "paginas": paginator.num_pages,
        "por_pagina": JSON_PAGE_SIZE,
        "anterior": link(page.previous_page_number()) if page.has_previous() else None,
        "siguiente": link(page.next_page_number()) if page.has_next() else None,
        "resultados": [table.row(record, request) for record in page.object_list],
    }
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})


def page_link(request):
    def link(number):
        query = request.GET.copy()
        query["pagina"] = number
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return link


def permalink(record, request):
    return request.build_absolute_uri(record.get_absolute_url())


def timestamp(value):
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z") if value else ""
