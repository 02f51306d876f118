"""Opening a command's unit of work: the session, now, the acting worker, the shop's zone, and the
event bus with every capability registered on it.

This is the one module that knows all capabilities: each registers its guards, listeners and
invoice-source handlers through its ``hooks`` module, so services never import one another to
react to a change (``services/orders`` knows nothing of SLAs, repairs or returns).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from custsvc.context import Context
from custsvc.events import Bus

if TYPE_CHECKING:  # pragma: no cover
    from custsvc.state import Settings


def build_bus() -> Bus:
    """A bus with every capability's guards, listeners and invoice-source handlers."""
    from custsvc.services.agreements import hooks as agreement_hooks
    from custsvc.services.bom import hooks as bom_hooks
    from custsvc.services.dispatch import hooks as dispatch_hooks
    from custsvc.services.invoices import hooks as invoice_hooks
    from custsvc.services.master import hooks as master_hooks
    from custsvc.services.orders import hooks as order_hooks
    from custsvc.services.repairs import hooks as repair_hooks
    from custsvc.services.returns import hooks as return_hooks
    from custsvc.services.sla import hooks as sla_hooks
    from custsvc.services.stock import hooks as stock_hooks
    from custsvc.services.subscriptions import hooks as subscription_hooks

    bus = Bus()
    # the order here is the order of the sections ``customer show`` prints under the customer
    for register in (
        master_hooks.register,
        agreement_hooks.register,
        order_hooks.register,
        sla_hooks.register,
        subscription_hooks.register,
        invoice_hooks.register,
        dispatch_hooks.register,
        stock_hooks.register,
        bom_hooks.register,
        repair_hooks.register,
        return_hooks.register,
    ):
        register(bus)
    return bus


@contextmanager
def open_context(
    invocation: Settings | None = None, *, write: bool = True, check_actor: bool = True, create: bool = False
) -> Iterator[Context]:
    """One unit of work: commit at the end (a reader rolls back), roll back on any error.

    ``invocation``: what the global options chose (default: this invocation's ``custsvc.state``).
    ``create``: make the database (and its schema) if it does not exist yet; without it only the
    default location is made on first use, and anything else missing is ``NoDatabase``.
    What the context needs to know first (the shop's zone, whether the acting worker exists) is read
    in a short read transaction of its own, so that a writer's transaction (on SQLite: the write
    lock) begins only with the service's first statement, and a service may think before it writes
    (``Context.reading``).
    """
    from custsvc import clock, db, migrations, state

    options = invocation or state.current()
    # a database is made only when asked (demo, db init) or at the default location on first use
    create = create or not db.names_a_database(options.db)
    engine = db.get_engine(db.database_url(options.db), create=create)
    migrations.ensure_current(engine, clock.now(options.now), create=create)
    session = db.new_session(engine, write=write)
    ctx = Context(
        session=session,
        now=clock.now(options.now),
        actor=options.acting(),
        bus_factory=build_bus,
        write=write,
        reader_factory=lambda: db.new_session(engine, write=False),
    )
    ctx.clock_override = options.now
    try:
        _prepare(ctx, check_actor=write and check_actor and options.actor_explicit)
        yield ctx
        if write:
            ctx.commit()
        else:
            ctx.rollback()
    except BaseException:
        ctx.rollback()
        raise
    finally:
        session.close()


def _prepare(ctx: Context, *, check_actor: bool) -> None:
    from custsvc.services import settings, workers

    with ctx.reading() as reader:
        ctx.set_zone(settings.timezone(reader))
        if check_actor:
            workers.check_actor(reader, ctx.actor)
