"""What a new database starts with: the default stage tree and the number sequences.

Migration 0002 inserts its own frozen copy; ``custsvc demo --force`` re-seeds from here after
wiping, and a test keeps the two equal.
"""

from __future__ import annotations

STAGE_FLAGS = (
    "can_cancel",
    "can_delete",
    "can_modify",
    "can_post",
    "stops_clock",
    "requires_reason",
    "resolves",
    "cancels",
)

#: (stage, name, parent, flags) in display order
STAGES: list[tuple[str, str, str | None, tuple[str, ...]]] = [
    ("created", "Created", None, ("can_cancel", "can_delete", "can_modify")),
    ("planned", "Planned", "created", ("can_cancel", "can_modify")),
    ("in-progress", "In progress", "planned", ("can_modify",)),
    ("waiting-for-customer", "Waiting for customer", "in-progress", ("can_modify", "stops_clock")),
    ("waiting-for-parts", "Waiting for parts", "in-progress", ("can_modify", "stops_clock")),
    ("completed", "Completed", "in-progress", ("can_modify", "can_post", "resolves")),
    ("closed", "Closed", "completed", ("can_post", "resolves")),
    ("canceled", "Canceled", "created", ("cancels", "requires_reason")),
]

#: (name, prefix, width)
SEQUENCES: list[tuple[str, str, int]] = [("order", "SO-", 6), ("invoice", "INV-", 6), ("return", "RMA-", 6)]


#: the repair stages a new database starts with: (stage, description, finished); the migration that
#: made the table keeps its own copy
REPAIR_STAGES = (
    ("registered", "Registered, not looked at yet", False),
    ("diagnosed", "Diagnosed, the fix is known", False),
    ("repaired", "Repaired", True),
    ("not-repairable", "Cannot be repaired", True),
)


#: the return reasons and dispositions a new database starts with (one disposition per action); the
#: migration that made the tables keeps its own copy
RETURN_REASONS = (
    ("wrong-item", "Wrong item delivered"),
    ("defective", "Defective or failed"),
    ("not-needed", "Not needed (any more)"),
    ("for-repair", "Sent in to be repaired"),
)
RETURN_DISPOSITIONS = (
    ("credit", "credit", "Back to stock, customer credited"),
    ("credit-only", "credit-only", "Credited, nothing comes back"),
    ("scrap", "scrap", "Scrapped, customer credited"),
    ("replace-credit", "replace-credit", "Back to stock, credited, a replacement sent"),
    ("replace-scrap", "replace-scrap", "Scrapped, credited, a replacement sent"),
    ("return-to-customer", "return-to-customer", "Shipped back as it is, no credit"),
    ("repair", "repair", "Repaired in the shop, then shipped back"),
)


def repair_stage_rows() -> list[dict[str, object]]:
    return [
        {"stage": stage, "description": text, "finished": done, "position": position}
        for position, (stage, text, done) in enumerate(REPAIR_STAGES)
    ]


def stage_rows() -> list[dict[str, object]]:
    rows = []
    for position, (stage, name, parent, flags) in enumerate(STAGES):
        row: dict[str, object] = {"stage": stage, "name": name, "parent": parent, "position": position}
        row.update({flag: flag in flags for flag in STAGE_FLAGS})
        rows.append(row)
    return rows
