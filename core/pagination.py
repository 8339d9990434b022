from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.utils.translation import gettext as _

PAGE_SIZE = 20


def paginate(request, queryset, per_page=PAGE_SIZE, count=None):
    """The page `pagina` of `queryset` (of `count` records, when already known), with
    `numbers`: the page numbers to link to (the first, the last and those around this
    one), elided with `Paginator.ELLIPSIS`. A page that does not exist is a 404."""
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count
    try:
        page = paginator.page(request.GET.get("pagina") or 1)
    except InvalidPage as error:
        raise Http404(_("Esa página de resultados no existe.")) from error
    page.numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return page
