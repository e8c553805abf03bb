import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings")

# A page allocates tens of thousands of short-lived objects (rendered template nodes, query
# rows, translated strings). With Python's default threshold (a collection every 700 net
# allocations) the collector ran dozens of times per page, each time walking what the worker
# loaded at start: 4-7% of a web worker's CPU on the bench's pages. What is loaded at start
# lives as long as the worker, so it is frozen out of the collector's walks, and the youngest
# generation is collected every 50,000 allocations: cycles are still collected, a few times
# per page rather than dozens. The older generations keep Python's ratios.
GARBAGE_COLLECTION_THRESHOLDS = (50_000, 10, 10)


def tune_garbage_collection() -> None:
    gc.freeze()
    gc.set_threshold(*GARBAGE_COLLECTION_THRESHOLDS)


application = get_wsgi_application()
tune_garbage_collection()
