"""What every table shares: who created / last changed a row, and when."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class Audited(SQLModel):
    created_at: datetime = Field(nullable=False)
    created_by: str = Field(nullable=False)
    updated_at: datetime | None = Field(default=None)
    updated_by: str | None = Field(default=None)


AUDIT_FIELDS = ("created_at", "created_by", "updated_at", "updated_by")
