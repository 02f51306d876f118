"""The corpus of bad and hostile inputs that ``test_bad_input.py`` runs against the demo shop.

Data only. Each ``Case`` is a command line after ``custsvc`` (global options first when the case is
about them), the exit code it must end with, and the substrings its single ``error: ...`` line must
contain (the field and/or the value). ``forbid`` lists strings that must appear nowhere in the output
(a password, a raw escape character); ``input`` is what stdin holds.

``{files}`` in an argument is the folder of import files the test writes (see ``test_bad_input.FILES``).
Keys are those of the demo shop (``custsvc demo`` at 2026-03-10 09:00 Europe/Riga).

Exit codes (README): 1 a domain error (invalid data, a rule refused it, not found), 2 a usage error
(parser errors, out-of-range dates and huge numbers, invalid filter values, a bad --db), 3 a conflict
(the key exists already).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    code: int
    names: tuple[str, ...] = ()
    forbid: tuple[str, ...] = ()
    input: str | None = None


def _case(id: str, args: list[str], code: int, names: tuple[str, ...] = (), **extra: object) -> Case:
    return Case(id, tuple(args), code, tuple(names), **extra)  # type: ignore[arg-type]


# --- hostile values ------------------------------------------------------------------------------

ESC = "\x1b"
NUL = "\x00"
SECRET = "S3cretPW-42"
HUGE = str(10**30)
LONG_KEY = "K" * 65
LONG_TEXT = "x" * 600
ARABIC = "\u0661\u0662"  # Arabic-Indic digits one, two: "١٢"

#: text that must never get into a one-line field: (id, value, strings that must not be echoed raw)
TEXTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("newline", "first line\nsecond line", ()),
    ("cr", "carriage\rreturn", ()),
    ("nul", "nul\x00byte", (NUL,)),
    ("vtab", "vertical\x0btab", ("\x0b",)),
    ("u2028", "line\u2028separator", ("\u2028",)),
    ("ansi", "\x1b[31mred\x1b[0m", (ESC,)),
    ("osc", "\x1b]0;pwned\x07", (ESC, "\x07")),
    ("long600", LONG_TEXT, ()),
]
#: the subset used where a field gets a shorter treatment
SOME_TEXTS = [t for t in TEXTS if t[0] in ("newline", "nul", "u2028", "osc", "long600")]

#: malformed money amounts: (id, value)
MONEY = [
    ("comma", "12,50"),
    ("word", "abc"),
    ("exp", "1e5"),
    ("nan", "NaN"),
    ("inf", "Infinity"),
    ("arabic", ARABIC),
    ("3dec", "12.345"),
]
#: malformed quantities: (id, value)
QTY = [
    ("unit", "5x"),
    ("neg", "-1"),
    ("4dec", "1.2345"),
    ("nan", "NaN"),
    ("exp", "1e3"),
    ("arabic", ARABIC),
]

CASES: list[Case] = []
add = CASES.append


def _texts(
    prefix: str, base: list[str], option: str, field: str, texts: list[tuple[str, str, tuple[str, ...]]]
) -> None:
    for tid, value, forbid in texts:
        add(_case(f"{prefix}-{tid}", [*base, option, value], 1, (field,), forbid=forbid))


# === global options ==============================================================================

add(_case("global-now-year-1", ["--now", "0001-01-01T00:00", "customer", "list"], 2, ("--now", "0001-01-01")))
add(_case("global-now-year-9999-west", ["--now", "9999-12-31T23:59-12:00", "customer", "list"], 2, ("--now",)))
add(_case("global-now-month-13", ["--now", "2026-13-01T00:00", "customer", "list"], 2, ("--now", "2026-13-01")))
add(_case("global-now-hour-25", ["--now", "2026-03-10T25:00", "customer", "list"], 2, ("--now", "25:00")))
add(_case("global-now-words", ["--now", "next tuesdayish", "customer", "list"], 2, ("--now", "next tuesdayish")))
add(_case("global-now-unit", ["--now", "+3m", "customer", "list"], 2, ("--now", "+3m", "+3mo")))
add(_case("global-now-empty", ["--now", "", "customer", "list"], 2, ("--now",)))
add(_case("global-format-yaml", ["--format", "yaml", "customer", "list"], 2, ("--format", "yaml")))
add(_case("global-as-ghost-customer-add", ["--as", "ghost", "customer", "add", "C-7001", "--name", "X"], 1, ("ghost",)))
add(_case("global-as-ghost-order-create", ["--as", "ghost", "order", "create", "--customer", "C-1001"], 1, ("ghost",)))
add(_case("global-as-ghost-config-set", ["--as", "ghost", "config", "set", "currency", "USD"], 1, ("ghost",)))
add(_case("global-as-key-with-space", ["--as", "T 01", "item", "update", "FILTER-G4", "--price", "15"], 1, ("T 01",)))
add(_case("global-db-empty", ["--db", "", "customer", "list"], 2, ("--db",)))
add(_case("global-db-empty-write", ["--db", "", "customer", "add", "C-7001", "--name", "X"], 2, ("--db",)))
add(
    _case(
        "global-db-etc-passwd",
        ["--db", "/etc/passwd", "customer", "list"],
        1,
        ("/etc/passwd", "not a custsvc database"),
    )
)
add(
    _case(
        "global-db-etc-passwd-write",
        ["--db", "/etc/passwd", "customer", "add", "C-7001", "--name", "X"],
        1,
        ("/etc/passwd", "not a custsvc database"),
    )
)
add(
    _case(
        "global-db-etc-passwd-upgrade",
        ["--db", "/etc/passwd", "db", "upgrade"],
        1,
        ("/etc/passwd", "not a custsvc database"),
    )
)
add(_case("global-db-folder", ["--db", "{files}", "customer", "list"], 2, ("--db", "folder")))
add(_case("global-db-sqlite-memory", ["--db", "sqlite://", "customer", "list"], 2, ("--db", "sqlite://")))
add(
    _case(
        "global-db-sqlite-memory-write",
        ["--db", "sqlite://", "customer", "add", "C-7001", "--name", "X"],
        2,
        ("--db", "sqlite://"),
    )
)
add(
    _case(
        "global-db-pg-bad-port-secret",
        ["--db", f"postgresql://custsvc:{SECRET}@127.0.0.1:notaport/sec", "customer", "list"],
        2,
        ("--db", "notaport"),
        forbid=(SECRET,),
    )
)
add(
    _case(
        "global-db-bad-scheme-secret",
        ["--db", f"postgresq://u:{SECRET}@h/db", "customer", "list"],
        2,
        ("--db", "postgresq"),
        forbid=(SECRET,),
    )
)
add(
    _case(
        "global-db-unknown-dialect-secret",
        ["--db", f"nosuchdb://u:{SECRET}@h/db", "customer", "list"],
        2,
        ("--db", "nosuchdb"),
        forbid=(SECRET,),
    )
)
add(_case("global-unknown-option", ["--colour", "customer", "list"], 2, ("--colour",)))
add(_case("global-unknown-group", ["frobnicate"], 2, ("frobnicate",)))
add(_case("global-group-typo", ["custmer", "list"], 2, ("custmer", "customer")))
add(_case("global-return-unknown-command", ["return", "receive"], 2, ("receive",)))
add(_case("global-repair-unknown-command", ["repair", "create"], 2, ("create",)))
add(_case("global-bom-unknown-command", ["bom", "list"], 2, ("list",)))

# === demo ========================================================================================

add(_case("demo-refuses-a-shop-with-data", ["demo"], 1, ("already holds data", "--force")))
add(_case("demo-format-yaml", ["demo", "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("demo-unknown-option", ["demo", "--reset"], 2, ("--reset",)))

# === order =======================================================================================

CREATE = ["order", "create", "--customer", "C-1001"]
add(_case("order-create-priority-urgent", [*CREATE, "--priority", "urgent"], 2, ("priority", "urgent")))
add(_case("order-create-priority-empty", [*CREATE, "--priority", ""], 2, ("priority",)))
add(_case("order-create-no-customer", ["order", "create", "--customer", "C-9999"], 1, ("customer", "C-9999")))
add(_case("order-create-customer-with-space", ["order", "create", "--customer", "C 1001"], 1, ("C 1001",)))
add(_case("order-create-customer-long-key", ["order", "create", "--customer", LONG_KEY], 1, ("customer",)))
add(_case("order-create-missing-customer", ["order", "create", "--priority", "high"], 2, ("--customer",)))
add(_case("order-create-unknown-option", [*CREATE, "--urgent"], 2, ("--urgent",)))
add(_case("order-create-object-of-other-customer", [*CREATE, "--object", "OBJ-0017"], 1, ("OBJ-0017",)))
add(_case("order-create-no-object", [*CREATE, "--object", "OBJ-9999"], 1, ("OBJ-9999",)))
add(_case("order-create-technician-dispatcher", [*CREATE, "--technician", "D-01"], 1, ("D-01", "technician")))
add(_case("order-create-technician-manager", [*CREATE, "--technician", "M-01"], 1, ("M-01", "technician")))
add(_case("order-create-no-technician", [*CREATE, "--technician", "T-99"], 1, ("T-99",)))
add(_case("order-create-no-agreement", [*CREATE, "--agreement", "AGR-9999"], 1, ("AGR-9999",)))
add(
    _case(
        "order-create-agreement-of-other-customer",
        ["order", "create", "--customer", "C-3001", "--agreement", "AGR-1001"],
        1,
        ("AGR-1001",),
    )
)
add(
    _case(
        "order-create-agreement-template",
        ["order", "create", "--customer", "C-3001", "--agreement", "TPL-BOILER"],
        1,
        ("TPL-BOILER",),
    )
)
add(_case("order-create-no-sla", [*CREATE, "--sla", "platinum"], 1, ("SLA", "platinum")))
add(
    _case(
        "order-create-preferred-month-13",
        [*CREATE, "--preferred-at", "2026-13-01T10:00"],
        1,
        ("preferred", "2026-13-01"),
    )
)
add(_case("order-create-preferred-hour-25", [*CREATE, "--preferred-at", "2026-03-10T25:00"], 1, ("preferred", "25:00")))
add(
    _case(
        "order-create-preferred-bad-offset",
        [*CREATE, "--preferred-at", "2026-03-10T10:00+25:00"],
        1,
        ("preferred", "+25:00"),
    )
)
add(
    _case(
        "order-create-preferred-year-1", [*CREATE, "--preferred-at", "0001-01-01T00:00"], 2, ("preferred", "0001-01-01")
    )
)
add(_case("order-create-preferred-words", [*CREATE, "--preferred-at", "soon"], 1, ("preferred", "soon")))
_texts("order-create-description", CREATE, "--description", "description", TEXTS)
_texts("order-create-address", CREATE, "--address", "address", [t for t in TEXTS if t[0] in ("newline", "ansi")])

add(_case("order-list-no-stage", ["order", "list", "--stage", "nowhere"], 1, ("stage", "nowhere")))
add(_case("order-list-from-feb-30", ["order", "list", "--from", "2026-02-30"], 1, ("from", "2026-02-30")))
add(_case("order-list-to-words", ["order", "list", "--to", "next week"], 1, ("to", "next week")))
add(_case("order-list-from-month-13", ["order", "list", "--from", "2026-13-01"], 1, ("from", "2026-13-01")))
add(_case("order-list-limit-zero", ["order", "list", "--limit", "0"], 2, ("--limit", "0")))
add(_case("order-list-limit-huge", ["order", "list", "--limit", HUGE], 2, ("--limit",)))
add(_case("order-list-limit-word", ["order", "list", "--limit", "ten"], 2, ("--limit", "ten")))
add(_case("order-list-format-yaml", ["order", "list", "--format", "yaml"], 2, ("--format", "yaml")))

add(_case("order-show-no-order", ["order", "show", "SO-999999"], 1, ("SO-999999",)))
add(_case("order-show-key-with-space", ["order", "show", "SO 000036"], 1, ("SO 000036",)))
add(_case("order-show-osc-key", ["order", "show", "\x1b]0;pwned\x07"], 1, ("order",), forbid=(ESC,)))
add(_case("order-show-missing-argument", ["order", "show"], 2, ("ORDER",)))

add(_case("order-update-canceled", ["order", "update", "SO-000048", "--priority", "high"], 1, ("SO-000048",)))
add(
    _case(
        "order-update-priority-urgent",
        ["order", "update", "SO-000060", "--priority", "urgent"],
        2,
        ("priority", "urgent"),
    )
)
add(_case("order-update-technician-dispatcher", ["order", "update", "SO-000060", "--technician", "D-01"], 1, ("D-01",)))
add(
    _case(
        "order-update-object-of-other-customer",
        ["order", "update", "SO-000060", "--object", "OBJ-0017"],
        1,
        ("OBJ-0017",),
    )
)
add(
    _case(
        "order-update-preferred-bad-minute",
        ["order", "update", "SO-000060", "--preferred-at", "2026-03-10T09:61"],
        1,
        ("preferred", "09:61"),
    )
)
add(_case("order-update-no-order", ["order", "update", "SO-999999", "--priority", "low"], 1, ("SO-999999",)))
_texts("order-update-address", ["order", "update", "SO-000060"], "--address", "address", SOME_TEXTS)

add(_case("order-move-not-a-child", ["order", "move", "SO-000060", "completed"], 1, ("completed",)))
add(_case("order-move-no-stage", ["order", "move", "SO-000060", "nowhere"], 1, ("nowhere",)))
add(_case("order-move-cancel-without-reason", ["order", "move", "SO-000060", "canceled"], 1, ("reason",)))
add(_case("order-move-no-reason-code", ["order", "move", "SO-000060", "canceled", "--reason", "BOGUS"], 1, ("BOGUS",)))
add(_case("order-move-from-canceled", ["order", "move", "SO-000048", "planned"], 1, ("planned",)))
add(_case("order-move-back-not-on-path", ["order", "move", "SO-000060", "planned", "--back"], 1, ("planned",)))
add(_case("order-move-no-order", ["order", "move", "SO-999999", "planned"], 1, ("SO-999999",)))
add(_case("order-move-missing-stage", ["order", "move", "SO-000060"], 2, ("STAGE",)))
_texts("order-move-note", ["order", "move", "SO-000060", "planned"], "--note", "note", SOME_TEXTS)

add(_case("order-sign-off-no-line", ["order", "sign-off", "SO-000036", "--line", "9"], 1, ("9",)))
add(_case("order-sign-off-line-zero", ["order", "sign-off", "SO-000036", "--line", "0"], 2, ("--line", "0")))
add(_case("order-sign-off-line-word", ["order", "sign-off", "SO-000036", "--line", "first"], 2, ("--line", "first")))
add(_case("order-sign-off-line-huge", ["order", "sign-off", "SO-000036", "--line", HUGE], 2, ("--line",)))
add(_case("order-sign-off-canceled", ["order", "sign-off", "SO-000048"], 1, ("SO-000048",)))
add(_case("order-sign-off-no-order", ["order", "sign-off", "SO-999999"], 1, ("SO-999999",)))

add(_case("order-cancel-missing-reason", ["order", "cancel", "SO-000060"], 2, ("--reason",)))
add(_case("order-cancel-no-reason-code", ["order", "cancel", "SO-000060", "--reason", "BOGUS"], 1, ("BOGUS",)))
add(_case("order-cancel-twice", ["order", "cancel", "SO-000048", "--reason", "CUSTOMER-CANCELED"], 1, ("SO-000048",)))
add(_case("order-cancel-in-progress", ["order", "cancel", "SO-000050", "--reason", "NO-ACCESS"], 1, ("SO-000050",)))
add(_case("order-cancel-posted", ["order", "cancel", "SO-000001", "--reason", "NO-ACCESS"], 1, ("SO-000001",)))
add(_case("order-cancel-no-order", ["order", "cancel", "SO-999999", "--reason", "NO-ACCESS"], 1, ("SO-999999",)))
_texts("order-cancel-note", ["order", "cancel", "SO-000060", "--reason", "NO-ACCESS"], "--note", "note", SOME_TEXTS)

add(_case("order-delete-posted", ["order", "delete", "SO-000001", "--yes"], 1, ("SO-000001",)))
add(_case("order-delete-in-progress", ["order", "delete", "SO-000050", "--yes"], 1, ("SO-000050",)))
add(_case("order-delete-no-order", ["order", "delete", "SO-999999", "--yes"], 1, ("SO-999999",)))
add(_case("order-delete-unasked", ["order", "delete", "SO-000061"], 2, ("--yes",)))

add(
    _case(
        "order-move-lines-other-agreement",
        ["order", "move-lines", "SO-000036", "SO-000037", "--line", "1"],
        1,
        ("SO-000037",),
    )
)
add(
    _case(
        "order-move-lines-no-agreement",
        ["order", "move-lines", "SO-000036", "SO-000060", "--line", "1"],
        1,
        ("SO-000060",),
    )
)
add(
    _case(
        "order-move-lines-no-target",
        ["order", "move-lines", "SO-000036", "SO-999999", "--line", "1"],
        1,
        ("SO-999999",),
    )
)
add(_case("order-move-lines-no-line", ["order", "move-lines", "SO-000036", "SO-000032", "--line", "7"], 1, ("7",)))
add(
    _case(
        "order-move-lines-same-order",
        ["order", "move-lines", "SO-000036", "SO-000036", "--line", "1"],
        1,
        ("SO-000036",),
    )
)
add(_case("order-move-lines-missing-line", ["order", "move-lines", "SO-000036", "SO-000032"], 2, ("--line",)))
add(
    _case(
        "order-move-lines-posted-line",
        ["order", "move-lines", "SO-000004", "SO-000032", "--line", "1"],
        1,
        ("SO-000004",),
    )
)

add(_case("order-post-created-no-lines", ["order", "post", "SO-000060"], 1, ("SO-000060",)))
add(_case("order-post-already-posted", ["order", "post", "SO-000001"], 1, ("SO-000001",)))
add(_case("order-post-canceled", ["order", "post", "SO-000048"], 1, ("SO-000048",)))
add(_case("order-post-stage-created", ["order", "post", "SO-000036"], 1, ("SO-000036",)))
add(_case("order-post-stage-in-progress", ["order", "post", "SO-000050"], 1, ("SO-000050",)))
add(_case("order-post-no-order", ["order", "post", "SO-999999"], 1, ("SO-999999",)))

LINE = ["order", "line", "add", "SO-000060"]
add(_case("order-line-add-type-labor", [*LINE, "--type", "labor"], 2, ("type", "labor")))
add(_case("order-line-add-missing-type", [*LINE, "--qty", "1"], 2, ("--type",)))
for _id, _value in QTY:
    add(
        _case(
            f"order-line-add-qty-{_id}", [*LINE, "--type", "fee", "--price", "10", "--qty", _value], 1, ("qty", _value)
        )
    )
for _id, _value in MONEY:
    add(_case(f"order-line-add-price-{_id}", [*LINE, "--type", "fee", "--price", _value], 1, ("price", _value)))
add(
    _case(
        "order-line-add-amount-overflow",
        [*LINE, "--type", "fee", "--qty", "999999999999", "--price", "9999999999999"],
        1,
        ("999999999999",),
    )
)
add(
    _case(
        "order-line-add-amount-overflow-within-limits",
        [*LINE, "--type", "fee", "--qty", "999999999", "--price", "9999999999999"],
        1,
        ("amount",),
    )
)
add(_case("order-line-add-item-line-without-item", [*LINE, "--type", "item"], 1, ("item",)))
add(_case("order-line-add-no-item", [*LINE, "--type", "item", "--item", "NOPE-1"], 1, ("NOPE-1",)))
add(_case("order-line-add-no-task", [*LINE, "--type", "hour", "--task", "NOPE-TASK"], 1, ("NOPE-TASK",)))
add(_case("order-line-add-no-worker", [*LINE, "--type", "hour", "--worker", "ghost"], 1, ("ghost",)))
add(
    _case(
        "order-line-add-object-of-other-customer",
        [*LINE, "--type", "fee", "--price", "10", "--object", "OBJ-0017"],
        1,
        ("OBJ-0017",),
    )
)
add(
    _case(
        "order-line-add-canceled-order",
        ["order", "line", "add", "SO-000048", "--type", "fee", "--price", "10"],
        1,
        ("SO-000048",),
    )
)
add(
    _case(
        "order-line-add-no-order",
        ["order", "line", "add", "SO-999999", "--type", "fee", "--price", "10"],
        1,
        ("SO-999999",),
    )
)
_texts(
    "order-line-add-description", [*LINE, "--type", "fee", "--price", "10"], "--description", "description", SOME_TEXTS
)

add(_case("order-line-cancel-no-line", ["order", "line", "cancel", "SO-000036", "9"], 1, ("9",)))
add(_case("order-line-cancel-line-zero", ["order", "line", "cancel", "SO-000036", "0"], 2, ("LINE", "0")))
add(_case("order-line-cancel-line-word", ["order", "line", "cancel", "SO-000036", "one"], 2, ("LINE", "one")))
add(_case("order-line-cancel-line-huge", ["order", "line", "cancel", "SO-000036", HUGE], 2, ("LINE",)))
add(_case("order-line-cancel-posted-line", ["order", "line", "cancel", "SO-000001", "1"], 1, ("SO-000001",)))
add(_case("order-line-revoke-open-line", ["order", "line", "revoke", "SO-000036", "1"], 1, ("SO-000036",)))
add(_case("order-line-revoke-no-order", ["order", "line", "revoke", "SO-999999", "1"], 1, ("SO-999999",)))
add(_case("order-line-revoke-negative-line", ["order", "line", "revoke", "SO-000036", "-1"], 2, ("-1",)))

STAGE = ["order", "stage-def", "add"]
add(
    _case(
        "order-stage-def-add-duplicate", [*STAGE, "created", "--name", "Again", "--parent", "created"], 3, ("created",)
    )
)
add(
    _case(
        "order-stage-def-add-no-parent",
        [*STAGE, "on-hold", "--name", "On hold", "--parent", "nowhere"],
        1,
        ("nowhere",),
    )
)
add(_case("order-stage-def-add-second-initial", [*STAGE, "on-hold", "--name", "On hold"], 1, ("on-hold",)))
add(
    _case(
        "order-stage-def-add-key-with-space",
        [*STAGE, "on hold", "--name", "On hold", "--parent", "created"],
        1,
        ("on hold",),
    )
)
add(
    _case("order-stage-def-add-long-key", [*STAGE, LONG_KEY, "--name", "On hold", "--parent", "created"], 1, ("stage",))
)
add(_case("order-stage-def-add-missing-name", [*STAGE, "on-hold", "--parent", "created"], 2, ("--name",)))
_texts("order-stage-def-add-name", [*STAGE, "on-hold", "--parent", "created"], "--name", "name", SOME_TEXTS)
add(
    _case(
        "order-stage-def-update-no-stage", ["order", "stage-def", "update", "nowhere", "--name", "X"], 1, ("nowhere",)
    )
)
_texts(
    "order-stage-def-update-name",
    ["order", "stage-def", "update", "created"],
    "--name",
    "name",
    [t for t in TEXTS if t[0] in ("nul", "osc")],
)
add(
    _case(
        "order-stage-def-list-format-yaml", ["order", "stage-def", "list", "--format", "yaml"], 2, ("--format", "yaml")
    )
)
add(_case("order-stage-def-list-extra-argument", ["order", "stage-def", "list", "created"], 2, ("created",)))
add(_case("order-stage-def-remove-initial", ["order", "stage-def", "remove", "created"], 1, ("created",)))
add(
    _case(
        "order-stage-def-remove-in-use",
        ["order", "stage-def", "remove", "waiting-for-parts"],
        1,
        ("waiting-for-parts",),
    )
)
add(_case("order-stage-def-remove-no-stage", ["order", "stage-def", "remove", "nowhere"], 1, ("nowhere",)))

add(
    _case(
        "order-reason-add-duplicate",
        ["order", "reason", "add", "NO-ACCESS", "--description", "Again"],
        3,
        ("NO-ACCESS",),
    )
)
add(
    _case(
        "order-reason-add-key-with-space",
        ["order", "reason", "add", "NO ACCESS", "--description", "x"],
        1,
        ("NO ACCESS",),
    )
)
add(_case("order-reason-add-long-key", ["order", "reason", "add", LONG_KEY, "--description", "x"], 1, ("code",)))
add(_case("order-reason-add-missing-description", ["order", "reason", "add", "WEATHER"], 2, ("--description",)))
_texts(
    "order-reason-add-description", ["order", "reason", "add", "WEATHER"], "--description", "description", SOME_TEXTS
)
add(_case("order-reason-list-format-yaml", ["order", "reason", "list", "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("order-reason-remove-in-use", ["order", "reason", "remove", "CUSTOMER-CANCELED"], 1, ("CUSTOMER-CANCELED",)))
add(_case("order-reason-remove-no-reason", ["order", "reason", "remove", "NOPE"], 1, ("NOPE",)))

# === agreement ===================================================================================

AGR = ["agreement", "create", "AGR-9001", "--customer", "C-1001"]
add(
    _case(
        "agreement-create-duplicate",
        ["agreement", "create", "AGR-1001", "--customer", "C-1001", "--start", "2026-04-01"],
        3,
        ("AGR-1001",),
    )
)
add(
    _case(
        "agreement-create-no-customer",
        ["agreement", "create", "AGR-9001", "--customer", "C-9999", "--start", "2026-04-01"],
        1,
        ("C-9999",),
    )
)
add(_case("agreement-create-start-month-13", [*AGR, "--start", "2026-13-01"], 1, ("start", "2026-13-01")))
add(_case("agreement-create-start-feb-30", [*AGR, "--start", "2026-02-30"], 1, ("start", "2026-02-30")))
add(
    _case(
        "agreement-create-start-arabic-digits",
        [*AGR, "--start", "\u0662\u0660\u0662\u0666-\u0660\u0664-\u0660\u0661"],
        1,
        ("start",),
    )
)
add(_case("agreement-create-start-year-9999", [*AGR, "--start", "9999-01-01"], 2, ("start", "9999-01-01")))
add(
    _case(
        "agreement-create-end-before-start",
        [*AGR, "--start", "2026-05-01", "--end", "2026-04-01"],
        1,
        ("end", "2026-04-01"),
    )
)
add(
    _case(
        "agreement-create-technician-manager",
        [*AGR, "--start", "2026-04-01", "--technician", "M-01"],
        1,
        ("M-01", "technician"),
    )
)
add(
    _case(
        "agreement-create-technician-dispatcher",
        [*AGR, "--start", "2026-04-01", "--technician", "D-01"],
        1,
        ("D-01", "technician"),
    )
)
add(_case("agreement-create-no-technician", [*AGR, "--start", "2026-04-01", "--technician", "T-99"], 1, ("T-99",)))
add(_case("agreement-create-combine-day", [*AGR, "--start", "2026-04-01", "--combine", "day"], 2, ("combine", "day")))
add(_case("agreement-create-no-sla", [*AGR, "--start", "2026-04-01", "--sla", "platinum"], 1, ("platinum",)))
add(
    _case(
        "agreement-create-group-with-comma",
        [*AGR, "--start", "2026-04-01", "--group", "gold,silver"],
        1,
        ("group", "gold,silver"),
    )
)
add(
    _case(
        "agreement-create-key-with-space",
        ["agreement", "create", "AGR 9001", "--customer", "C-1001", "--start", "2026-04-01"],
        1,
        ("AGR 9001",),
    )
)
add(
    _case(
        "agreement-create-long-key",
        ["agreement", "create", LONG_KEY, "--customer", "C-1001", "--start", "2026-04-01"],
        1,
        ("agreement",),
    )
)
add(_case("agreement-create-missing-start", AGR, 2, ("--start",)))
_texts("agreement-create-description", [*AGR, "--start", "2026-04-01"], "--description", "description", TEXTS)

add(_case("agreement-list-status-dormant", ["agreement", "list", "--status", "dormant"], 2, ("status", "dormant")))
add(_case("agreement-list-format-yaml", ["agreement", "list", "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("agreement-show-no-agreement", ["agreement", "show", "AGR-9999"], 1, ("AGR-9999",)))
add(_case("agreement-show-ansi-key", ["agreement", "show", "\x1b[2J"], 1, ("agreement",), forbid=(ESC,)))
add(_case("agreement-suspend-no-agreement", ["agreement", "suspend", "AGR-9999"], 1, ("AGR-9999",)))
add(_case("agreement-resume-no-agreement", ["agreement", "resume", "AGR-9999"], 1, ("AGR-9999",)))

add(_case("agreement-copy-onto-existing", ["agreement", "copy", "AGR-1001", "AGR-1002"], 3, ("AGR-1002",)))
add(_case("agreement-copy-no-source", ["agreement", "copy", "AGR-9999", "AGR-9001"], 1, ("AGR-9999",)))
add(
    _case(
        "agreement-copy-no-customer",
        ["agreement", "copy", "TPL-BOILER", "AGR-9001", "--customer", "C-9999"],
        1,
        ("C-9999",),
    )
)
add(
    _case(
        "agreement-copy-start-feb-29",
        ["agreement", "copy", "TPL-BOILER", "AGR-9001", "--start", "2026-02-29"],
        1,
        ("start", "2026-02-29"),
    )
)
add(
    _case(
        "agreement-copy-start-year-9999",
        ["agreement", "copy", "TPL-BOILER", "AGR-9001", "--start", "9999-01-01"],
        2,
        ("start", "9999-01-01"),
    )
)
add(_case("agreement-copy-key-with-space", ["agreement", "copy", "TPL-BOILER", "AGR 9001"], 1, ("AGR 9001",)))

GEN = ["agreement", "generate"]
add(
    _case(
        "agreement-generate-from-month-13",
        [*GEN, "--from", "2026-13-01", "--to", "2026-12-31"],
        1,
        ("from", "2026-13-01"),
    )
)
add(
    _case(
        "agreement-generate-reversed",
        [*GEN, "--from", "2026-12-31", "--to", "2026-12-01", "--dry-run"],
        1,
        ("2026-12-01",),
    )
)
add(
    _case(
        "agreement-generate-year-1-to-9999",
        [*GEN, "--from", "0001-01-01", "--to", "9999-12-31", "--dry-run"],
        2,
        ("0001-01-01",),
    )
)
add(
    _case(
        "agreement-generate-no-agreement",
        [*GEN, "AGR-9999", "--from", "2026-12-01", "--to", "2026-12-31"],
        1,
        ("AGR-9999",),
    )
)
add(_case("agreement-generate-missing-to", [*GEN, "--from", "2026-12-01"], 2, ("--to",)))
add(
    _case(
        "agreement-generate-to-words", [*GEN, "--from", "2026-12-01", "--to", "end of year"], 1, ("to", "end of year")
    )
)

ALINE = [
    "agreement",
    "line",
    "add",
    "AGR-1001",
    "--type",
    "hour",
    "--task",
    "BOILER-SERVICE",
    "--object",
    "OBJ-0001",
    "--start",
    "2026-04-01",
]
add(_case("agreement-line-add-rrule-secondly", [*ALINE, "--rrule", "FREQ=SECONDLY"], 1, ("rrule", "SECONDLY")))
add(_case("agreement-line-add-rrule-minutely", [*ALINE, "--rrule", "FREQ=MINUTELY"], 1, ("rrule", "MINUTELY")))
add(_case("agreement-line-add-rrule-hourly", [*ALINE, "--rrule", "FREQ=HOURLY"], 1, ("rrule", "HOURLY")))
add(
    _case(
        "agreement-line-add-rrule-interval-zero",
        [*ALINE, "--rrule", "FREQ=DAILY;INTERVAL=0"],
        1,
        ("rrule", "INTERVAL=0"),
    )
)
add(_case("agreement-line-add-rrule-fortnightly", [*ALINE, "--rrule", "FREQ=FORTNIGHTLY"], 1, ("rrule", "FORTNIGHTLY")))
add(_case("agreement-line-add-rrule-garbage", [*ALINE, "--rrule", "every full moon"], 1, ("rrule", "every full moon")))
add(
    _case(
        "agreement-line-add-rrule-dtstart-newline",
        [*ALINE, "--rrule", "FREQ=DAILY\nDTSTART:20260101T000000"],
        1,
        ("rrule",),
    )
)
add(
    _case(
        "agreement-line-add-every-and-rrule",
        [*ALINE, "--every", "3 months", "--rrule", "FREQ=MONTHLY"],
        2,
        ("--every", "--rrule"),
    )
)
add(_case("agreement-line-add-every-fortnights", [*ALINE, "--every", "5 fortnights"], 1, ("every", "5 fortnights")))
add(_case("agreement-line-add-every-zero", [*ALINE, "--every", "0 days"], 1, ("every", "0 days")))
add(_case("agreement-line-add-every-negative", [*ALINE, "--every", "-1 week"], 1, ("every", "-1 week")))
add(_case("agreement-line-add-every-huge", [*ALINE, "--every", f"{HUGE} days"], 2, ("every",)))
add(_case("agreement-line-add-window-year", [*ALINE, "--every", "1 month", "--window", "year"], 1, ("window", "year")))
add(
    _case(
        "agreement-line-add-window-negative-days",
        [*ALINE, "--every", "1 month", "--window", "days:-3"],
        1,
        ("window", "days:-3"),
    )
)
add(
    _case(
        "agreement-line-add-window-days-word",
        [*ALINE, "--every", "1 month", "--window", "days:abc"],
        1,
        ("window", "days:abc"),
    )
)
add(
    _case(
        "agreement-line-add-type-visit",
        ["agreement", "line", "add", "AGR-1001", "--type", "visit", "--start", "2026-04-01"],
        2,
        ("type", "visit"),
    )
)
add(
    _case(
        "agreement-line-add-object-of-other-customer",
        [
            "agreement",
            "line",
            "add",
            "AGR-1001",
            "--type",
            "hour",
            "--task",
            "BOILER-SERVICE",
            "--object",
            "OBJ-0017",
            "--start",
            "2026-04-01",
        ],
        1,
        ("OBJ-0017",),
    )
)
add(
    _case(
        "agreement-line-add-template-foreign-object",
        [
            "agreement",
            "line",
            "add",
            "TPL-BOILER",
            "--type",
            "hour",
            "--task",
            "BOILER-SERVICE",
            "--object",
            "OBJ-0001",
            "--start",
            "2026-04-01",
        ],
        1,
        ("OBJ-0001",),
    )
)
add(
    _case(
        "agreement-line-add-no-task",
        ["agreement", "line", "add", "AGR-1001", "--type", "hour", "--task", "NOPE-TASK", "--start", "2026-04-01"],
        1,
        ("NOPE-TASK",),
    )
)
add(
    _case(
        "agreement-line-add-no-item",
        ["agreement", "line", "add", "AGR-1001", "--type", "item", "--item", "NOPE-1", "--start", "2026-04-01"],
        1,
        ("NOPE-1",),
    )
)
add(_case("agreement-line-add-qty-comma", [*ALINE, "--qty", "1,5"], 1, ("qty", "1,5")))
add(
    _case(
        "agreement-line-add-price-exp",
        ["agreement", "line", "add", "AGR-1001", "--type", "fee", "--price", "1e5", "--start", "2026-04-01"],
        1,
        ("price", "1e5"),
    )
)
add(
    _case(
        "agreement-line-add-price-arabic",
        ["agreement", "line", "add", "AGR-1001", "--type", "fee", "--price", ARABIC, "--start", "2026-04-01"],
        1,
        ("price",),
    )
)
add(
    _case(
        "agreement-line-add-start-feb-30",
        ["agreement", "line", "add", "AGR-1001", "--type", "fee", "--price", "10", "--start", "2026-02-30"],
        1,
        ("start", "2026-02-30"),
    )
)
add(
    _case(
        "agreement-line-add-start-year-9999",
        ["agreement", "line", "add", "AGR-2001", "--type", "fee", "--price", "10", "--start", "9999-01-01"],
        2,
        ("start", "9999-01-01"),
    )
)
add(_case("agreement-line-add-end-before-start", [*ALINE, "--end", "2026-03-01"], 1, ("end", "2026-03-01")))
add(
    _case(
        "agreement-line-add-no-agreement",
        ["agreement", "line", "add", "AGR-9999", "--type", "fee", "--price", "10", "--start", "2026-04-01"],
        1,
        ("AGR-9999",),
    )
)
add(
    _case(
        "agreement-line-add-missing-start",
        ["agreement", "line", "add", "AGR-1001", "--type", "fee", "--price", "10"],
        2,
        ("--start",),
    )
)
_texts(
    "agreement-line-add-description",
    ["agreement", "line", "add", "AGR-1001", "--type", "fee", "--price", "10", "--start", "2026-04-01"],
    "--description",
    "description",
    SOME_TEXTS,
)
add(_case("agreement-line-stop-no-line", ["agreement", "line", "stop", "AGR-1001", "9"], 1, ("9",)))
add(_case("agreement-line-stop-line-zero", ["agreement", "line", "stop", "AGR-1001", "0"], 2, ("LINE", "0")))
add(_case("agreement-line-stop-line-huge", ["agreement", "line", "stop", "AGR-1001", HUGE], 2, ("LINE",)))
add(_case("agreement-line-stop-no-agreement", ["agreement", "line", "stop", "AGR-9999", "1"], 1, ("AGR-9999",)))

# === invoice =====================================================================================

add(_case("invoice-list-kind-receipt", ["invoice", "list", "--kind", "receipt"], 2, ("kind", "receipt")))
add(_case("invoice-list-from-feb-30", ["invoice", "list", "--from", "2026-02-30"], 1, ("from", "2026-02-30")))
add(_case("invoice-list-limit-zero", ["invoice", "list", "--limit", "0"], 2, ("--limit", "0")))
add(_case("invoice-list-limit-huge", ["invoice", "list", "--limit", HUGE], 2, ("--limit",)))
add(_case("invoice-show-no-invoice", ["invoice", "show", "INV-999999"], 1, ("INV-999999",)))
add(_case("invoice-show-key-with-space", ["invoice", "show", "INV 000001"], 1, ("INV 000001",)))
add(
    _case(
        "invoice-export-from-month-13",
        ["invoice", "export", "--from", "2026-13-01", "--to", "2026-12-31"],
        1,
        ("from", "2026-13-01"),
    )
)
add(
    _case(
        "invoice-export-reversed",
        ["invoice", "export", "--from", "2026-03-01", "--to", "2026-02-01", "--format", "csv"],
        1,
        ("2026-02-01",),
    )
)
add(_case("invoice-export-missing-to", ["invoice", "export", "--from", "2026-01-01"], 2, ("--to",)))
add(
    _case(
        "invoice-export-format-xml",
        ["invoice", "export", "--from", "2026-01-01", "--to", "2026-01-31", "--format", "xml"],
        2,
        ("--format", "xml"),
    )
)
add(_case("invoice-credit-a-credit-note", ["invoice", "credit", "INV-000114"], 1, ("INV-000114",)))
add(_case("invoice-credit-a-warranty-invoice", ["invoice", "credit", "INV-000002"], 1, ("INV-000002", "zero")))
add(_case("invoice-credit-no-line", ["invoice", "credit", "INV-000002", "--line", "5"], 1, ("5",)))
add(_case("invoice-credit-line-zero", ["invoice", "credit", "INV-000001", "--line", "0"], 2, ("--line", "0")))
add(_case("invoice-credit-line-word", ["invoice", "credit", "INV-000001", "--line", "all"], 2, ("--line", "all")))
add(_case("invoice-credit-no-invoice", ["invoice", "credit", "INV-999999"], 1, ("INV-999999",)))
_texts("invoice-credit-note", ["invoice", "credit", "INV-000001"], "--note", "note", SOME_TEXTS)

# === dispatch ====================================================================================

ASSIGN = ["dispatch", "assign", "SO-000060", "--technician", "T-06", "--start", "2026-03-11T09:00"]
add(
    _case(
        "dispatch-assign-double-booking",
        ["dispatch", "assign", "SO-000060", "--technician", "T-01", "--start", "2026-03-10T09:00", "--duration", "1h"],
        1,
        ("T-01",),
    )
)
add(
    _case(
        "dispatch-assign-double-booking-forced",
        [
            "dispatch",
            "assign",
            "SO-000060",
            "--technician",
            "T-01",
            "--start",
            "2026-03-10T09:30",
            "--duration",
            "1h",
            "--force",
        ],
        1,
        ("T-01",),
    )
)
add(_case("dispatch-assign-duration-zero", [*ASSIGN, "--duration", "0m"], 1, ("duration", "0m")))
add(_case("dispatch-assign-duration-unit", [*ASSIGN, "--duration", "5x"], 1, ("duration", "5x")))
add(_case("dispatch-assign-duration-negative", [*ASSIGN, "--duration", "-1h"], 1, ("duration", "-1h")))
add(_case("dispatch-assign-duration-huge", [*ASSIGN, "--duration", "99999999999d"], 2, ("duration", "99999999999d")))
add(_case("dispatch-assign-duration-arabic", [*ASSIGN, "--duration", "\u0662h"], 1, ("duration",)))
add(
    _case(
        "dispatch-assign-technician-dispatcher",
        ["dispatch", "assign", "SO-000060", "--technician", "D-01", "--start", "2026-03-11T09:00"],
        1,
        ("D-01",),
    )
)
add(
    _case(
        "dispatch-assign-no-technician",
        ["dispatch", "assign", "SO-000060", "--technician", "ghost", "--start", "2026-03-11T09:00"],
        1,
        ("ghost",),
    )
)
add(
    _case(
        "dispatch-assign-canceled-order",
        ["dispatch", "assign", "SO-000048", "--technician", "T-06", "--start", "2026-03-11T09:00"],
        1,
        ("SO-000048",),
    )
)
add(
    _case(
        "dispatch-assign-posted-order",
        ["dispatch", "assign", "SO-000001", "--technician", "T-03", "--start", "2026-03-11T09:00"],
        1,
        ("SO-000001",),
    )
)
add(
    _case(
        "dispatch-assign-start-hour-25",
        ["dispatch", "assign", "SO-000060", "--technician", "T-06", "--start", "2026-03-11T25:00"],
        1,
        ("start", "25:00"),
    )
)
add(
    _case(
        "dispatch-assign-start-year-1",
        ["dispatch", "assign", "SO-000060", "--technician", "T-06", "--start", "0001-01-01T00:00"],
        2,
        ("start", "0001-01-01"),
    )
)
add(_case("dispatch-assign-no-line", [*ASSIGN, "--line", "9"], 1, ("9",)))
add(_case("dispatch-assign-line-zero", [*ASSIGN, "--line", "0"], 2, ("--line", "0")))
add(_case("dispatch-assign-line-huge", [*ASSIGN, "--line", HUGE], 2, ("--line",)))
add(
    _case("dispatch-assign-missing-start", ["dispatch", "assign", "SO-000060", "--technician", "T-06"], 2, ("--start",))
)
add(
    _case(
        "dispatch-assign-no-order",
        ["dispatch", "assign", "SO-999999", "--technician", "T-06", "--start", "2026-03-11T09:00"],
        1,
        ("SO-999999",),
    )
)
add(
    _case(
        "dispatch-assign-during-absence",
        ["dispatch", "assign", "SO-000060", "--technician", "T-02", "--start", "2026-03-11T09:00", "--duration", "1h"],
        1,
        ("T-02",),
    )
)
add(
    _case(
        "dispatch-assign-outside-working-time",
        ["dispatch", "assign", "SO-000060", "--technician", "T-06", "--start", "2026-03-11T22:00", "--duration", "1h"],
        1,
        ("T-06",),
    )
)
add(
    _case(
        "dispatch-assign-lacking-skill",
        ["dispatch", "assign", "SO-000036", "--technician", "T-01", "--start", "2026-03-12T09:00", "--duration", "1h"],
        1,
        ("refrigeration",),
    )
)
add(_case("dispatch-unassign-not-assigned", ["dispatch", "unassign", "SO-000060"], 1, ("SO-000060",)))
add(_case("dispatch-unassign-no-order", ["dispatch", "unassign", "SO-999999"], 1, ("SO-999999",)))
add(_case("dispatch-unassign-no-line", ["dispatch", "unassign", "SO-000058", "--line", "9"], 1, ("9",)))
add(
    _case(
        "dispatch-move-not-assigned",
        ["dispatch", "move", "SO-000060", "--start", "2026-03-11T09:00"],
        1,
        ("SO-000060",),
    )
)
add(
    _case(
        "dispatch-move-onto-other-job", ["dispatch", "move", "SO-000058", "--start", "2026-03-10T13:00"], 1, ("T-01",)
    )
)
add(
    _case(
        "dispatch-move-start-month-13",
        ["dispatch", "move", "SO-000058", "--start", "2026-13-10T09:00"],
        1,
        ("start", "2026-13-10"),
    )
)
add(
    _case(
        "dispatch-move-no-technician",
        ["dispatch", "move", "SO-000058", "--start", "2026-03-12T09:00", "--technician", "ghost"],
        1,
        ("ghost",),
    )
)
add(
    _case(
        "dispatch-move-technician-manager",
        ["dispatch", "move", "SO-000058", "--start", "2026-03-12T09:00", "--technician", "M-01"],
        1,
        ("M-01",),
    )
)
add(_case("dispatch-move-missing-start", ["dispatch", "move", "SO-000058"], 2, ("--start",)))
add(_case("dispatch-queue-no-team", ["dispatch", "queue", "--team", "nowhere"], 1, ("nowhere",)))
add(_case("dispatch-queue-format-yaml", ["dispatch", "queue", "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("dispatch-board-date-feb-30", ["dispatch", "board", "--date", "2026-02-30"], 1, ("date", "2026-02-30")))
add(_case("dispatch-board-days-zero", ["dispatch", "board", "--days", "0"], 2, ("--days", "0")))
add(_case("dispatch-board-days-32", ["dispatch", "board", "--days", "32"], 2, ("--days", "32")))
add(_case("dispatch-board-days-huge", ["dispatch", "board", "--days", HUGE], 2, ("--days",)))
add(_case("dispatch-board-no-team", ["dispatch", "board", "--team", "nowhere"], 1, ("nowhere",)))
add(
    _case(
        "dispatch-board-date-year-9999",
        ["dispatch", "board", "--date", "9999-12-31", "--days", "5"],
        2,
        ("date", "9999-12-31"),
    )
)
add(_case("dispatch-schedule-no-worker", ["dispatch", "schedule", "ghost"], 1, ("ghost",)))
add(
    _case("dispatch-schedule-date-words", ["dispatch", "schedule", "T-01", "--date", "someday"], 1, ("date", "someday"))
)
add(_case("dispatch-schedule-days-zero", ["dispatch", "schedule", "T-01", "--days", "0"], 2, ("--days", "0")))
add(
    _case(
        "dispatch-schedule-ics-missing-folder",
        ["dispatch", "schedule", "T-01", "--ics", "/nonexistent-custsvc-dir/t01.ics"],
        1,
        ("/nonexistent-custsvc-dir",),
    )
)
add(_case("dispatch-schedule-ics-is-a-folder", ["dispatch", "schedule", "T-01", "--ics", "{files}"], 1, ("{files}",)))
add(_case("dispatch-suggest-days-zero", ["dispatch", "suggest", "--days", "0"], 2, ("--days", "0")))
add(_case("dispatch-suggest-days-40-apply", ["dispatch", "suggest", "--days", "40", "--apply"], 2, ("--days", "40")))
add(_case("dispatch-suggest-date-month-13", ["dispatch", "suggest", "--date", "2026-13-01"], 1, ("date", "2026-13-01")))
add(_case("dispatch-suggest-no-team", ["dispatch", "suggest", "--team", "nowhere", "--apply"], 1, ("nowhere",)))

add(_case("dispatch-team-add-duplicate", ["dispatch", "team", "add", "north", "--owner", "M-01"], 3, ("north",)))
add(_case("dispatch-team-add-no-owner", ["dispatch", "team", "add", "east", "--owner", "ghost"], 1, ("ghost",)))
add(
    _case(
        "dispatch-team-add-key-with-space",
        ["dispatch", "team", "add", "east side", "--owner", "M-01"],
        1,
        ("east side",),
    )
)
add(_case("dispatch-team-add-missing-owner", ["dispatch", "team", "add", "east"], 2, ("--owner",)))
_texts(
    "dispatch-team-add-description",
    ["dispatch", "team", "add", "east", "--owner", "M-01"],
    "--description",
    "description",
    SOME_TEXTS,
)
add(_case("dispatch-team-list-limit-zero", ["dispatch", "team", "list", "--limit", "0"], 2, ("--limit", "0")))
add(_case("dispatch-team-list-limit-huge", ["dispatch", "team", "list", "--limit", HUGE], 2, ("--limit",)))
add(
    _case("dispatch-team-update-no-team", ["dispatch", "team", "update", "nowhere", "--owner", "M-01"], 1, ("nowhere",))
)
add(_case("dispatch-team-update-no-owner", ["dispatch", "team", "update", "north", "--owner", "ghost"], 1, ("ghost",)))
add(
    _case(
        "dispatch-team-update-description-osc",
        ["dispatch", "team", "update", "north", "--description", "\x1b]0;pwned\x07"],
        1,
        ("description",),
        forbid=(ESC,),
    )
)
add(_case("dispatch-team-show-no-team", ["dispatch", "team", "show", "nowhere"], 1, ("nowhere",)))
add(_case("dispatch-team-remove-with-members", ["dispatch", "team", "remove", "north"], 1, ("north",)))
add(_case("dispatch-team-remove-no-team", ["dispatch", "team", "remove", "nowhere"], 1, ("nowhere",)))

# === subscription ================================================================================

SUB = ["subscription", "create", "SUB-9001", "--customer", "C-1001", "--group", "monthly-support"]
add(
    _case(
        "subscription-create-duplicate",
        [
            "subscription",
            "create",
            "SUB-1001",
            "--customer",
            "C-1001",
            "--group",
            "monthly-support",
            "--fee",
            "10",
            "--start",
            "2026-04-01",
        ],
        3,
        ("SUB-1001",),
    )
)
add(
    _case(
        "subscription-create-no-customer",
        [
            "subscription",
            "create",
            "SUB-9001",
            "--customer",
            "C-9999",
            "--group",
            "monthly-support",
            "--fee",
            "10",
            "--start",
            "2026-04-01",
        ],
        1,
        ("C-9999",),
    )
)
add(
    _case(
        "subscription-create-no-group",
        [
            "subscription",
            "create",
            "SUB-9001",
            "--customer",
            "C-1001",
            "--group",
            "weekly-nothing",
            "--fee",
            "10",
            "--start",
            "2026-04-01",
        ],
        1,
        ("weekly-nothing",),
    )
)
for _id, _value in [*MONEY, ("neg", "-5")]:
    add(_case(f"subscription-create-fee-{_id}", [*SUB, "--start", "2026-04-01", "--fee", _value], 1, ("fee", _value)))
add(
    _case(
        "subscription-create-fee-too-large",
        [*SUB, "--start", "2026-04-01", "--fee", "10000000000000"],
        1,
        ("fee", "10000000000000"),
    )
)
add(
    _case(
        "subscription-create-currency-eur1",
        [*SUB, "--start", "2026-04-01", "--fee", "10", "--currency", "EUR1"],
        1,
        ("currency", "EUR1"),
    )
)
add(
    _case(
        "subscription-create-currency-qqq",
        [*SUB, "--start", "2026-04-01", "--fee", "10", "--currency", "QQQ"],
        1,
        ("currency", "QQQ"),
    )
)
add(
    _case(
        "subscription-create-currency-symbol",
        [*SUB, "--start", "2026-04-01", "--fee", "10", "--currency", "\u20ac"],
        1,
        ("currency",),
    )
)
add(
    _case(
        "subscription-create-start-month-13", [*SUB, "--fee", "10", "--start", "2026-13-01"], 1, ("start", "2026-13-01")
    )
)
add(
    _case(
        "subscription-create-start-year-9999",
        [*SUB, "--fee", "10", "--start", "9999-01-01"],
        2,
        ("start", "9999-01-01"),
    )
)
add(
    _case(
        "subscription-create-end-before-start",
        [*SUB, "--fee", "10", "--start", "2026-04-01", "--end", "2026-03-01"],
        1,
        ("end", "2026-03-01"),
    )
)
add(
    _case(
        "subscription-create-index-zero",
        [*SUB, "--fee", "10", "--start", "2026-04-01", "--index", "0"],
        1,
        ("index", "0"),
    )
)
add(
    _case(
        "subscription-create-index-word",
        [*SUB, "--fee", "10", "--start", "2026-04-01", "--index", "abc"],
        1,
        ("index", "abc"),
    )
)
add(
    _case(
        "subscription-create-index-negative",
        [*SUB, "--fee", "10", "--start", "2026-04-01", "--index", "-5"],
        1,
        ("index", "-5"),
    )
)
add(_case("subscription-create-missing-fee", [*SUB, "--start", "2026-04-01"], 2, ("--fee",)))
add(
    _case(
        "subscription-create-key-with-space",
        [
            "subscription",
            "create",
            "SUB 9001",
            "--customer",
            "C-1001",
            "--group",
            "monthly-support",
            "--fee",
            "10",
            "--start",
            "2026-04-01",
        ],
        1,
        ("SUB 9001",),
    )
)
_texts(
    "subscription-create-description",
    [*SUB, "--fee", "10", "--start", "2026-04-01"],
    "--description",
    "description",
    SOME_TEXTS,
)
add(_case("subscription-list-status-paused", ["subscription", "list", "--status", "paused"], 2, ("status", "paused")))
add(_case("subscription-list-format-yaml", ["subscription", "list", "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("subscription-show-no-subscription", ["subscription", "show", "SUB-9999"], 1, ("SUB-9999",)))
add(
    _case(
        "subscription-price-inside-billed-period",
        ["subscription", "price", "SUB-1001", "--fee", "200", "--from", "2026-02-01"],
        1,
        ("SUB-1001",),
    )
)
add(
    _case(
        "subscription-price-fee-word",
        ["subscription", "price", "SUB-1001", "--fee", "abc", "--from", "2026-04-01"],
        1,
        ("fee", "abc"),
    )
)
add(
    _case(
        "subscription-price-fee-arabic",
        ["subscription", "price", "SUB-1001", "--fee", ARABIC, "--from", "2026-04-01"],
        1,
        ("fee",),
    )
)
add(
    _case(
        "subscription-price-from-feb-30",
        ["subscription", "price", "SUB-1001", "--fee", "200", "--from", "2026-02-30"],
        1,
        ("from", "2026-02-30"),
    )
)
add(
    _case(
        "subscription-price-no-subscription",
        ["subscription", "price", "SUB-9999", "--fee", "200", "--from", "2026-04-01"],
        1,
        ("SUB-9999",),
    )
)
add(_case("subscription-price-missing-from", ["subscription", "price", "SUB-1001", "--fee", "200"], 2, ("--from",)))
IDX = ["subscription", "index", "SUB-1001"]
add(
    _case(
        "subscription-index-inside-billed-period", [*IDX, "--percent", "3.5", "--from", "2026-02-01"], 1, ("SUB-1001",)
    )
)
add(_case("subscription-index-percent-word", [*IDX, "--percent", "abc", "--from", "2026-04-01"], 1, ("percent", "abc")))
add(
    _case("subscription-index-percent-comma", [*IDX, "--percent", "3,5", "--from", "2026-04-01"], 1, ("percent", "3,5"))
)
add(_case("subscription-index-percent-exp", [*IDX, "--percent", "1e5", "--from", "2026-04-01"], 1, ("percent", "1e5")))
add(_case("subscription-index-percent-nan", [*IDX, "--percent", "NaN", "--from", "2026-04-01"], 1, ("percent", "NaN")))
add(
    _case(
        "subscription-index-percent-minus-100",
        [*IDX, "--percent", "-100", "--from", "2026-04-01"],
        1,
        ("percent", "-100"),
    )
)
add(_case("subscription-index-value-zero", [*IDX, "--value", "0", "--from", "2026-04-01"], 1, ("index", "0")))
add(
    _case(
        "subscription-index-percent-and-value",
        [*IDX, "--percent", "3", "--value", "110", "--from", "2026-04-01"],
        2,
        ("--percent", "--value"),
    )
)
add(_case("subscription-index-neither", [*IDX, "--from", "2026-04-01"], 2, ("--percent", "--value")))
add(
    _case(
        "subscription-index-sub-and-group",
        [*IDX, "--group", "monthly-support", "--percent", "3", "--from", "2026-04-01"],
        2,
        ("--group",),
    )
)
add(
    _case(
        "subscription-index-no-group",
        ["subscription", "index", "--group", "nope", "--percent", "3", "--from", "2026-04-01"],
        1,
        ("nope",),
    )
)
add(
    _case(
        "subscription-index-no-subscription",
        ["subscription", "index", "SUB-9999", "--percent", "3", "--from", "2026-04-01"],
        1,
        ("SUB-9999",),
    )
)
RED = ["subscription", "reduce", "SUB-1001"]
add(_case("subscription-reduce-invoiced-days", [*RED, "--from", "2026-02-10", "--to", "2026-02-11"], 1, ("SUB-1001",)))
add(_case("subscription-reduce-reversed", [*RED, "--from", "2026-04-11", "--to", "2026-04-10"], 1, ("2026-04-10",)))
add(
    _case(
        "subscription-reduce-from-month-13",
        [*RED, "--from", "2026-13-01", "--to", "2026-13-02"],
        1,
        ("from", "2026-13-01"),
    )
)
add(
    _case(
        "subscription-reduce-no-subscription",
        ["subscription", "reduce", "SUB-9999", "--from", "2026-04-10", "--to", "2026-04-11"],
        1,
        ("SUB-9999",),
    )
)
add(_case("subscription-reduce-missing-to", [*RED, "--from", "2026-04-10"], 2, ("--to",)))
_texts(
    "subscription-reduce-reason", [*RED, "--from", "2026-04-10", "--to", "2026-04-11"], "--reason", "reason", SOME_TEXTS
)
add(_case("subscription-cancel-twice", ["subscription", "cancel", "SUB-3001", "--on", "2026-04-01"], 1, ("SUB-3001",)))
add(
    _case(
        "subscription-cancel-no-subscription",
        ["subscription", "cancel", "SUB-9999", "--on", "2026-04-01"],
        1,
        ("SUB-9999",),
    )
)
add(
    _case(
        "subscription-cancel-on-feb-30",
        ["subscription", "cancel", "SUB-1001", "--on", "2026-02-30"],
        1,
        ("on", "2026-02-30"),
    )
)
add(_case("subscription-cancel-missing-on", ["subscription", "cancel", "SUB-1001"], 2, ("--on",)))
add(
    _case(
        "subscription-invoice-through-month-13",
        ["subscription", "invoice", "--through", "2026-13-01"],
        1,
        ("through", "2026-13-01"),
    )
)
add(
    _case(
        "subscription-invoice-through-year-9999",
        ["subscription", "invoice", "--through", "9999-12-31", "--dry-run"],
        2,
        ("through", "9999-12-31"),
    )
)
add(
    _case(
        "subscription-invoice-no-customer",
        ["subscription", "invoice", "--through", "2026-03-31", "--customer", "C-9999"],
        1,
        ("C-9999",),
    )
)
add(
    _case(
        "subscription-invoice-no-group",
        ["subscription", "invoice", "--through", "2026-03-31", "--group", "nope"],
        1,
        ("nope",),
    )
)
add(_case("subscription-invoice-missing-through", ["subscription", "invoice"], 2, ("--through",)))
add(_case("subscription-explain-no-subscription", ["subscription", "explain", "SUB-9999"], 1, ("SUB-9999",)))
add(
    _case(
        "subscription-explain-through-words",
        ["subscription", "explain", "SUB-1001", "--through", "later"],
        1,
        ("through", "later"),
    )
)
add(
    _case(
        "subscription-explain-through-year-9999",
        ["subscription", "explain", "SUB-1001", "--through", "9999-12-31"],
        2,
        ("through", "9999-12-31"),
    )
)
add(
    _case("subscription-accruals-through-word", ["subscription", "accruals", "--through", "abc"], 1, ("through", "abc"))
)
add(_case("subscription-accruals-missing-through", ["subscription", "accruals", "--post"], 2, ("--through",)))
GRP = ["subscription", "group", "add", "fortnightly"]
add(
    _case(
        "subscription-group-add-duplicate",
        ["subscription", "group", "add", "monthly-support", "--period", "month"],
        3,
        ("monthly-support",),
    )
)
add(_case("subscription-group-add-period-fortnight", [*GRP, "--period", "fortnight"], 2, ("period", "fortnight")))
add(_case("subscription-group-add-every-zero", [*GRP, "--period", "week", "--every", "0"], 2, ("--every", "0")))
add(_case("subscription-group-add-every-word", [*GRP, "--period", "week", "--every", "two"], 2, ("--every", "two")))
add(_case("subscription-group-add-every-huge", [*GRP, "--period", "week", "--every", HUGE], 2, ("--every",)))
add(_case("subscription-group-add-align-lunar", [*GRP, "--period", "week", "--align", "lunar"], 2, ("align", "lunar")))
add(
    _case(
        "subscription-group-add-proration-half",
        [*GRP, "--period", "week", "--proration", "half"],
        2,
        ("proration", "half"),
    )
)
add(
    _case(
        "subscription-group-add-accrue-longer", [*GRP, "--period", "month", "--accrue", "year"], 1, ("accrue", "year")
    )
)
add(_case("subscription-group-add-accrue-week", [*GRP, "--period", "month", "--accrue", "week"], 1, ("accrue", "week")))
add(
    _case(
        "subscription-group-add-key-with-space",
        ["subscription", "group", "add", "two weeks", "--period", "week"],
        1,
        ("two weeks",),
    )
)
_texts("subscription-group-add-description", [*GRP, "--period", "week"], "--description", "description", SOME_TEXTS)
add(
    _case(
        "subscription-group-list-format-yaml",
        ["subscription", "group", "list", "--format", "yaml"],
        2,
        ("--format", "yaml"),
    )
)
add(_case("subscription-group-list-unknown-option", ["subscription", "group", "list", "--all"], 2, ("--all",)))

# === sla =========================================================================================

SLA = ["sla", "add", "platinum", "--calendar", "riga-office"]
add(
    _case(
        "sla-add-duplicate",
        ["sla", "add", "gold", "--calendar", "riga-office", "--response", "1h", "--resolution", "4h"],
        3,
        ("gold",),
    )
)
add(
    _case(
        "sla-add-no-calendar",
        ["sla", "add", "platinum", "--calendar", "nowhere", "--response", "1h", "--resolution", "4h"],
        1,
        ("nowhere",),
    )
)
add(_case("sla-add-response-unit", [*SLA, "--response", "5x", "--resolution", "4h"], 1, ("response", "5x")))
add(_case("sla-add-response-zero", [*SLA, "--response", "0m", "--resolution", "4h"], 1, ("response", "0m")))
add(_case("sla-add-response-negative", [*SLA, "--response", "-1h", "--resolution", "4h"], 1, ("response", "-1h")))
add(_case("sla-add-response-priority-urgent", [*SLA, "--response", "urgent=1h", "--resolution", "4h"], 1, ("urgent",)))
add(
    _case(
        "sla-add-resolution-huge",
        [*SLA, "--response", "1h", "--resolution", "99999999999d"],
        2,
        ("resolution", "99999999999d"),
    )
)
add(_case("sla-add-resolution-arabic", [*SLA, "--response", "1h", "--resolution", "\u0664h"], 1, ("resolution",)))
add(
    _case(
        "sla-add-missing-calendar",
        ["sla", "add", "platinum", "--response", "1h", "--resolution", "4h"],
        2,
        ("--calendar",),
    )
)
add(_case("sla-add-missing-resolution", [*SLA, "--response", "1h"], 2, ("--resolution",)))
add(
    _case(
        "sla-add-key-with-space",
        ["sla", "add", "plat inum", "--calendar", "riga-office", "--response", "1h", "--resolution", "4h"],
        1,
        ("plat inum",),
    )
)
_texts(
    "sla-add-description", [*SLA, "--response", "1h", "--resolution", "4h"], "--description", "description", SOME_TEXTS
)
add(_case("sla-list-format-yaml", ["sla", "list", "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("sla-show-no-sla", ["sla", "show", "platinum"], 1, ("platinum",)))
add(_case("sla-suspend-no-sla", ["sla", "suspend", "platinum"], 1, ("platinum",)))
add(_case("sla-resume-no-sla", ["sla", "resume", "platinum"], 1, ("platinum",)))
add(_case("sla-apply-tier-with-comma", ["sla", "apply", "gold", "--tier", "gold,silver"], 1, ("tier", "gold,silver")))
add(_case("sla-apply-no-customer", ["sla", "apply", "gold", "--customer", "C-9999"], 1, ("C-9999",)))
add(_case("sla-apply-no-agreement", ["sla", "apply", "gold", "--agreement", "AGR-9999"], 1, ("AGR-9999",)))
add(_case("sla-apply-no-sla", ["sla", "apply", "platinum", "--default"], 1, ("platinum",)))
add(_case("sla-apply-no-target", ["sla", "apply", "gold"], 2, ("--customer", "--default")))
add(
    _case(
        "sla-apply-two-targets",
        ["sla", "apply", "gold", "--customer", "C-1001", "--default"],
        2,
        ("--customer", "--default"),
    )
)
add(_case("sla-unapply-nothing-applied", ["sla", "unapply", "--customer", "C-1001"], 1, ("C-1001",)))
add(_case("sla-unapply-no-target", ["sla", "unapply"], 2, ("--customer", "--default")))
add(_case("sla-unapply-no-agreement", ["sla", "unapply", "--agreement", "AGR-9999"], 1, ("AGR-9999",)))
add(_case("sla-assignments-format-yaml", ["sla", "assignments", "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("sla-assignments-extra-argument", ["sla", "assignments", "gold"], 2, ("gold",)))
add(_case("sla-status-no-order", ["sla", "status", "SO-999999"], 1, ("SO-999999",)))
add(_case("sla-explain-no-order", ["sla", "explain", "SO-999999"], 1, ("SO-999999",)))
add(_case("sla-respond-canceled", ["sla", "respond", "SO-000048"], 1, ("SO-000048",)))
add(_case("sla-respond-already-responded", ["sla", "respond", "SO-000050"], 1, ("SO-000050",)))
_texts("sla-respond-note", ["sla", "respond", "SO-000060"], "--note", "note", SOME_TEXTS)
add(_case("sla-stop-no-reason-code", ["sla", "stop", "SO-000060", "--reason", "BOGUS"], 1, ("BOGUS",)))
add(_case("sla-stop-missing-reason", ["sla", "stop", "SO-000060"], 2, ("--reason",)))
add(_case("sla-stop-canceled", ["sla", "stop", "SO-000048", "--reason", "NO-ACCESS"], 1, ("SO-000048",)))
add(_case("sla-stop-resolved", ["sla", "stop", "SO-000001", "--reason", "NO-ACCESS"], 1, ("SO-000001",)))
_texts(
    "sla-stop-note",
    ["sla", "stop", "SO-000060", "--reason", "NO-ACCESS"],
    "--note",
    "note",
    [t for t in TEXTS if t[0] in ("newline", "osc")],
)
add(_case("sla-start-not-stopped", ["sla", "start", "SO-000060"], 1, ("SO-000060",)))
add(_case("sla-start-no-order", ["sla", "start", "SO-999999"], 1, ("SO-999999",)))
add(
    _case(
        "sla-report-year-1-to-9999", ["sla", "report", "--from", "0001-01-01", "--to", "9999-12-31"], 2, ("0001-01-01",)
    )
)
add(
    _case(
        "sla-report-by-color",
        ["sla", "report", "--from", "2026-01-01", "--to", "2026-03-31", "--by", "color"],
        2,
        ("by", "color"),
    )
)
add(
    _case(
        "sla-report-from-month-13",
        ["sla", "report", "--from", "2026-13-01", "--to", "2026-12-31"],
        1,
        ("from", "2026-13-01"),
    )
)
add(_case("sla-report-reversed", ["sla", "report", "--from", "2026-03-31", "--to", "2026-03-01"], 1, ("2026-03-01",)))
add(_case("sla-report-missing-to", ["sla", "report", "--from", "2026-01-01"], 2, ("--to",)))
add(_case("sla-breaches-from-feb-30", ["sla", "breaches", "--from", "2026-02-30"], 1, ("from", "2026-02-30")))
add(
    _case(
        "sla-breaches-year-1-to-9999",
        ["sla", "breaches", "--from", "0001-01-01", "--to", "9999-12-31"],
        2,
        ("0001-01-01",),
    )
)
add(_case("sla-at-risk-within-unit", ["sla", "at-risk", "--within", "5x"], 1, ("within", "5x")))
add(_case("sla-at-risk-within-negative", ["sla", "at-risk", "--within", "-1h"], 1, ("within", "-1h")))
add(_case("sla-at-risk-within-huge", ["sla", "at-risk", "--within", "99999999999d"], 2, ("within", "99999999999d")))

# === calendar ====================================================================================

CAL0 = ["calendar", "add", "night-shift", "--timezone", "Europe/Riga"]
CAL = [*CAL0, "--hours", "mon-fri 20:00-24:00"]
add(
    _case(
        "calendar-add-duplicate", ["calendar", "add", "riga-office", "--timezone", "Europe/Riga"], 3, ("riga-office",)
    )
)
add(
    _case(
        "calendar-add-timezone-mars",
        ["calendar", "add", "night-shift", "--timezone", "Mars/Base"],
        1,
        ("timezone", "Mars/Base"),
    )
)
add(_case("calendar-add-timezone-empty", ["calendar", "add", "night-shift", "--timezone", ""], 1, ("timezone",)))
add(
    _case(
        "calendar-add-timezone-path",
        ["calendar", "add", "night-shift", "--timezone", "../../etc/passwd"],
        1,
        ("timezone", "../../etc/passwd"),
    )
)
add(_case("calendar-add-hours-25", [*CAL0, "--hours", "mon-fri 25:00-26:00"], 1, ("hours", "25:00")))
add(_case("calendar-add-hours-funday", [*CAL0, "--hours", "funday 08:00-12:00"], 1, ("funday",)))
add(_case("calendar-add-hours-reversed", [*CAL0, "--hours", "mon 12:00-08:00"], 1, ("hours", "12:00-08:00")))
add(_case("calendar-add-hours-overlap", [*CAL0, "--hours", "mon 08:00-12:00,11:00-13:00"], 1, ("hours",)))
add(_case("calendar-add-hours-past-midnight", [*CAL0, "--hours", "mon 08:00-24:30"], 1, ("hours", "24:30")))
add(_case("calendar-add-hours-no-times", [*CAL0, "--hours", "mon-fri"], 1, ("hours", "mon-fri")))
add(_case("calendar-add-hours-bare-numbers", [*CAL0, "--hours", "mon 8-12"], 1, ("hours", "8-12")))
add(_case("calendar-add-holidays-country-xx", [*CAL, "--holidays-country", "XX"], 1, ("country", "XX")))
add(
    _case(
        "calendar-add-holidays-subdivision-zz",
        [*CAL, "--holidays-country", "LV", "--holidays-subdivision", "ZZ"],
        1,
        ("subdivision", "ZZ"),
    )
)
add(
    _case(
        "calendar-add-key-with-space",
        ["calendar", "add", "night shift", "--timezone", "Europe/Riga"],
        1,
        ("night shift",),
    )
)
add(_case("calendar-add-missing-timezone", ["calendar", "add", "night-shift"], 2, ("--timezone",)))
_texts("calendar-add-description", CAL, "--description", "description", SOME_TEXTS)
add(
    _case(
        "calendar-update-no-calendar", ["calendar", "update", "nowhere", "--timezone", "Europe/Riga"], 1, ("nowhere",)
    )
)
add(
    _case(
        "calendar-update-timezone-mars",
        ["calendar", "update", "riga-office", "--timezone", "Mars/Base"],
        1,
        ("timezone", "Mars/Base"),
    )
)
add(
    _case(
        "calendar-update-hours-bad", ["calendar", "update", "riga-office", "--hours", "mon 08:00-08:00"], 1, ("hours",)
    )
)
add(_case("calendar-list-format-yaml", ["calendar", "list", "--format", "yaml"], 2, ("--format", "yaml")))
add(
    _case(
        "calendar-show-year-9999",
        ["calendar", "show", "riga-office", "--from", "9999-12-31", "--to", "9999-12-31"],
        2,
        ("9999-12-31",),
    )
)
add(
    _case(
        "calendar-show-from-month-13",
        ["calendar", "show", "riga-office", "--from", "2026-13-01"],
        1,
        ("from", "2026-13-01"),
    )
)
add(
    _case(
        "calendar-show-reversed",
        ["calendar", "show", "riga-office", "--from", "2026-03-31", "--to", "2026-03-01"],
        1,
        ("2026-03-01",),
    )
)
add(_case("calendar-show-no-calendar", ["calendar", "show", "nowhere"], 1, ("nowhere",)))
add(_case("calendar-remove-in-use", ["calendar", "remove", "riga-office"], 1, ("riga-office",)))
add(_case("calendar-remove-no-calendar", ["calendar", "remove", "nowhere"], 1, ("nowhere",)))
add(
    _case(
        "calendar-holiday-add-feb-30", ["calendar", "holiday", "add", "riga-office", "2026-02-30"], 1, ("2026-02-30",)
    )
)
add(_case("calendar-holiday-add-no-calendar", ["calendar", "holiday", "add", "nowhere", "2026-12-28"], 1, ("nowhere",)))
_texts(
    "calendar-holiday-add-name",
    ["calendar", "holiday", "add", "riga-office", "2026-12-28"],
    "--name",
    "name",
    SOME_TEXTS,
)
add(
    _case(
        "calendar-holiday-remove-not-a-holiday",
        ["calendar", "holiday", "remove", "riga-office", "2026-12-28"],
        1,
        ("2026-12-28",),
    )
)
add(
    _case(
        "calendar-holiday-remove-public-holiday",
        ["calendar", "holiday", "remove", "riga-office", "2026-12-25"],
        1,
        ("2026-12-25",),
    )
)
add(
    _case(
        "calendar-holiday-remove-bad-date",
        ["calendar", "holiday", "remove", "riga-office", "28.12.2026"],
        1,
        ("28.12.2026",),
    )
)
add(
    _case(
        "calendar-holiday-remove-no-calendar",
        ["calendar", "holiday", "remove", "nowhere", "2026-12-28"],
        1,
        ("nowhere",),
    )
)
add(
    _case(
        "calendar-holiday-list-year-zero",
        ["calendar", "holiday", "list", "riga-office", "--year", "0"],
        2,
        ("year", "0"),
    )
)
add(
    _case(
        "calendar-holiday-list-year-negative",
        ["calendar", "holiday", "list", "riga-office", "--year", "-1"],
        2,
        ("year", "-1"),
    )
)
add(
    _case(
        "calendar-holiday-list-year-10000",
        ["calendar", "holiday", "list", "riga-office", "--year", "10000"],
        2,
        ("year", "10000"),
    )
)
add(
    _case(
        "calendar-holiday-list-year-huge", ["calendar", "holiday", "list", "riga-office", "--year", HUGE], 2, ("year",)
    )
)
add(
    _case(
        "calendar-holiday-list-year-word",
        ["calendar", "holiday", "list", "riga-office", "--year", "next"],
        2,
        ("--year", "next"),
    )
)
add(_case("calendar-holiday-list-no-calendar", ["calendar", "holiday", "list", "nowhere"], 1, ("nowhere",)))

# === customer ====================================================================================

CUST = ["customer", "add", "C-7001", "--name", "New Customer"]
add(_case("customer-add-duplicate", ["customer", "add", "C-1001", "--name", "Again"], 3, ("C-1001",)))
add(_case("customer-add-key-with-space", ["customer", "add", "C 7001", "--name", "X"], 1, ("account", "C 7001")))
add(_case("customer-add-key-65-chars", ["customer", "add", LONG_KEY, "--name", "X"], 1, ("account", LONG_KEY)))
add(_case("customer-add-key-newline", ["customer", "add", "C-7001\nC-7002", "--name", "X"], 1, ("account",)))
add(_case("customer-add-key-empty", ["customer", "add", "", "--name", "X"], 1, ("account",)))
add(_case("customer-add-tier-with-comma", [*CUST, "--tier", "gold,silver"], 1, ("tier", "gold,silver")))
add(_case("customer-add-tier-with-space", [*CUST, "--tier", "Gold Tier"], 1, ("tier", "Gold Tier")))
add(_case("customer-add-tier-41-chars", [*CUST, "--tier", "t" * 41], 1, ("tier",)))
add(_case("customer-add-timezone-mars", [*CUST, "--timezone", "Mars/Base"], 1, ("timezone", "Mars/Base")))
add(
    _case(
        "customer-add-timezone-absolute-path",
        [*CUST, "--timezone", "/etc/localtime"],
        1,
        ("timezone", "/etc/localtime"),
    )
)
add(_case("customer-add-email-plain", [*CUST, "--email", "not-an-email"], 1, ("email", "not-an-email")))
add(_case("customer-add-email-no-dot", [*CUST, "--email", "a@b"], 1, ("email", "a@b")))
add(_case("customer-add-email-two", [*CUST, "--email", "a@b.lv,c@d.lv"], 1, ("email", "a@b.lv,c@d.lv")))
add(_case("customer-add-email-header-injection", [*CUST, "--email", "a@b.lv\nBcc: all@x.lv"], 1, ("email",)))
add(_case("customer-add-missing-name", ["customer", "add", "C-7001"], 2, ("--name",)))
add(_case("customer-add-name-empty", ["customer", "add", "C-7001", "--name", ""], 1, ("name",)))
add(_case("customer-add-name-blank", ["customer", "add", "C-7001", "--name", "   "], 1, ("name",)))
_texts("customer-add-name", ["customer", "add", "C-7001"], "--name", "name", TEXTS)
_texts("customer-add-phone", CUST, "--phone", "phone", [t for t in TEXTS if t[0] in ("newline", "ansi")])
_texts("customer-add-address", CUST, "--address", "address", [t for t in TEXTS if t[0] in ("long600", "u2028")])
add(_case("customer-list-tier-with-comma", ["customer", "list", "--tier", "gold,silver"], 2, ("tier", "gold,silver")))
add(_case("customer-list-limit-zero", ["customer", "list", "--limit", "0"], 2, ("--limit", "0")))
add(_case("customer-list-limit-negative", ["customer", "list", "--limit", "-5"], 2, ("--limit", "-5")))
add(_case("customer-list-limit-huge", ["customer", "list", "--limit", HUGE], 2, ("--limit",)))
add(_case("customer-update-no-customer", ["customer", "update", "C-9999", "--name", "X"], 1, ("C-9999",)))
add(
    _case(
        "customer-update-timezone-mars",
        ["customer", "update", "C-1001", "--timezone", "Mars/Base"],
        1,
        ("timezone", "Mars/Base"),
    )
)
add(
    _case(
        "customer-update-email-bad",
        ["customer", "update", "C-1001", "--email", "facility(at)maiznica"],
        1,
        ("email", "facility(at)maiznica"),
    )
)
add(_case("customer-update-clear-name", ["customer", "update", "C-1001", "--name", ""], 1, ("name",)))
_texts(
    "customer-update-name",
    ["customer", "update", "C-1001"],
    "--name",
    "name",
    [t for t in TEXTS if t[0] in ("osc", "vtab", "cr")],
)
add(_case("customer-show-no-customer", ["customer", "show", "C-9999"], 1, ("C-9999",)))
add(_case("customer-show-osc-key", ["customer", "show", "\x1b]0;pwned\x07"], 1, ("customer",), forbid=(ESC,)))
add(_case("customer-remove-referenced", ["customer", "remove", "C-1001"], 1, ("C-1001",)))
add(_case("customer-remove-no-customer", ["customer", "remove", "C-9999"], 1, ("C-9999",)))

# === object ======================================================================================

OBJ = ["object", "add", "OBJ-0100", "--customer", "C-1001"]
add(_case("object-add-duplicate", ["object", "add", "OBJ-0001", "--customer", "C-1001"], 3, ("OBJ-0001",)))
add(_case("object-add-no-customer", ["object", "add", "OBJ-0100", "--customer", "C-9999"], 1, ("C-9999",)))
add(_case("object-add-no-item", [*OBJ, "--item", "NOPE-1"], 1, ("NOPE-1",)))
add(_case("object-add-duplicate-serial", [*OBJ, "--item", "BOILER-35", "--serial", "VB35-110231"], 3, ("VB35-110231",)))
add(_case("object-add-group-with-comma", [*OBJ, "--group", "heating,cooling"], 1, ("group", "heating,cooling")))
add(_case("object-add-key-with-space", ["object", "add", "OBJ 0100", "--customer", "C-1001"], 1, ("OBJ 0100",)))
add(_case("object-add-missing-customer", ["object", "add", "OBJ-0100"], 2, ("--customer",)))
_texts("object-add-description", OBJ, "--description", "description", SOME_TEXTS)
_texts("object-add-serial", OBJ, "--serial", "serial", [t for t in TEXTS if t[0] in ("newline", "ansi")])
add(_case("object-list-limit-zero", ["object", "list", "--limit", "0"], 2, ("--limit", "0")))
add(
    _case(
        "object-list-group-with-comma",
        ["object", "list", "--group", "heating,cooling"],
        2,
        ("group", "heating,cooling"),
    )
)
add(
    _case(
        "object-update-customer-used-by-agreement",
        ["object", "update", "OBJ-0001", "--customer", "C-3001"],
        1,
        ("OBJ-0001",),
    )
)
add(_case("object-update-no-object", ["object", "update", "OBJ-9999", "--description", "X"], 1, ("OBJ-9999",)))
add(_case("object-update-no-item", ["object", "update", "OBJ-0001", "--item", "NOPE-1"], 1, ("NOPE-1",)))
add(
    _case(
        "object-update-serial-taken", ["object", "update", "OBJ-0001", "--serial", "VB35-110232"], 3, ("VB35-110232",)
    )
)
add(_case("object-update-no-customer", ["object", "update", "OBJ-0001", "--customer", "C-9999"], 1, ("C-9999",)))
add(_case("object-show-no-object", ["object", "show", "OBJ-9999"], 1, ("OBJ-9999",)))
add(_case("object-remove-referenced", ["object", "remove", "OBJ-0001"], 1, ("OBJ-0001",)))
add(_case("object-remove-no-object", ["object", "remove", "OBJ-9999"], 1, ("OBJ-9999",)))
# the days an object was installed and its warranty ends (issue "Repairs"): invalid (1), out of range (2)
add(_case("object-add-installed-feb-30", [*OBJ, "--installed", "2026-02-30"], 1, ("installed", "2026-02-30")))
add(_case("object-add-installed-word", [*OBJ, "--installed", "last spring"], 1, ("installed", "last spring")))
add(_case("object-add-installed-year-9999", [*OBJ, "--installed", "9999-01-01"], 2, ("installed", "9999-01-01")))
_WU = ["object", "update", "OBJ-0001", "--warranty-until"]
add(_case("object-update-warranty-until-month-13", [*_WU, "2028-13-01"], 1, ("warranty_until", "2028-13-01")))
add(_case("object-update-warranty-until-ansi", [*_WU, ESC + "[31m2028"], 1, ("warranty_until",), forbid=(ESC,)))
add(_case("object-update-installed-no-object", ["object", "update", "OBJ-9999", "--installed", "2025-01-01"], 1,
          ("OBJ-9999",)))  # fmt: skip
add(
    _case(
        "object-import-installed-feb-30",
        ["object", "import", "-"],
        1,
        ("row 1", "installed", "2026-02-30", "nothing was imported"),
        input="object,customer,installed\nOBJ-0100,C-1001,2026-02-30\n",
    )
)

# === item ========================================================================================

ITEM = ["item", "add", "VALVE-2W", "--name", "Two-way valve"]
add(_case("item-add-duplicate", ["item", "add", "BOILER-24", "--name", "Again"], 3, ("BOILER-24",)))
for _id, _value in [*MONEY, ("neg", "-1")]:
    add(_case(f"item-add-price-{_id}", [*ITEM, "--price", _value], 1, ("price", _value)))
add(_case("item-add-price-too-large", [*ITEM, "--price", "10000000000000"], 1, ("price", "10000000000000")))
add(_case("item-add-unit-with-comma", [*ITEM, "--unit", "kg,l"], 1, ("unit", "kg,l")))
add(_case("item-add-key-with-space", ["item", "add", "VALVE 2W", "--name", "X"], 1, ("VALVE 2W",)))
add(_case("item-add-key-65-chars", ["item", "add", LONG_KEY, "--name", "X"], 1, ("item",)))
_texts("item-add-name", ["item", "add", "VALVE-2W"], "--name", "name", SOME_TEXTS)
add(_case("item-list-limit-zero", ["item", "list", "--limit", "0"], 2, ("--limit", "0")))
add(_case("item-update-price-word", ["item", "update", "BOILER-24", "--price", "abc"], 1, ("price", "abc")))
add(_case("item-update-price-nan", ["item", "update", "BOILER-24", "--price", "NaN"], 1, ("price", "NaN")))
add(_case("item-update-no-item", ["item", "update", "NOPE-1", "--name", "X"], 1, ("NOPE-1",)))
add(_case("item-update-clear-name", ["item", "update", "BOILER-24", "--name", ""], 1, ("name",)))
add(_case("item-show-no-item", ["item", "show", "NOPE-1"], 1, ("NOPE-1",)))
add(_case("item-remove-used-by-objects", ["item", "remove", "BOILER-24"], 1, ("BOILER-24",)))
add(_case("item-remove-used-by-agreement", ["item", "remove", "FILTER-G4"], 1, ("FILTER-G4",)))
add(_case("item-remove-no-item", ["item", "remove", "NOPE-1"], 1, ("NOPE-1",)))

# === task ========================================================================================

TASK = ["task", "add", "DESCALE", "--description", "Descaling"]
add(_case("task-add-duplicate", ["task", "add", "BOILER-SERVICE", "--description", "Again"], 3, ("BOILER-SERVICE",)))
for _id, _value in QTY:
    add(_case(f"task-add-hours-{_id}", [*TASK, "--hours", _value], 1, ("hours", _value)))
add(_case("task-add-hours-too-large", [*TASK, "--hours", "1000000000000"], 1, ("hours", "1000000000000")))
add(_case("task-add-skill-with-comma", [*TASK, "--skill", "gas,water"], 1, ("skill", "gas,water")))
add(_case("task-add-price-exp", [*TASK, "--price", "1e5"], 1, ("price", "1e5")))
add(_case("task-add-price-arabic", [*TASK, "--price", ARABIC], 1, ("price",)))
add(_case("task-add-missing-description", ["task", "add", "DESCALE"], 2, ("--description",)))
_texts("task-add-description", ["task", "add", "DESCALE"], "--description", "description", SOME_TEXTS)
add(_case("task-list-skill-with-comma", ["task", "list", "--skill", "gas,water"], 2, ("skill", "gas,water")))
add(_case("task-list-limit-zero", ["task", "list", "--limit", "0"], 2, ("--limit", "0")))
add(_case("task-update-no-task", ["task", "update", "NOPE-TASK", "--hours", "2"], 1, ("NOPE-TASK",)))
add(_case("task-update-hours-nan", ["task", "update", "AC-REPAIR", "--hours", "NaN"], 1, ("hours", "NaN")))
add(_case("task-update-clear-description", ["task", "update", "AC-REPAIR", "--description", ""], 1, ("description",)))
add(_case("task-show-no-task", ["task", "show", "NOPE-TASK"], 1, ("NOPE-TASK",)))
add(_case("task-remove-referenced", ["task", "remove", "BOILER-SERVICE"], 1, ("BOILER-SERVICE",)))

# === worker ======================================================================================

WRK = ["worker", "add", "T-07", "--name", "New Tech", "--role", "technician"]
add(_case("worker-add-duplicate", ["worker", "add", "T-01", "--name", "Again", "--role", "technician"], 3, ("T-01",)))
add(
    _case("worker-add-role-wizard", ["worker", "add", "T-07", "--name", "X", "--role", "wizard"], 2, ("role", "wizard"))
)
add(_case("worker-add-missing-role", ["worker", "add", "T-07", "--name", "X"], 2, ("--role",)))
add(_case("worker-add-skill-with-comma", [*WRK, "--skill", "gas,water"], 1, ("skill", "gas,water")))
add(_case("worker-add-no-team", [*WRK, "--team", "nowhere"], 1, ("nowhere",)))
add(_case("worker-add-email-bad", [*WRK, "--email", "anna@"], 1, ("email", "anna@")))
add(_case("worker-add-no-calendar", [*WRK, "--calendar", "nowhere"], 1, ("nowhere",)))
add(_case("worker-add-key-with-space", ["worker", "add", "T 07", "--name", "X", "--role", "technician"], 1, ("T 07",)))
_texts("worker-add-name", ["worker", "add", "T-07", "--role", "technician"], "--name", "name", SOME_TEXTS)
_texts("worker-add-phone", WRK, "--phone", "phone", [t for t in TEXTS if t[0] in ("nul",)])
add(_case("worker-list-role-wizard", ["worker", "list", "--role", "wizard"], 2, ("role", "wizard")))
add(_case("worker-list-limit-zero", ["worker", "list", "--limit", "0"], 2, ("--limit", "0")))
add(_case("worker-update-no-worker", ["worker", "update", "ghost", "--name", "X"], 1, ("ghost",)))
add(_case("worker-update-role-wizard", ["worker", "update", "T-01", "--role", "wizard"], 2, ("role", "wizard")))
add(_case("worker-update-no-team", ["worker", "update", "T-01", "--team", "nowhere"], 1, ("nowhere",)))
add(_case("worker-update-no-calendar", ["worker", "update", "T-01", "--calendar", "nowhere"], 1, ("nowhere",)))
add(
    _case(
        "worker-update-add-skill-with-space",
        ["worker", "update", "T-01", "--add-skill", "heat pumps"],
        1,
        ("skill", "heat pumps"),
    )
)
add(_case("worker-update-email-bad", ["worker", "update", "T-01", "--email", "a@b"], 1, ("email", "a@b")))
add(_case("worker-show-no-worker", ["worker", "show", "ghost"], 1, ("ghost",)))
add(_case("worker-remove-referenced", ["worker", "remove", "T-01"], 1, ("T-01",)))
add(_case("worker-remove-team-owner", ["worker", "remove", "M-01"], 1, ("M-01",)))
add(_case("worker-remove-no-worker", ["worker", "remove", "ghost"], 1, ("ghost",)))
ABS = ["worker", "absence", "add", "T-01"]
add(
    _case(
        "worker-absence-add-reversed",
        [*ABS, "--from", "2026-03-12T10:00", "--to", "2026-03-12T09:00"],
        1,
        ("to", "2026-03-12"),
    )
)
add(
    _case(
        "worker-absence-add-no-worker",
        ["worker", "absence", "add", "ghost", "--from", "2026-03-12T09:00", "--to", "2026-03-12T10:00"],
        1,
        ("ghost",),
    )
)
add(
    _case(
        "worker-absence-add-from-month-13",
        [*ABS, "--from", "2026-13-01", "--to", "2026-12-02"],
        1,
        ("from", "2026-13-01"),
    )
)
add(_case("worker-absence-add-year-1", [*ABS, "--from", "0001-01-01", "--to", "0001-01-02"], 2, ("0001-01-01",)))
add(_case("worker-absence-add-missing-to", [*ABS, "--from", "2026-03-12T09:00"], 2, ("--to",)))
_texts(
    "worker-absence-add-reason",
    [*ABS, "--from", "2026-03-12T09:00", "--to", "2026-03-12T10:00"],
    "--reason",
    "reason",
    SOME_TEXTS,
)
add(_case("worker-absence-list-no-worker", ["worker", "absence", "list", "ghost"], 1, ("ghost",)))
add(
    _case("worker-absence-list-format-yaml", ["worker", "absence", "list", "--format", "yaml"], 2, ("--format", "yaml"))
)
add(_case("worker-absence-remove-no-absence", ["worker", "absence", "remove", "999"], 1, ("999",)))
add(_case("worker-absence-remove-word", ["worker", "absence", "remove", "first"], 2, ("first",)))
add(_case("worker-absence-remove-huge", ["worker", "absence", "remove", HUGE], 2, ("ID",)))

# === config ======================================================================================

add(_case("config-list-format-yaml", ["config", "list", "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("config-list-extra-argument", ["config", "list", "timezone"], 2, ("timezone",)))
add(_case("config-get-unknown-key", ["config", "get", "colour"], 1, ("colour",)))
add(_case("config-get-empty-key", ["config", "get", ""], 1, ("setting",)))
add(_case("config-set-unknown-key", ["config", "set", "colour", "blue"], 1, ("colour",)))
add(_case("config-set-visit-duration-zero", ["config", "set", "visit_duration", "0m"], 1, ("visit_duration", "0m")))
add(_case("config-set-visit-duration-unit", ["config", "set", "visit_duration", "5x"], 1, ("visit_duration", "5x")))
add(
    _case(
        "config-set-visit-duration-huge",
        ["config", "set", "visit_duration", "99999999999d"],
        2,
        ("visit_duration", "99999999999d"),
    )
)
add(_case("config-set-sla-at-risk-negative", ["config", "set", "sla_at_risk_pct", "-1"], 1, ("sla_at_risk_pct", "-1")))
add(_case("config-set-sla-at-risk-150", ["config", "set", "sla_at_risk_pct", "150"], 1, ("sla_at_risk_pct", "150")))
add(
    _case(
        "config-set-sla-at-risk-word",
        ["config", "set", "sla_at_risk_pct", "a quarter"],
        1,
        ("sla_at_risk_pct", "a quarter"),
    )
)
add(_case("config-set-sla-at-risk-comma", ["config", "set", "sla_at_risk_pct", "12,5"], 1, ("sla_at_risk_pct", "12,5")))
add(_case("config-set-sla-at-risk-nan", ["config", "set", "sla_at_risk_pct", "NaN"], 1, ("sla_at_risk_pct", "NaN")))
add(_case("config-set-timezone-mars", ["config", "set", "timezone", "Mars/Base"], 1, ("timezone", "Mars/Base")))
add(_case("config-set-timezone-newline", ["config", "set", "timezone", "Europe/Riga\nUTC"], 1, ("timezone",)))
add(_case("config-set-currency-eur1", ["config", "set", "currency", "EUR1"], 1, ("currency", "EUR1")))
add(_case("config-set-currency-qqq", ["config", "set", "currency", "QQQ"], 1, ("currency", "QQQ")))
add(_case("config-set-workdays-funday", ["config", "set", "workdays", "mon-funday"], 1, ("workdays", "mon-funday")))
add(_case("config-set-workdays-empty", ["config", "set", "workdays", ""], 1, ("workdays",)))
add(
    _case(
        "config-set-sign-off-maybe", ["config", "set", "sign_off_required", "maybe"], 1, ("sign_off_required", "maybe")
    )
)
add(_case("config-set-calendar-unknown", ["config", "set", "calendar", "nowhere"], 1, ("calendar", "nowhere")))
add(_case("config-set-planned-stage-unknown", ["config", "set", "planned_stage", "nowhere"], 1, ("stage", "nowhere")))
add(_case("config-set-missing-value", ["config", "set", "currency"], 2, ("value",)))

# === db ==========================================================================================

add(_case("db-path-unknown-option", ["db", "path", "--absolute"], 2, ("--absolute",)))
add(_case("db-path-db-empty", ["--db", "", "db", "path"], 2, ("--db",)))
add(_case("db-upgrade-unknown-revision", ["db", "upgrade", "--to", "deadbeef"], 2, ("deadbeef", "unknown revision")))
add(_case("db-upgrade-revision-empty", ["db", "upgrade", "--to", ""], 2, ("revision",)))
add(_case("db-check-format-yaml", ["db", "check", "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("db-check-db-sqlite-memory", ["--db", "sqlite://", "db", "check"], 2, ("--db", "sqlite://")))
add(_case("db-init-not-custsvc", ["--db", "/etc/passwd", "db", "init"], 1, ("/etc/passwd", "not a custsvc database")))
add(_case("db-init-format-yaml", ["db", "init", "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("db-check-missing-file", ["--db", "/nonexistent/dir/x.db", "db", "check"], 1, ("no database at", "db init")))
add(
    _case(
        "subscription-invoice-missing-db",
        ["--db", "/nonexistent/dir/x.db", "subscription", "invoice", "--through", "today"],
        1,
        ("no database at /nonexistent/dir/x.db", "db init"),
    )
)

# === import files (written by the test into {files}) =============================================

#: (kind, file) for the file-level problems every import command must report in one line
IMPORT_FILE_CASES: list[tuple[str, str, int, tuple[str, ...]]] = [
    ("utf16", "utf16.csv", 1, ("utf16.csv", "UTF-8")),
    ("latin1", "latin1.csv", 1, ("latin1.csv", "UTF-8")),
    ("no-header", "noheader.csv", 1, ("column", "C-7001")),
    ("duplicate-columns", "dupcols.csv", 1, ("dupcols.csv", "name")),
    ("field-over-128k", "bigfield.csv", 1, ("bigfield.csv",)),
    ("json-nested-10000", "deep.json", 1, ("deep.json",)),
    ("json-objects-nested-10000", "deepobj.json", 1, ("deepobj.json",)),
    ("json-scalar", "scalar.json", 1, ("scalar.json",)),
    ("json-broken", "broken.json", 1, ("broken.json",)),
    ("empty-csv", "empty.csv", 1, ("empty.csv",)),
    ("empty-json", "empty.json", 1, ("empty.json",)),
    ("missing-file", "missing.csv", 1, ("missing.csv",)),
]
for _kind in ("customer", "object", "item", "task", "worker"):
    for _id, _file, _code, _names in IMPORT_FILE_CASES:
        if _kind != "customer" and _id not in ("utf16", "no-header", "json-nested-10000", "empty-csv", "missing-file"):
            continue
        add(_case(f"{_kind}-import-{_id}", [_kind, "import", f"{{files}}/{_file}"], _code, _names))
add(_case("dispatch-team-import-utf16", ["dispatch", "team", "import", "{files}/utf16.csv"], 1, ("utf16.csv", "UTF-8")))
add(
    _case(
        "dispatch-team-import-missing-file", ["dispatch", "team", "import", "{files}/missing.csv"], 1, ("missing.csv",)
    )
)
add(_case("dispatch-team-import-deep-json", ["dispatch", "team", "import", "{files}/deep.json"], 1, ("deep.json",)))
add(_case("customer-import-a-folder", ["customer", "import", "{files}"], 1, ("files",)))
add(
    _case(
        "customer-import-delimiter-two-chars",
        ["customer", "import", "{files}/customers.csv", "--delimiter", "||"],
        2,
        ("--delimiter", "||"),
    )
)
add(
    _case(
        "customer-import-input-format-xml",
        ["customer", "import", "{files}/customers.csv", "--input-format", "xml"],
        2,
        ("input-format", "xml"),
    )
)
add(
    _case(
        "customer-import-stdin-broken-json",
        ["customer", "import", "-", "--input-format", "json"],
        1,
        ("JSON",),
        input="[{",
    )
)

#: (id, file, kind, names): row-level problems in import files
ROW_PROBLEMS = [
    ("name-list", "name-list.json", "customer", ("name",)),
    ("name-object", "name-object.json", "customer", ("name",)),
    ("name-true", "name-true.json", "customer", ("name",)),
    ("name-nan", "name-nan.json", "customer", ("name",)),
    ("name-1.5e300", "name-huge.json", "customer", ("name",)),
    ("account-list", "account-list.json", "customer", ("account",)),
    ("unknown-field-json", "unknown-field.json", "customer", ("colour",)),
    ("unknown-column-csv", "unknown-column.csv", "customer", ("colour",)),
    ("timezone-mars-csv", "mars.csv", "customer", ("timezone", "Mars/Base")),
    ("osc-name-csv", "osc.csv", "customer", ("name",)),
    ("nul-name-csv", "nul.csv", "customer", ("name",)),
    ("price-nan", "price-nan.json", "item", ("price",)),
    ("price-1.5e300", "price-huge.json", "item", ("price",)),
    ("price-true", "price-true.json", "item", ("price",)),
    ("price-comma-csv", "price-comma.csv", "item", ("price", "12,50")),
    ("hours-nan", "hours-nan.json", "task", ("hours",)),
    ("object-no-customer", "object-ghost.csv", "object", ("C-9999",)),
    ("object-other-customer-in-agreement", "object-move.csv", "object", ("OBJ-0001",)),
    ("worker-role-wizard", "worker-wizard.csv", "worker", ("role", "wizard")),
]
for _id, _file, _kind, _names in ROW_PROBLEMS:
    _extra = ["--upsert"] if _id == "object-other-customer-in-agreement" else []
    _forbid = (ESC,) if _id.startswith("osc") else (NUL,) if _id.startswith("nul") else ()
    add(_case(f"{_kind}-import-{_id}", [_kind, "import", f"{{files}}/{_file}", *_extra], 1, _names, forbid=_forbid))
add(_case("customer-import-existing-key", ["customer", "import", "{files}/existing.csv"], 3, ("C-1001",)))
add(_case("dispatch-team-import-no-owner", ["dispatch", "team", "import", "{files}/team-ghost.csv"], 1, ("ghost",)))

# === editing and everyday commands (issue 11) ======================================================

add(
    _case("agreement-update-end-before-visits", ["agreement", "update", "AGR-1001", "--end", "2026-03-01"], 1, ("end",))
)
add(_case("agreement-update-nothing", ["agreement", "update", "AGR-1001"], 2, ("nothing to change",)))
add(_case("agreement-update-combine-word", ["agreement", "update", "AGR-1001", "--combine", "day"], 2, ("--combine",)))
add(_case("agreement-remove-with-orders", ["agreement", "remove", "AGR-1001"], 1, ("AGR-1001", "service order")))
add(_case("agreement-remove-missing", ["agreement", "remove", "AGR-9999"], 1, ("AGR-9999",)))
add(
    _case(
        "agreement-line-update-interval", ["agreement", "line", "update", "AGR-1001", "1", "--every", "1 month"], 1, ()
    )
)
add(_case("agreement-line-update-no-line", ["agreement", "line", "update", "AGR-1001", "99", "--qty", "2"], 1, ("99",)))
add(_case("agreement-line-remove-generated", ["agreement", "line", "remove", "AGR-1001", "1"], 1, ("line",)))
add(_case("sla-update-resolution-shorter", ["sla", "update", "silver", "--resolution", "1h"], 1, ("resolution", "1h")))
add(_case("sla-update-missing", ["sla", "update", "platinum", "--description", "x"], 1, ("platinum",)))
add(
    _case(
        "subscription-group-update-billed",
        ["subscription", "group", "update", "monthly-support", "--period", "quarter"],
        1,
        (),
    )
)
add(
    _case(
        "subscription-group-update-period-word",
        ["subscription", "group", "update", "monthly-support", "--period", "fortnight"],
        2,
        ("--period", "fortnight"),
    )
)
add(_case("subscription-group-remove-in-use", ["subscription", "group", "remove", "yearly-care"], 1, ("yearly-care",)))
add(_case("order-line-update-posted", ["order", "line", "update", "SO-000001", "1", "--qty", "2"], 1, ("SO-000001",)))
add(
    _case(
        "order-line-update-qty-words", ["order", "line", "update", "SO-000033", "1", "--qty", "two"], 1, ("qty", "two")
    )
)
add(
    _case(
        "order-line-update-no-line", ["order", "line", "update", "SO-000060", "99", "--qty", "2"], 1, ("SO-000060/99",)
    )
)
add(
    _case("order-line-update-huge-price", ["order", "line", "update", "SO-000033", "1", "--price", HUGE], 1, ("price",))
)
add(_case("order-list-sort-word", ["order", "list", "--sort", "urgency"], 2, ("--sort", "urgency", "time-left")))
add(_case("order-list-sla-status-word", ["order", "list", "--sla-status", "late"], 2, ("--sla-status", "late")))
add(_case("order-list-search-escape", ["order", "list", "--search", ESC + "[2J"], 1, ("search",), forbid=(ESC,)))
add(_case("order-list-to-relative-unit", ["order", "list", "--to", "+3m"], 1, ("to", "+3m", "+3mo")))
add(_case("order-list-from-words", ["order", "list", "--from", "next blursday"], 1, ("from", "next blursday")))
add(_case("order-post-nothing-named", ["order", "post"], 2, ("ORDER", "--signed-off")))
add(_case("order-post-customer-without-signed-off", ["order", "post", "--customer", "C-1001"], 2, ("--signed-off",)))
add(_case("order-post-both", ["order", "post", "SO-000044", "--customer", "C-3002", "--signed-off"], 2, ("not both",)))
add(_case("order-post-one-invoice-alone", ["order", "post", "SO-000044", "--one-invoice"], 2, ("--one-invoice",)))
add(_case("order-post-unknown-customer", ["order", "post", "--customer", "C-9999", "--signed-off"], 1, ("C-9999",)))
add(
    _case(
        "order-post-date-before-newest",
        ["order", "post", "--customer", "C-3002", "--signed-off", "--date", "2025-01-01"],
        1,
        ("2025-01-01", "invoice-dates-in-number-order"),
    )
)
add(_case("dispatch-assign-second-open", [*ASSIGN[:2], "SO-000032", *ASSIGN[3:]], 1, ("SO-000032", "dispatch move")))
add(
    _case(
        "dispatch-assign-strict-late",
        [*ASSIGN[:2], "SO-000061", "--technician", "T-06", "--start", "2026-03-13T09:00", "--strict"],
        1,
        ("sla-resolution-deadline",),
    )
)
add(
    _case(
        "dispatch-schedule-since-without-ics",
        ["dispatch", "schedule", "T-01", "--since", "2026-03-01"],
        2,
        ("--since", "--ics"),
    )
)
add(_case("today-format-yaml", ["today", "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("today-missing-db", ["--db", "/nonexistent/dir/x.db", "today"], 1, ("no database at /nonexistent/dir/x.db",)))

# --- parts stock and serial numbers (issue 12) -----------------------------------------------------

RECEIVE = ["stock", "receive", "FILTER-G4"]
MOVE = ["stock", "move", "VALVE-3W", "--qty", "1"]
add(_case("stock-receive-unknown-item", ["stock", "receive", "GHOST-1", "--qty", "1"], 1, ("GHOST-1",)))
add(_case("stock-receive-qty-zero", [*RECEIVE, "--qty", "0"], 1, ("qty", "'0'")))
add(_case("stock-receive-qty-negative", [*RECEIVE, "--qty=-3"], 1, ("qty", "-3")))
add(_case("stock-receive-qty-words", [*RECEIVE, "--qty", "five"], 1, ("qty", "five")))
add(_case("stock-receive-qty-huge", [*RECEIVE, "--qty", HUGE], 1, ("qty",)))
add(_case("stock-receive-qty-4dec", [*RECEIVE, "--qty", "1.2345"], 1, ("qty", "1.2345")))
add(_case("stock-receive-serial-not-serialized", [*RECEIVE, "--qty", "1", "--serial", "SN-1"], 1, ("serial", "SN-1")))
add(_case("stock-receive-note-escape", [*RECEIVE, "--qty", "1", "--note", ESC + "[2J"], 1, ("note",), forbid=(ESC,)))
add(_case("stock-receive-no-qty", RECEIVE, 2, ("--qty",)))
add(_case("stock-adjust-zero", ["stock", "adjust", "FILTER-G4", "--qty", "0", "--reason", "count"], 1, ("qty", "'0'")))
add(
    _case(
        "stock-adjust-words",
        ["stock", "adjust", "FILTER-G4", "--qty", "+many", "--reason", "count"],
        1,
        ("qty", "+many"),
    )
)
add(_case("stock-adjust-no-reason", ["stock", "adjust", "FILTER-G4", "--qty", "+1"], 2, ("--reason",)))
add(
    _case("stock-adjust-blank-reason", ["stock", "adjust", "FILTER-G4", "--qty", "+1", "--reason", " "], 1, ("reason",))
)
add(
    _case(
        "stock-adjust-below-the-shelf",
        ["stock", "adjust", "FILTER-G4", "--qty", "-50", "--reason", "count"],
        1,
        ("FILTER-G4", "stock-on-hand"),
    )
)
add(_case("stock-move-unknown-location", [*MOVE, "--from", "shelf", "--to", "scrap"], 1, ("from", "shelf")))
add(_case("stock-move-unknown-object", [*MOVE, "--from", "stock", "--to", "object:OBJ-9999"], 1, ("OBJ-9999",)))
add(
    _case(
        "stock-move-into-an-object-with-a-bom",
        [*MOVE, "--from", "stock", "--to", "object:OBJ-0001"],
        1,
        ("OBJ-0001", "has a BOM", "bom-says-what-is-installed"),
    )
)
add(
    _case(
        "stock-move-out-of-an-object-with-a-bom",
        [
            "stock",
            "move",
            "PUMP-EC25",
            "--qty",
            "1",
            "--from",
            "object:OBJ-0001",
            "--to",
            "stock",
            "--serial",
            "EC25-90411",
        ],
        1,
        ("OBJ-0001", "bom remove"),
    )
)
add(_case("stock-move-same-place", [*MOVE, "--from", "stock", "--to", "Stock"], 1, ("to", "Stock")))
add(
    _case(
        "stock-move-more-than-on-hand",
        ["stock", "move", "VALVE-3W", "--qty", "5", "--from", "quarantine", "--to", "stock"],
        1,
        ("quarantine", "VALVE-3W", "stock-on-hand"),
    )
)
add(
    _case(
        "stock-move-unknown-item",
        ["stock", "move", "GHOST-1", "--qty", "1", "--from", "vendor", "--to", "stock"],
        1,
        ("GHOST-1",),
    )
)
add(_case("stock-list-below-words", ["stock", "list", "--below", "lots"], 1, ("below", "lots")))
add(_case("stock-list-location-word", ["stock", "list", "--location", "attic"], 1, ("location", "attic")))
add(
    _case(
        "stock-list-below-elsewhere",
        ["stock", "list", "--below", "5", "--location", "scrap"],
        2,
        ("location", "--below"),
    )
)
add(_case("stock-list-unknown-item", ["stock", "list", "--item", "GHOST-1"], 1, ("GHOST-1",)))
add(_case("stock-ledger-from-words", ["stock", "ledger", "--from", "next blursday"], 1, ("from", "next blursday")))
add(
    _case(
        "stock-ledger-to-before-from",
        ["stock", "ledger", "--from", "2026-03-10", "--to", "2026-03-01"],
        1,
        ("to", "2026-03-01"),
    )
)
add(_case("stock-ledger-unknown-item", ["stock", "ledger", "--item", "GHOST-1"], 1, ("GHOST-1",)))
add(_case("serial-show-unknown", ["serial", "show", "SN-404"], 1, ("SN-404",)))
add(_case("serial-show-unknown-item", ["serial", "show", "SN-404", "--item", "GHOST-1"], 1, ("GHOST-1",)))
add(_case("serial-list-location-word", ["serial", "list", "--location", "attic"], 1, ("location", "attic")))
add(_case("serial-list-unknown-object", ["serial", "list", "--location", "object:OBJ-9999"], 1, ("OBJ-9999",)))
# a unit's own warranty end: an unknown unit, a day that is not one (1), out of range or missing (2)
_SU = ["serial", "update", "EC25-110231", "--warranty-until"]
add(_case("serial-update-unknown", ["serial", "update", "SN-404", "--warranty-until", "2028-01-01"], 1, ("SN-404",)))
add(_case("serial-update-unknown-item", [*_SU, "2028-01-01", "--item", "GHOST-1"], 1, ("GHOST-1",)))
add(_case("serial-update-other-item", [*_SU, "2028-01-01", "--item", "BOARD-BC3"], 1, ("BOARD-BC3 EC25-110231",)))
add(_case("serial-update-feb-30", [*_SU, "2028-02-30"], 1, ("warranty_until", "2028-02-30")))
add(_case("serial-update-word", [*_SU, "forever"], 1, ("warranty_until", "forever")))
add(_case("serial-update-year-9999", [*_SU, "9999-01-01"], 2, ("warranty_until", "9999-01-01")))
add(_case("serial-update-nothing", ["serial", "update", "EC25-110231"], 2, ("--warranty-until",)))
for _qid, _qty in [("zero", "0"), ("neg", "-1"), ("words", "one"), ("4dec", "0.0001")]:
    add(_case(f"stock-move-qty-{_qid}", ["stock", "move", "VALVE-3W", f"--qty={_qty}", "--from", "stock", "--to",
                                         "scrap"], 1, ("qty", _qty)))  # fmt: skip
# serial numbers: unknown, already known on receive (exit 3), in another place, one per unit
SERIAL_MOVE = ["stock", "move", "BURNER-35", "--qty", "1", "--from", "stock", "--to", "scrap", "--serial"]
add(_case("stock-move-unknown-serial", [*SERIAL_MOVE, "SN-GHOST"], 1, ("serial", "SN-GHOST")))
add(
    _case(
        "stock-move-serial-installed-elsewhere",
        [*SERIAL_MOVE, "BR35-110232"],
        1,
        ("BR35-110232", "object:OBJ-0002", "serial-in-one-place"),
    )
)
add(
    _case(
        "stock-move-serials-fewer-than-qty",
        ["stock", "move", "BOARD-BC3", "--qty", "2", "--from", "stock", "--to", "scrap", "--serial", "BC3-40018"],
        1,
        ("serial", "BC3-40018", "--qty 2"),
    )
)
add(
    _case(
        "stock-receive-serial-in-stock",
        ["stock", "receive", "BOARD-BC3", "--qty", "1", "--serial", "BC3-40018"],
        3,
        ("serial", "BC3-40018", "known already", "stock"),
    )
)
add(
    _case(
        "stock-receive-serial-installed",
        ["stock", "receive", "BURNER-35", "--qty", "2", "--serial", "BR35-NEW-1", "--serial", "BR35-110232"],
        3,
        ("BR35-110232", "object:OBJ-0002"),
    )
)
add(
    _case(
        "stock-receive-serial-twice",
        ["stock", "receive", "BOARD-BC3", "--qty", "2", "--serial", "BC3-NEW", "--serial", "BC3-NEW"],
        3,
        ("BC3-NEW", "given twice"),
    )
)
add(
    _case(
        "stock-receive-serialized-without-serials",
        ["stock", "receive", "BOARD-BC3", "--qty", "2"],
        1,
        ("serial", "BOARD-BC3", "--qty 2"),
    )
)
add(
    _case(
        "stock-adjust-unknown-serial",
        ["stock", "adjust", "BOARD-BC3", "--qty", "-1", "--reason", "lost", "--serial", "SN-GHOST"],
        1,
        ("serial", "SN-GHOST"),
    )
)
add(
    _case(
        "stock-adjust-serial-not-on-the-shelf",
        ["stock", "adjust", "BURNER-35", "--qty", "-1", "--reason", "lost", "--serial", "BR35-110232"],
        1,
        ("BR35-110232", "serial-in-one-place"),
    )
)
add(
    _case(
        "stock-adjust-found-serialized",
        ["stock", "adjust", "BOARD-BC3", "--qty", "+1", "--reason", "found"],
        1,
        ("BOARD-BC3", "stock receive"),
    )
)
add(
    _case(
        "item-add-warranty-word",
        ["item", "add", "VALVE-2W", "--name", "Valve", "--warranty", "forever"],
        1,
        ("warranty", "forever"),
    )
)
add(
    _case(
        "item-add-warranty-too-long",
        ["item", "add", "VALVE-2W", "--name", "Valve", "--warranty", "200y"],
        1,
        ("warranty", "200y"),
    )
)
add(
    _case(
        "item-add-reorder-negative",
        ["item", "add", "VALVE-2W", "--name", "Valve", "--reorder-level=-1"],
        1,
        ("reorder_level", "-1"),
    )
)
add(
    _case(
        "item-update-serialized-on-the-ledger",
        ["item", "update", "FILTER-G4", "--serialized"],
        1,
        ("FILTER-G4", "movements"),
    )
)
add(
    _case(
        "config-set-negative-stock-word",
        ["config", "set", "negative_stock", "sometimes"],
        1,
        ("negative_stock", "sometimes"),
    )
)

# --- each object's own BOM (issue 12) -------------------------------------------------------------
# The demo shop has a BOM on every object. OBJ-0001 (VB35 version 1) is at version 4: board BC2-110231,
# burner BR35-110231, pump EC25-90411, ... ; BR35-110232 is installed in OBJ-0002, BHP-52030 in OBJ-0020;
# OBJ-0005's controller (BOARD-HP) has no serial yet; BC3-40018 (BOARD-BC3) is on the shelf.

ATTACH = ["bom", "attach", "OBJ-0001", "--template"]
BOM_ADD = ["bom", "add", "OBJ-0001", "--position", "filter", "--item", "FILTER-G4"]
add(_case("bom-attach-unknown-template", [*ATTACH, "GHOST-T"], 1, ("bom template", "GHOST-T")))
add(_case("bom-attach-no-template", ["bom", "attach", "OBJ-0001"], 2, ("--template",)))
add(_case("bom-attach-serial-no-equals", [*ATTACH, "GHOST-T", "--serial", "burner"], 1, ("serial", "burner")))
add(_case("bom-attach-serial-blank", [*ATTACH, "GHOST-T", "--serial", "burner= "], 1, ("serial", "burner= ")))
add(
    _case(
        "bom-attach-serial-escape",
        [*ATTACH, "GHOST-T", "--serial", "burner=" + ESC + "[2J"],
        1,
        ("serial",),
        forbid=(ESC,),
    )
)
add(
    _case("bom-attach-position-space", [*ATTACH, "GHOST-T", "--serial", "the burner=SN-1"], 1, ("serial", "the burner"))
)
add(_case("bom-attach-at-words", [*ATTACH, "GHOST-T", "--at", "next blursday"], 1, ("at", "next blursday")))
add(_case("bom-detach-changed", ["bom", "detach", "OBJ-0001"], 1, ("OBJ-0001", "detach-only-unchanged")))
add(_case("bom-attach-again", [*ATTACH, "VB35"], 3, ("BOM of service object", "OBJ-0001", "exists already")))
add(_case("bom-attach-unknown-object", ["bom", "attach", "OBJ-9999", "--template", "VB35"], 1, ("OBJ-9999",)))
add(_case("bom-detach-unknown-object", ["bom", "detach", "OBJ-9999"], 1, ("service object", "OBJ-9999")))
add(_case("bom-replace-unknown-object", ["bom", "replace", "OBJ-9999", "pump"], 1, ("service object", "OBJ-9999")))
add(_case("bom-replace-unknown-position", ["bom", "replace", "OBJ-0001", "nozzle"], 1, ("position", "nozzle")))
add(
    _case(
        "bom-replace-unknown-item",
        ["bom", "replace", "OBJ-0001", "diverter", "--item", "GHOST-1"],
        1,
        ("item", "GHOST-1"),
    )
)
add(
    _case(
        "bom-replace-unknown-new-serial",
        ["bom", "replace", "OBJ-0001", "pump", "--new-serial", "SN-GHOST"],
        1,
        ("serial", "SN-GHOST"),
    )
)
add(
    _case(
        "bom-replace-serial-installed-elsewhere",
        ["bom", "replace", "OBJ-0001", "burner", "--new-serial", "BR35-110232"],
        1,
        ("BR35-110232", "OBJ-0002", "serial-in-one-place"),
    )
)
add(
    _case(
        "bom-replace-serialized-without-serial",
        ["bom", "replace", "OBJ-0001", "pump"],
        1,
        ("new-serial", "PUMP-EC25"),
    )
)
add(
    _case(
        "bom-replace-under-unknown-order",
        ["bom", "replace", "OBJ-0001", "diverter", "--order", "SO-GHOST"],
        1,
        ("SO-GHOST",),
    )
)
add(
    _case(
        "bom-replace-invoice-without-order",
        ["bom", "replace", "OBJ-0001", "pump", "--invoice"],
        2,
        ("--invoice", "--order"),
    )
)
add(
    _case(
        "bom-replace-serial-escape",
        ["bom", "replace", "OBJ-0001", "pump", "--new-serial", ESC + "]0;x"],
        1,
        ("new-serial",),
        forbid=(ESC,),
    )
)
add(_case("bom-add-qty-zero", [*BOM_ADD, "--qty", "0"], 1, ("qty", "'0'")))
add(_case("bom-add-qty-negative", [*BOM_ADD, "--qty=-2"], 1, ("qty", "-2")))
add(_case("bom-add-qty-words", [*BOM_ADD, "--qty", "two"], 1, ("qty", "two")))
add(_case("bom-add-qty-4dec", [*BOM_ADD, "--qty", "1.2345"], 1, ("qty", "1.2345")))
add(
    _case(
        "bom-add-position-space",
        ["bom", "add", "OBJ-0001", "--position", "a b", "--item", "FILTER-G4"],
        1,
        ("position", "a b"),
    )
)
add(_case("bom-add-unknown-object", ["bom", "add", "OBJ-9999", *BOM_ADD[3:]], 1, ("service object", "OBJ-9999")))
add(_case("bom-add-unknown-item", [*BOM_ADD[:-1], "GHOST-1"], 1, ("item", "GHOST-1")))
add(
    _case(
        "bom-add-position-taken",
        ["bom", "add", "OBJ-0001", "--position", "pump", "--item", "FILTER-G4"],
        3,
        ("position", "pump", "OBJ-0001"),
    )
)
add(
    _case(
        "bom-add-serial-installed-elsewhere",
        ["bom", "add", "OBJ-0001", "--position", "burner-2", "--item", "BURNER-35", "--serial", "BR35-110232"],
        1,
        ("BR35-110232", "OBJ-0002", "serial-in-one-place"),
    )
)
add(
    _case(
        "bom-add-unknown-serial",
        ["bom", "add", "OBJ-0001", "--position", "board-2", "--item", "BOARD-BC3", "--serial", "SN-GHOST"],
        1,
        ("serial", "SN-GHOST"),
    )
)
add(
    _case(
        "bom-add-serialized-qty-two",
        [
            "bom",
            "add",
            "OBJ-0001",
            "--position",
            "board-2",
            "--item",
            "BOARD-BC3",
            "--qty",
            "2",
            "--serial",
            "BC3-40018",
        ],
        1,
        ("qty", "2", "BOARD-BC3"),
    )
)
add(
    _case("bom-remove-unknown-position", ["bom", "remove", "OBJ-0001", "nozzle", "--faulty"], 1, ("position", "nozzle"))
)
add(_case("bom-remove-unknown-object", ["bom", "remove", "OBJ-9999", "pump"], 1, ("service object", "OBJ-9999")))
add(_case("bom-set-qty-unknown-position", ["bom", "set-qty", "OBJ-0001", "nozzle", "2"], 1, ("position", "nozzle")))
add(_case("bom-set-qty-serialized", ["bom", "set-qty", "OBJ-0001", "pump", "2"], 1, ("qty", "PUMP-EC25")))
add(_case("bom-set-qty-zero", ["bom", "set-qty", "OBJ-0001", "pump", "0"], 1, ("qty", "'0'")))
add(_case("bom-set-qty-negative", ["bom", "set-qty", "OBJ-0001", "pump", "--", "-1"], 1, ("qty", "-1")))
add(_case("bom-set-qty-words", ["bom", "set-qty", "OBJ-0001", "pump", "lots"], 1, ("qty", "lots")))
add(_case("bom-serial-given-once", ["bom", "serial", "OBJ-0001", "burner", "SN-1"], 1, ("OBJ-0001", "BR35-110231")))
add(_case("bom-serial-unknown-position", ["bom", "serial", "OBJ-0005", "nozzle", "SN-1"], 1, ("position", "nozzle")))
add(
    _case(
        "bom-serial-installed-elsewhere",
        ["bom", "serial", "OBJ-0005", "controller", "BHP-52030"],
        1,
        ("BHP-52030", "OBJ-0020", "serial-in-one-place"),
    )
)
add(_case("bom-serial-not-serialized", ["bom", "serial", "OBJ-0001", "diverter", "SN-1"], 1, ("serial", "SN-1")))
add(_case("bom-serial-newline", ["bom", "serial", "OBJ-0001", "burner", "SN\n1"], 1, ("serial",)))
add(_case("bom-show-unknown-object", ["bom", "show", "OBJ-9999"], 1, ("service object", "OBJ-9999")))
add(_case("bom-show-unknown-version", ["bom", "show", "OBJ-0001", "--version", "9"], 1, ("version", "9")))
add(_case("bom-show-at-before-attach", ["bom", "show", "OBJ-0001", "--at", "2020-01-01"], 1, ("at", "2020-01-01")))
add(_case("bom-show-version-zero", ["bom", "show", "OBJ-0001", "--version", "0"], 2, ("--version", "0")))
add(_case("bom-show-version-words", ["bom", "show", "OBJ-0001", "--version", "two"], 2, ("--version", "two")))
add(_case("bom-show-at-words", ["bom", "show", "OBJ-0001", "--at", "yesterdayish"], 1, ("at", "yesterdayish")))
add(_case("bom-show-version-and-at", ["bom", "show", "OBJ-0001", "--version", "1", "--at", "today"], 2, ("not both",)))
add(_case("bom-history-unknown-object", ["bom", "history", "OBJ-9999"], 1, ("service object", "OBJ-9999")))
add(_case("bom-diff-unknown-version", ["bom", "diff", "OBJ-0001", "1", "9"], 1, ("version", "9")))
add(_case("bom-diff-unknown-object", ["bom", "diff", "OBJ-9999", "1", "2"], 1, ("service object", "OBJ-9999")))
add(_case("bom-diff-version-words", ["bom", "diff", "OBJ-0001", "one", "2"], 2, ("N1", "one")))
add(_case("bom-where-unknown-serial", ["bom", "where", "SN-GHOST"], 1, ("serial", "SN-GHOST")))
add(_case("bom-where-serial-escape", ["bom", "where", ESC + "[2J"], 1, ("serial",), forbid=(ESC,)))
add(_case("bom-export-unknown-object", ["bom", "export", "OBJ-0001", "OBJ-9999"], 1, ("service object", "OBJ-9999")))
add(_case("bom-import-wrong-columns", ["bom", "import", "{files}/customers.csv"], 1, ("column", "account")))
add(_case("bom-import-broken-json", ["bom", "import", "{files}/broken.json"], 1, ("broken.json",)))
add(_case("bom-import-missing-file", ["bom", "import", "{files}/no-such.csv"], 1, ("no-such.csv",)))
add(_case("bom-import-attached-already", ["bom", "import", "{files}/bom-again.csv"], 3, ("row 1", "OBJ-0001")))
add(_case("bom-import-qty-zero", ["bom", "import", "{files}/bom-qty-zero.csv"], 1, ("row 1", "qty", "'0'")))

# === repair ======================================================================================
# SO-000060 (created, OBJ-0001 on it) takes new repair lines; SO-000166 is the demo's open pump
# repair of OBJ-0012 (diagnosed, waiting for parts); SO-000048 is canceled.
_RA = ["repair", "add", "SO-000060", "--object", "OBJ-0001"]
add(_case("repair-add-unknown-symptom", [*_RA, "--symptom", "NOPE"], 1, ("symptom", "NOPE")))
add(_case("repair-add-symptom-of-another-area", [*_RA, "--symptom-area", "COOL", "--symptom", "NO-HEAT"], 1,
          ("NO-HEAT", "HEAT", "COOL")))  # fmt: skip
add(_case("repair-add-diagnosis-of-another-area", [*_RA, "--diagnosis-area", "DIRT", "--diagnosis", "PUMP-SEIZED"],
          1, ("PUMP-SEIZED", "DIRT")))  # fmt: skip
add(_case("repair-add-unknown-condition", [*_RA, "--condition", "NOPE"], 1, ("condition", "NOPE")))
add(_case("repair-add-unknown-resolution", [*_RA, "--resolution", "NOPE"], 1, ("resolution", "NOPE")))
add(_case("repair-add-symptom-code-as-area", [*_RA, "--symptom-area", "NO-HEAT"], 1, ("symptom-area", "NO-HEAT")))
add(_case("repair-add-finished-without-resolution", [*_RA, "--stage", "repaired"], 1, ("repaired", "--resolution")))
add(_case("repair-add-unknown-stage", [*_RA, "--stage", "fixed"], 1, ("repair stage", "fixed")))
add(_case("repair-add-unknown-technician", [*_RA, "--technician", "T-99"], 1, ("T-99",)))
add(_case("repair-add-dispatcher-as-technician", [*_RA, "--technician", "D-01"], 1, ("D-01", "technician")))
add(_case("repair-add-object-not-on-order", ["repair", "add", "SO-000060", "--object", "OBJ-0003"], 1,
          ("OBJ-0003", "SO-000060")))  # fmt: skip
add(_case("repair-add-unknown-object", ["repair", "add", "SO-000060", "--object", "OBJ-9999"], 1, ("OBJ-9999",)))
add(_case("repair-add-unknown-order", ["repair", "add", "SO-999999", "--object", "OBJ-0001"], 1, ("SO-999999",)))
add(_case("repair-add-canceled-order", ["repair", "add", "SO-000048", "--object", "OBJ-0019"], 1,
          ("SO-000048", "canceled")))  # fmt: skip
add(_case("repair-add-serial-not-in-object", [*_RA, "--serial", "EC25-00000"], 1, ("serial", "EC25-00000")))
add(_case("repair-add-no-object", ["repair", "add", "SO-000060"], 2, ("--object",)))
for _tid, _text, _forbid in SOME_TEXTS:
    add(_case(f"repair-add-note-{_tid}", [*_RA, "--note", _text], 1, ("note",), forbid=_forbid))
add(_case("repair-add-code-ansi", [*_RA, "--symptom", ESC + "[31mNO-HEAT"], 1, ("symptom",), forbid=(ESC,)))
_RU = ["repair", "update", "SO-000166", "1"]
add(_case("repair-update-finished-without-resolution", [*_RU, "--stage", "repaired"], 1, ("repaired", "--resolution")))
add(_case("repair-update-unknown-line", ["repair", "update", "SO-000166", "9", "--note", "x"], 1, ("SO-000166/9",)))
add(_case("repair-update-line-word", ["repair", "update", "SO-000166", "one"], 2, ("LINE", "one")))
add(_case("repair-update-area-against-code", [*_RU, "--diagnosis-area", "DIRT"], 1, ("PUMP-SEIZED", "DIRT")))
add(_case("repair-update-warranty-maybe", [*_RU, "--warranty", "maybe"], 1, ("warranty", "maybe")))
add(_case("repair-remove-unknown-line", ["repair", "remove", "SO-000166", "2"], 1, ("SO-000166/2",)))
_RS = ["repair", "swap", "SO-000166", "1"]
add(_case("repair-swap-unknown-position", [*_RS, "--position", "chimney", "--new-serial", "EC25-90413"], 1,
          ("chimney", "OBJ-0012")))  # fmt: skip
add(_case("repair-swap-unit-not-on-shelf", [*_RS, "--position", "pump", "--new-serial", "EC25-00000"], 1,
          ("EC25-00000",)))  # fmt: skip
add(_case("repair-swap-serialized-without-unit", [*_RS, "--position", "pump"], 1, ("PUMP-EC25", "serial")))
add(_case("repair-swap-no-position", [*_RS, "--new-serial", "EC25-90413"], 2, ("--position",)))
add(_case("repair-swap-canceled-order", ["repair", "swap", "SO-000048", "1", "--position", "pump"], 1,
          ("SO-000048",)))  # fmt: skip
add(_case("repair-link-unknown-line", ["repair", "link", "SO-000166", "1", "--lines", "9"], 1, ("SO-000166/9",)))
add(_case("repair-link-lines-word", ["repair", "link", "SO-000166", "1", "--lines", "one"], 1, ("lines", "one")))
add(_case("repair-unlink-unknown-line", ["repair", "unlink", "SO-000166", "1", "--lines", "7"], 1, ("SO-000166/7",)))
add(_case("repair-code-list-unknown-kind", ["repair", "code", "list", "flavor"], 2, ("KIND", "flavor")))
add(_case("repair-stage-list-format-yaml", ["repair", "stage", "list", "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("repair-show-unknown-line", ["repair", "show", "SO-000166", "7"], 1, ("SO-000166/7",)))
add(_case("repair-sign-off-with-open-repairs", ["order", "sign-off", "SO-000166"], 1, ("SO-000166", "repair")))
_RC = ["repair", "code", "add"]
add(_case("repair-code-add-unknown-kind", [*_RC, "flavor", "X", "--description", "y"], 2, ("KIND", "flavor")))
add(_case("repair-code-add-symptom-without-area", [*_RC, "symptom", "X-1", "--description", "y"], 1, ("area",)))
add(_case("repair-code-add-unknown-area", [*_RC, "symptom", "X-1", "--description", "y", "--area", "NOPE"], 1,
          ("symptom-area", "NOPE")))  # fmt: skip
add(_case("repair-code-add-diagnosis-in-symptom-area", [*_RC, "diagnosis", "X-1", "--description", "y", "--area",
                                                        "HEAT"], 1, ("diagnosis-area", "HEAT")))  # fmt: skip
add(_case("repair-code-add-existing", [*_RC, "condition", "OUT-OF-ORDER", "--description", "x"], 3, ("OUT-OF-ORDER",)))
add(_case("repair-code-add-space", [*_RC, "condition", "bad code", "--description", "x"], 1, ("code", "bad code")))
add(_case("repair-code-add-no-description", [*_RC, "condition", "X-1"], 2, ("--description",)))
for _tid, _text, _forbid in SOME_TEXTS:
    add(_case(f"repair-code-add-description-{_tid}", [*_RC, "condition", "X-1", "--description", _text], 1,
              ("description",), forbid=_forbid))  # fmt: skip
add(_case("repair-code-remove-in-use", ["repair", "code", "remove", "symptom", "NO-HEAT"], 1, ("NO-HEAT",)))
add(_case("repair-code-remove-area-in-use", ["repair", "code", "remove", "symptom-area", "HEAT"], 1, ("HEAT",)))
add(_case("repair-code-update-unknown", ["repair", "code", "update", "symptom", "NOPE", "--description", "x"], 1,
          ("NOPE",)))  # fmt: skip
add(_case("repair-stage-remove-in-use", ["repair", "stage", "remove", "repaired"], 1, ("repaired",)))
add(_case("repair-stage-add-existing", ["repair", "stage", "add", "diagnosed", "--description", "x"], 3,
          ("diagnosed",)))  # fmt: skip
add(_case("repair-stage-update-unknown", ["repair", "stage", "update", "nope", "--description", "x"], 1, ("nope",)))
add(_case("repair-stage-unfinish-in-use", ["repair", "stage", "update", "repaired", "--not-finished"], 1,
          ("repaired",)))  # fmt: skip
_RR = ["repair", "report", "--from", "2026-01-01", "--to", "2026-03-01"]
add(_case("repair-report-to-before-from", ["repair", "report", "--from", "2026-03-01", "--to", "2026-01-01"], 1,
          ("to", "2026-01-01")))  # fmt: skip
add(_case("repair-report-by-colour", [*_RR, "--by", "colour"], 2, ("--by", "colour")))
add(_case("repair-report-window-negative", [*_RR, "--repeat-window", "-1"], 1, ("repeat-window", "-1")))
add(_case("repair-report-window-huge", [*_RR, "--repeat-window", "100000"], 1, ("repeat-window", "100000")))
add(_case("repair-report-from-word", ["repair", "report", "--from", "someday", "--to", "today"], 1,
          ("from", "someday")))  # fmt: skip
add(_case("repair-report-format-yaml", [*_RR, "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("repair-history-unknown-object", ["repair", "history", "OBJ-9999"], 1, ("OBJ-9999",)))
add(_case("repair-history-unknown-serial", ["repair", "history", "--serial", "NOPE-1"], 1, ("NOPE-1",)))
add(_case("repair-history-neither", ["repair", "history"], 2, ("--serial",)))
add(_case("repair-history-both", ["repair", "history", "OBJ-0001", "--serial", "EC25-78102"], 2, ("--serial",)))
add(_case("repair-list-month-13", ["repair", "list", "--from", "2026-13-01"], 1, ("from", "2026-13-01")))


# === return ======================================================================================
# (the demo shop holds RMA-000001 .. RMA-000008: RMA-000099 does not exist; its reasons and
# dispositions are the defaults the migration seeds)

_RCR = ["return", "create", "--customer", "C-1001"]
add(_case("return-create-unknown-customer", ["return", "create", "--customer", "C-9999"], 1, ("customer", "C-9999")))
add(_case("return-create-no-customer", ["return", "create"], 2, ("--customer",)))
add(_case("return-create-unknown-reason", [*_RCR, "--reason", "bored"], 1, ("return reason", "bored")))
add(_case("return-create-reason-space", [*_RCR, "--reason", "bad reason"], 1, ("reason", "bad reason")))
add(_case("return-create-validity-zero", [*_RCR, "--validity", "0"], 1, ("validity", "0")))
add(_case("return-create-validity-negative", [*_RCR, "--validity", "-5"], 1, ("validity", "-5")))
add(_case("return-create-validity-too-long", [*_RCR, "--validity", "3651"], 1, ("validity", "3651")))
add(_case("return-create-validity-word", [*_RCR, "--validity", "ten"], 2, ("--validity", "ten")))
add(_case("return-create-validity-huge", [*_RCR, "--validity", HUGE], 1, ("validity",)))
add(_case("return-create-format-yaml", [*_RCR, "--format", "yaml"], 2, ("--format", "yaml")))
for _tid, _text, _forbid in SOME_TEXTS:
    add(_case(f"return-create-note-{_tid}", [*_RCR, "--note", _text], 1, ("note",), forbid=_forbid))
_RLA = ["return", "line", "add", "RMA-000099", "--item", "FILTER-G4", "--qty", "1"]
add(_case("return-line-add-unknown-rma", _RLA, 1, ("return order", "RMA-000099")))
add(_case("return-line-add-rma-ansi", ["return", "line", "add", ESC + "[2J", "--item", "FILTER-G4", "--qty", "1"], 1,
          ("return order",), forbid=(ESC,)))  # fmt: skip
add(_case("return-line-add-no-item", ["return", "line", "add", "RMA-000099", "--qty", "1"], 2, ("--item",)))
add(_case("return-line-add-no-qty", ["return", "line", "add", "RMA-000099", "--item", "FILTER-G4"], 2, ("--qty",)))
add(_case("return-line-add-invoice-line-word", [*_RLA, "--invoice", "INV-000152", "--invoice-line", "two"], 2,
          ("--invoice-line", "two")))  # fmt: skip
add(_case("return-line-add-invoice-line-zero", [*_RLA, "--invoice", "INV-000152", "--invoice-line", "0"], 2,
          ("--invoice-line", "0")))  # fmt: skip
add(_case("return-line-add-no-rma", ["return", "line", "add", "--item", "FILTER-G4", "--qty", "1"], 2, ("RMA",)))
for _verb in ("open", "cancel", "close", "show"):
    add(_case(f"return-{_verb}-unknown-rma", ["return", _verb, "RMA-000099"], 1, ("return order", "RMA-000099")))
    add(_case(f"return-{_verb}-no-rma", ["return", _verb], 2, ("RMA",)))
add(_case("return-open-rma-space", ["return", "open", "RMA 1"], 1, ("return order", "RMA 1")))
add(_case("return-close-reason-osc", ["return", "close", "RMA-000099", "--reason", "\x1b]0;pwned\x07"], 1,
          ("reason",), forbid=(ESC, "\x07")))  # fmt: skip
add(_case("return-show-format-yaml", ["return", "show", "RMA-000099", "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("return-list-status-word", ["return", "list", "--status", "dormant"], 2, ("--status", "dormant")))
add(_case("return-list-unknown-customer", ["return", "list", "--customer", "C-9999"], 1, ("customer", "C-9999")))
add(_case("return-list-from-month-13", ["return", "list", "--from", "2026-13-01"], 1, ("from", "2026-13-01")))
add(_case("return-list-to-words", ["return", "list", "--to", "next blursday"], 1, ("to", "next blursday")))
add(_case("return-list-to-before-from", ["return", "list", "--from", "2026-03-01", "--to", "2026-01-01"], 1,
          ("to", "2026-01-01")))  # fmt: skip
add(_case("return-list-overdue-value", ["return", "list", "--overdue", "yes"], 2, ("yes",)))
add(_case("return-list-format-yaml", ["return", "list", "--format", "yaml"], 2, ("--format", "yaml")))
_RRA = ["return", "reason", "add"]
add(_case("return-reason-add-existing", [*_RRA, "wrong-item", "--description", "x"], 3, ("wrong-item",)))
add(_case("return-reason-add-space", [*_RRA, "bad code", "--description", "x"], 1, ("code", "bad code")))
add(_case("return-reason-add-long-key", [*_RRA, LONG_KEY, "--description", "x"], 1, ("code",)))
add(_case("return-reason-add-no-description", [*_RRA, "damaged"], 2, ("--description",)))
add(_case("return-reason-add-empty-description", [*_RRA, "damaged", "--description", "  "], 1, ("description",)))
for _tid, _text, _forbid in SOME_TEXTS:
    add(_case(f"return-reason-add-description-{_tid}", [*_RRA, "damaged", "--description", _text], 1,
              ("description",), forbid=_forbid))  # fmt: skip
add(_case("return-reason-list-format-yaml", ["return", "reason", "list", "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("return-reason-update-unknown", ["return", "reason", "update", "bored", "--description", "x"], 1,
          ("return reason", "bored")))  # fmt: skip
add(_case("return-reason-update-description-nul", ["return", "reason", "update", "defective", "--description",
                                                   "nul\x00byte"], 1, ("description",), forbid=(NUL,)))  # fmt: skip
add(_case("return-reason-remove-unknown", ["return", "reason", "remove", "bored"], 1, ("return reason", "bored")))
_RDA = ["return", "disposition", "add", "refurbish"]
add(_case("return-disposition-add-action-word", [*_RDA, "--action", "burn", "--description", "x"], 2,
          ("--action", "burn")))  # fmt: skip
add(_case("return-disposition-add-no-action", [*_RDA, "--description", "x"], 2, ("--action",)))
add(_case("return-disposition-add-existing", ["return", "disposition", "add", "scrap", "--action", "scrap",
                                              "--description", "x"], 3, ("scrap",)))  # fmt: skip
add(_case("return-disposition-add-space", ["return", "disposition", "add", "re furbish", "--action", "repair",
                                           "--description", "x"], 1, ("code", "re furbish")))  # fmt: skip
add(_case("return-disposition-add-description-osc", [*_RDA, "--action", "repair", "--description",
                                                     "\x1b]0;pwned\x07"], 1, ("description",),
          forbid=(ESC, "\x07")))  # fmt: skip
add(_case("return-disposition-list-action-word", ["return", "disposition", "list", "--action", "burn"], 2,
          ("--action", "burn")))  # fmt: skip
add(_case("return-disposition-update-unknown", ["return", "disposition", "update", "refurbish", "--description",
                                                "x"], 1, ("return disposition", "refurbish")))  # fmt: skip
add(_case("return-disposition-update-action-word", ["return", "disposition", "update", "scrap", "--action",
                                                    "burn"], 2, ("--action", "burn")))  # fmt: skip
add(_case("return-disposition-remove-unknown", ["return", "disposition", "remove", "refurbish"], 1,
          ("return disposition", "refurbish")))  # fmt: skip


_ARR = ["return", "arrive", "RMA-999999"]
add(_case("return-arrive-unknown-rma", [*_ARR, "--line", "1", "--qty", "1"], 1, ("RMA-999999",)))
add(_case("return-arrive-no-line", [*_ARR, "--qty", "1"], 2, ("--line",)))
add(_case("return-arrive-line-zero", [*_ARR, "--line", "0", "--qty", "1"], 2, ("--line", "0")))
add(_case("return-arrive-no-qty", [*_ARR, "--line", "1"], 2, ("--qty",)))
_INS = ["return", "inspect", "RMA-999999", "--line", "1"]
add(_case("return-inspect-unknown-rma", [*_INS, "--disposition", "scrap"], 1, ("RMA-999999",)))
add(_case("return-inspect-no-disposition", _INS, 2, ("--disposition",)))
add(_case("return-inspect-note-osc", [*_INS, "--disposition", "scrap", "--note", ESC + "]0;x" + chr(7)], 1,
          ("note",), forbid=(ESC,)))  # fmt: skip


add(_case("return-process-unknown-rma", ["return", "process", "RMA-999999"], 1, ("RMA-999999",)))
add(_case("return-process-neither", ["return", "process"], 2, ("RMA", "--all")))
add(_case("return-process-both", ["return", "process", "RMA-999999", "--all"], 2, ("RMA", "--all")))
add(_case("return-process-all-with-line", ["return", "process", "--all", "--line", "1"], 2, ("--all",)))
add(_case("return-process-line-zero", ["return", "process", "RMA-999999", "--line", "0"], 2, ("--line", "0")))


add(_case("return-replace-unknown-rma", ["return", "replace", "RMA-999999", "--line", "1"], 1, ("RMA-999999",)))
add(_case("return-replace-no-line", ["return", "replace", "RMA-999999"], 2, ("--line",)))


add(_case("return-report-by-colour", ["return", "report", "--from", "-30d", "--to", "today", "--by", "colour"], 2,
          ("by", "colour")))  # fmt: skip
add(_case("return-report-to-before-from", ["return", "report", "--from", "2026-03-01", "--to", "2026-01-01"], 1,
          ("to", "2026-01-01")))  # fmt: skip


# the demo's return orders: RMA-000001 open and overdue, 000002 canceled, 000003 closed, 000005 open,
# 000007 open with 3 of FILTER-G4 still expected on line 1
add(_case("return-process-canceled", ["return", "process", "RMA-000002"], 1, ("RMA-000002", "canceled")))
add(_case("return-process-closed", ["return", "process", "RMA-000003"], 1, ("RMA-000003", "closed")))
add(_case("return-cancel-open", ["return", "cancel", "RMA-000005"], 1, ("RMA-000005", "open")))
add(_case("return-arrive-more-than-expected", ["return", "arrive", "RMA-000007", "--line", "1", "--qty", "9"], 1,
          ("qty", "9", "expects 3")))  # fmt: skip
add(_case("return-arrive-after-deadline", ["return", "arrive", "RMA-000001", "--line", "1", "--qty", "1"], 1,
          ("2026-02-26", "--late")))  # fmt: skip
add(_case("return-inspect-expected-needs-goods", ["return", "inspect", "RMA-000001", "--line", "1", "--disposition",
                                                   "scrap"], 1, ("RMA-000001/1", "scrap")))  # fmt: skip


# === bom template =================================================================================
# (the demo shop has no template BOMs yet: these cases fail before or at the template's lookup)

TPL_ADD = ["bom", "template", "add", "T-NEW", "--item", "BOILER-35"]
TPL_VERSION = ["bom", "template", "version", "add", "GHOST-TPL", "v1", "--from", "2026-01-01"]
TPL_COMPONENT = ["bom", "template", "component", "add", "GHOST-TPL", "v1", "--position", "pump", "--item", "PUMP-CIRC"]
add(_case("bom-template-add-no-item", ["bom", "template", "add", "T-NEW", "--item", "GHOST-ITEM"], 1, ("GHOST-ITEM",)))
add(_case("bom-template-add-missing-item", ["bom", "template", "add", "T-NEW"], 2, ("--item",)))
add(_case("bom-template-add-key-with-space", ["bom", "template", "add", "T NEW", "--item", "BOILER-35"], 1, ("T NEW",)))
add(_case("bom-template-add-long-key", ["bom", "template", "add", LONG_KEY, "--item", "BOILER-35"], 1, ("template",)))
_texts("bom-template-add-description", TPL_ADD, "--description", "description", SOME_TEXTS)
add(_case("bom-template-list-format-yaml", ["bom", "template", "list", "--format", "yaml"], 2, ("--format", "yaml")))
add(_case("bom-template-show-no-template", ["bom", "template", "show", "GHOST-TPL"], 1, ("GHOST-TPL",)))
add(
    _case(
        "bom-template-show-version-and-at",
        ["bom", "template", "show", "GHOST-TPL", "--version", "v1", "--at", "today"],
        2,
        ("--version", "--at"),
    )
)
add(
    _case(
        "bom-template-show-at-feb-30",
        ["bom", "template", "show", "GHOST-TPL", "--at", "2026-02-30"],
        1,
        ("at", "2026-02-30"),
    )
)
add(
    _case("bom-template-show-osc-key", ["bom", "template", "show", "\x1b]0;pwned\x07"], 1, ("template",), forbid=(ESC,))
)
add(_case("bom-template-update-nothing", ["bom", "template", "update", "GHOST-TPL"], 2, ("nothing to change",)))
add(
    _case(
        "bom-template-update-no-template",
        ["bom", "template", "update", "GHOST-TPL", "--description", "x"],
        1,
        ("GHOST-TPL",),
    )
)
add(_case("bom-template-remove-no-template", ["bom", "template", "remove", "GHOST-TPL"], 1, ("GHOST-TPL",)))
add(_case("bom-template-diff-no-template", ["bom", "template", "diff", "GHOST-TPL", "v1", "v2"], 1, ("GHOST-TPL",)))
add(_case("bom-template-diff-missing-version", ["bom", "template", "diff", "GHOST-TPL", "v1"], 2, ("V2",)))
add(_case("bom-template-version-add-no-template", TPL_VERSION, 1, ("GHOST-TPL",)))
add(
    _case(
        "bom-template-version-add-from-month-13",
        [*TPL_VERSION[:-1], "2026-13-01"],
        1,
        ("from", "2026-13-01"),
    )
)
add(
    _case(
        "bom-template-version-add-to-before-from",
        [*TPL_VERSION[:-1], "2026-02-01", "--to", "2026-01-01"],
        1,
        ("to", "2026-01-01", "2026-02-01"),
    )
)
add(_case("bom-template-version-add-to-words", [*TPL_VERSION, "--to", "someday"], 1, ("to", "someday")))
add(_case("bom-template-version-add-missing-from", TPL_VERSION[:-2], 2, ("--from",)))
add(
    _case("bom-template-version-add-key-with-space", [*TPL_VERSION[:5], "v 1", *TPL_VERSION[6:]], 1, ("version", "v 1"))
)
add(
    _case(
        "bom-template-version-update-nothing",
        ["bom", "template", "version", "update", "GHOST-TPL", "v1"],
        2,
        ("nothing to change",),
    )
)
add(
    _case(
        "bom-template-version-update-no-template",
        ["bom", "template", "version", "update", "GHOST-TPL", "v1", "--to", ""],
        1,
        ("GHOST-TPL",),
    )
)
add(
    _case(
        "bom-template-version-remove-no-template",
        ["bom", "template", "version", "remove", "GHOST-TPL", "v1"],
        1,
        ("GHOST-TPL",),
    )
)
add(_case("bom-template-component-add-no-template", TPL_COMPONENT, 1, ("GHOST-TPL",)))
for _qid, _qty in QTY + [("zero", "0")]:
    add(_case(f"bom-template-component-add-qty-{_qid}", [*TPL_COMPONENT, "--qty", _qty], 1, ("qty", _qty)))
for _pid, _position in [("space", "has space"), ("comma", "a,b"), ("lead-dash", "-x"), ("long", "P" * 41)]:
    add(
        _case(
            f"bom-template-component-add-position-{_pid}",
            [*TPL_COMPONENT[:7], _position, *TPL_COMPONENT[8:]],
            1,
            ("position",),
        )
    )
add(_case("bom-template-component-add-missing-item", TPL_COMPONENT[:-2], 2, ("--item",)))
_texts(
    "bom-template-component-add-note", TPL_COMPONENT, "--note", "note", [t for t in TEXTS if t[0] in ("newline", "osc")]
)
add(
    _case(
        "bom-template-component-update-nothing",
        ["bom", "template", "component", "update", "GHOST-TPL", "v1", "pump"],
        2,
        ("nothing to change",),
    )
)
add(
    _case(
        "bom-template-component-update-qty-zero",
        ["bom", "template", "component", "update", "GHOST-TPL", "v1", "pump", "--qty", "0"],
        1,
        ("qty", "0"),
    )
)
add(
    _case(
        "bom-template-component-remove-no-template",
        ["bom", "template", "component", "remove", "GHOST-TPL", "v1", "pump"],
        1,
        ("GHOST-TPL",),
    )
)
# on the demo's templates: VB35 has version 1 (2018-03-10 to 2024-08-09) and 2 (from 2024-08-10),
# both used by object BOMs; version 2 of VB24 is used by none (its components can change)
TPL_V = ["bom", "template", "version"]
add(_case("bom-template-add-duplicate", ["bom", "template", "add", "VB35", "--item", "BOILER-35"], 3, ("VB35",)))
add(_case("bom-template-version-add-duplicate", [*TPL_V, "add", "VB35", "1", "--from", "2040-01-01"], 3, ("1", "VB35")))
add(
    _case(
        "bom-template-version-add-overlap",
        [*TPL_V, "add", "VB35", "3", "--from", "2026-06-01"],
        1,
        ("VB35", "bom-versions-never-overlap", "version 2"),
    )
)
add(
    _case(
        "bom-template-version-update-overlap",
        [*TPL_V, "update", "VB35", "1", "--to", "2025-01-01"],
        1,
        ("VB35", "bom-versions-never-overlap"),
    )
)
add(
    _case(
        "bom-template-version-update-to-before-from",
        [*TPL_V, "update", "VB35", "2", "--to", "2020-01-01"],
        1,
        ("to", "2020-01-01", "2024-08-10"),
    )
)
add(
    _case(
        "bom-template-version-update-from-after-to",
        [*TPL_V, "update", "VB35", "1", "--from", "2030-01-01"],
        1,
        ("from", "2030-01-01", "2024-08-09"),
    )
)
add(_case("bom-template-version-update-unknown", [*TPL_V, "update", "VB35", "9", "--to", ""], 1, ("version", "'9'")))
add(_case("bom-template-version-remove-in-use", [*TPL_V, "remove", "VB35", "1"], 1, ("VB35", "bom-version-in-use")))
add(_case("bom-template-show-unknown-version", ["bom", "template", "show", "VB35", "--version", "9"], 1, ("'9'",)))
add(_case("bom-template-diff-unknown-version", ["bom", "template", "diff", "VB35", "1", "9"], 1, ("version", "'9'")))
TPL_PART = ["bom", "template", "component"]
add(
    _case(
        "bom-template-component-add-frozen",
        [*TPL_PART, "add", "VB35", "2", "--position", "filter", "--item", "FILTER-G4"],
        1,
        ("VB35", "bom-version-frozen"),
    )
)
add(
    _case(
        "bom-template-component-add-unknown-version",
        [*TPL_PART, "add", "VB24", "9", "--position", "filter", "--item", "FILTER-G4"],
        1,
        ("version", "'9'"),
    )
)
add(
    _case(
        "bom-template-component-add-unknown-item",
        [*TPL_PART, "add", "VB24", "2", "--position", "filter", "--item", "GHOST-1"],
        1,
        ("item", "GHOST-1"),
    )
)
add(
    _case(
        "bom-template-component-add-position-taken",
        [*TPL_PART, "add", "VB24", "2", "--position", "pump", "--item", "FILTER-G4"],
        3,
        ("position", "pump"),
    )
)
add(
    _case(
        "bom-template-component-add-serialized-qty",
        [*TPL_PART, "add", "VB24", "2", "--position", "board-2", "--item", "BOARD-BC3", "--qty", "2"],
        1,
        ("qty", "2", "BOARD-BC3"),
    )
)
for _qid, _qty in [("neg", "-1"), ("words", "two")]:
    add(_case(f"bom-template-component-update-qty-{_qid}", [*TPL_PART, "update", "VB24", "2", "pump", f"--qty={_qty}"],
              1, ("qty", _qty)))  # fmt: skip
add(
    _case(
        "bom-template-component-update-unknown-position",
        [*TPL_PART, "update", "VB24", "2", "nozzle", "--qty", "2"],
        1,
        ("position", "nozzle"),
    )
)
add(
    _case(
        "bom-template-component-remove-unknown-position",
        [*TPL_PART, "remove", "VB24", "2", "nozzle"],
        1,
        ("position", "nozzle"),
    )
)
add(_case("bom-template-export-no-template", ["bom", "template", "export", "GHOST-TPL"], 1, ("GHOST-TPL",)))
add(
    _case("bom-template-import-overlap", ["bom", "template", "import", "{files}/tpl-overlap.csv"], 1, ("row 1", "VB35"))
)
add(
    _case(
        "bom-template-import-to-before-from",
        ["bom", "template", "import", "{files}/tpl-to-before-from.csv"],
        1,
        ("row 1", "to", "2026-01-01"),
    )
)
add(
    _case(
        "bom-template-import-qty-zero", ["bom", "template", "import", "{files}/tpl-qty-zero.csv"], 1, ("row 1", "qty")
    )
)
add(
    _case("bom-template-export-format-yaml", ["bom", "template", "export", "--format", "yaml"], 2, ("--format", "yaml"))
)
add(
    _case(
        "bom-template-import-customers-file",
        ["bom", "template", "import", "{files}/customers.csv"],
        1,
        ("column", "account"),
    )
)
add(_case("bom-template-import-broken-json", ["bom", "template", "import", "{files}/broken.json"], 1, ("broken.json",)))
add(_case("bom-template-import-missing-file", ["bom", "template", "import", "{files}/nope.csv"], 1, ("nope.csv",)))
add(
    _case(
        "bom-template-import-unknown-field",
        ["bom", "template", "import", "{files}/unknown-field.json"],
        1,
        ("row 1", "account"),
    )
)

# === the whole shop as a bundle (custsvc export / import) ========================================

add(_case("export-bundle-format-xml", ["export", "{files}/out", "--bundle-format", "xml"], 2, ("bundle-format", "xml")))
add(_case("export-into-a-file", ["export", "{files}/customers.csv"], 1, ("customers.csv", "not a folder")))
add(_case("export-into-a-folder-of-other-files", ["export", "{files}"], 1, ("not part of a bundle",)))
add(_case("import-folder-without-manifest", ["import", "{files}"], 1, ("manifest.json",)))
add(_case("import-missing-folder", ["import", "{files}/no-such-bundle"], 1, ("no-such-bundle",)))
add(_case("import-delimiter-two-chars", ["import", "{files}", "--delimiter", ";;"], 2, ("--delimiter", ";;")))
add(_case("export-only-unknown-kind", ["export", "{files}/out", "--only", "order,gadget"], 2, ("--only", "gadget")))
