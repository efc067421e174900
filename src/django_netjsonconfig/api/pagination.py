"""Pages of lists: ``?page=2&page_size=50``, as in OpenWISP Controller's API."""

from rest_framework.pagination import PageNumberPagination

from ..settings import app_settings


class Pagination(PageNumberPagination):
    """10 per page unless ``page_size`` says otherwise, at most
    ``NETJSONCONFIG_API_MAX_PAGE_SIZE`` (100)."""

    page_size = 10
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:  # read at each request
        return max(1, int(app_settings.API_MAX_PAGE_SIZE))
