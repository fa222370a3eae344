"""Turn a shop's existing FAQ (a CSV export or a saved web page) into articles.

Shops arrive with hundreds of questions already written somewhere; retyping them as
markdown files is where onboarding stalls. ``import_faq`` reads the file, reports every
entry it cannot use (with its line or position), and writes one article per good entry
all at once or not at all, so a failed import never leaves a half-filled folder.
"""

from comptoir.kb.importing.entries import FaqEntry, ImportFailed, ImportRefused, Skipped
from comptoir.kb.importing.pipeline import import_faq
from comptoir.kb.importing.report import ImportReport

__all__ = [
    "FaqEntry",
    "ImportFailed",
    "ImportRefused",
    "ImportReport",
    "Skipped",
    "import_faq",
]
