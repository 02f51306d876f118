"""A whole shop as a folder of files ("a bundle"): one file per table, in CSV or JSON, and a manifest
with the count of each and the schema revision.

``export`` writes every table of the database; ``import`` checks every row of every file first (values,
keys repeated inside a file, references to rows of other files or of the database), then loads the
files in the order their references need, all or nothing. Cycles between tables (a team's owner is a
worker, a worker belongs to a team) and rows that point at rows of their own table (a credit note at
its invoice) are loaded in two steps: the row first, the reference once its target is there.
"""

from custsvc.services.bundle.exporting import export_bundle
from custsvc.services.bundle.importing import import_bundle

__all__ = ["export_bundle", "import_bundle"]
