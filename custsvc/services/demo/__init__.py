"""The demo shop (``custsvc demo``): fixtures loaded through the services, with months of history."""

from custsvc.services.demo.extras import load_dispatch, load_slas, load_subscriptions
from custsvc.services.demo.history import load_orders
from custsvc.services.demo.shop import (
    FIXTURES,
    SETUP,
    data_counts,
    fixtures_dir,
    load,
    overview,
    seed_defaults,
    stages_in_order,
    wipe,
)
from custsvc.services.demo.timeline import relative_day, relative_time

__all__ = [
    "FIXTURES",
    "SETUP",
    "data_counts",
    "fixtures_dir",
    "load",
    "load_dispatch",
    "load_orders",
    "load_slas",
    "load_subscriptions",
    "overview",
    "relative_day",
    "relative_time",
    "seed_defaults",
    "stages_in_order",
    "wipe",
]
