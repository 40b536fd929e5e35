"""The links of each case to the customer portal: one row per case, holding the generation
a link must carry to be honoured, so issuing a link that revokes the others is one update."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from order_completion.database import Base, UTCDateTime


class CustomerLinks(Base):
    __tablename__ = "customer_link"

    case_id: Mapped[str] = mapped_column(ForeignKey("completion_case.id"), primary_key=True)
    # Links signed with an older generation are revoked; issuing with revokeOthers moves on.
    generation: Mapped[int] = mapped_column(Integer)
    issued: Mapped[int] = mapped_column(Integer)  # links issued for the case, all generations
    last_issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
