"""custsvc db: where the database is, schema upgrades and integrity checks."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands import group_help
from custsvc.commands._common import FormatOpt, database_url, fmt_of

app = typer.Typer(help=group_help("db"), no_args_is_help=True)


@app.command("path")
def path(fmt: FormatOpt = None) -> None:
    """Print the database location (a file path, or the URL without its password).

    Example: custsvc db path
    """
    from custsvc import db, output

    location = db.display_url(database_url())
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json({"database": location})
    else:
        output.echo(location)


@app.command("init")
def init(fmt: FormatOpt = None) -> None:
    """Create a new database (a file readable by you only, or the schema in an empty PostgreSQL database).

    Safe to run again: on a database that is already there it changes nothing. No other command creates a
    database (except `custsvc demo`, and the first use of the default location), so a mistyped --db
    fails instead of starting an empty shop. Example: custsvc --db shop.db db init
    """
    from custsvc import clock, db, migrations, output, state

    url = database_url()
    existed = db.sqlite_path(url) is None or db.sqlite_path(url).exists()  # type: ignore[union-attr]
    engine = db.get_engine(url, create=True)
    created = migrations.ensure_current(engine, clock.now(state.current().now), create=True)
    result = {"database": db.display_url(url), "created": created, "revision": migrations.HEAD}
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(result)
    elif created:
        where = ("the schema in " if existed else "") + result["database"]
        output.message(f"created {where} (revision {migrations.HEAD})")
    else:
        output.message(f"{result['database']} is a custsvc database already (revision {migrations.HEAD})")


@app.command("upgrade")
def upgrade(
    revision: Annotated[str, typer.Option("--to", help="Target revision (default: the newest).")] = "head",
    fmt: FormatOpt = None,
) -> None:
    """Bring the database schema up to date, keeping every row.

    A new database is made with `custsvc db init`. Example: custsvc db upgrade
    """
    from custsvc import db, migrations, output
    from custsvc.errors import NoDatabase

    engine = db.get_engine(database_url(), create=False)
    current = db.current_revision(engine)
    if current is None:
        raise NoDatabase(db.display_url(str(engine.url)))
    if current == migrations.HEAD and revision == "head":
        before = after = current
    else:
        before, after = migrations.upgrade(engine, revision)
    result = {"database": db.display_url(str(engine.url)), "from": before, "to": after, "changed": before != after}
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(result)
    elif before == after:
        output.message(f"the schema is up to date (revision {after})")
    else:
        output.message(f"upgraded the schema from {before or 'empty'} to {after}")


@app.command("check")
def check(fmt: FormatOpt = None) -> None:
    """Check the schema revision, integrity and foreign keys; exit 1 on any problem.

    Example: custsvc db check
    """
    from custsvc import db, migrations, output
    from custsvc.errors import CustSvcError

    engine = db.get_engine(database_url(), create=False)
    problems: list[str] = []
    with engine.connect() as conn:
        try:
            current = db.schema_revision(conn)
        except CustSvcError as exc:
            current = None
            problems.append(exc.message)
        conn.rollback()
    if current != migrations.HEAD and not problems:
        problems.append(
            "the database is empty"
            if current is None
            else f"schema at revision {current}, this custsvc needs {migrations.HEAD}: run `custsvc db upgrade`"
        )
    if current is not None:
        problems.extend(db.integrity_problems(engine))
    result = {
        "database": db.display_url(str(engine.url)),
        "revision": current,
        "head": migrations.HEAD,
        "ok": not problems,
        "problems": problems,
    }
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(result)
    elif not problems:
        output.message(f"ok: {result['database']} (revision {current})")
    if problems:
        raise CustSvcError(f"{output.counted(len(problems), 'problem')} in {result['database']}", details=problems)
