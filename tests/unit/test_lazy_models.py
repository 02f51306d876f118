"""Table classes load when first named, with the tables their foreign keys point into."""

from __future__ import annotations

import subprocess
import sys


def test_every_foreign_key_points_into_a_module_loaded_with_it():
    from sqlmodel import SQLModel

    import custsvc.models as models

    models.load_all()
    home = {getattr(models, name).__tablename__: module for name, module in models._HOMES.items() if module != "base"}
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            source, target = home[table.name], home[fk.column.table.name]
            assert source == target or target in models.REFERS_TO.get(source, ()), (table.name, fk.target_fullname)


def test_naming_a_table_loads_only_what_it_needs():
    code = (
        "import sys\n"
        "from custsvc.models import Customer\n"
        "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('custsvc.models.')))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['agreements', 'base', 'master', 'orders', 'sla', 'types']"


def test_an_unknown_name_is_an_attribute_error():
    import pytest

    import custsvc.models as models

    with pytest.raises(AttributeError, match="NoSuchTable"):
        models.NoSuchTable  # noqa: B018
