"""Commands on the interaction log from staff: log a call or a visit, change it, delete it."""

from __future__ import annotations

from dataclasses import dataclass

from order_completion.audit import Actor
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.interactions import service
from order_completion.interactions.schemas import PartyInteractionCreate, PartyInteractionUpdate
from order_completion.interactions.tables import PartyInteraction


@dataclass(frozen=True)
class LogInteraction:
    body: PartyInteractionCreate
    actor: Actor


async def log_interaction(uow: UnitOfWork, cmd: LogInteraction) -> PartyInteraction:
    async with uow:
        return await service.create(uow.session, cmd.body, uow.now, base_url=uow.base_url)


@dataclass(frozen=True)
class ChangeInteraction:
    interaction_id: str
    patch: PartyInteractionUpdate
    actor: Actor


async def change_interaction(uow: UnitOfWork, cmd: ChangeInteraction) -> PartyInteraction:
    async with uow:
        return await service.update(
            uow.session,
            cmd.interaction_id,
            cmd.patch,
            uow.now,
            author=cmd.actor.name,
            base_url=uow.base_url,
        )


@dataclass(frozen=True)
class DeleteInteraction:
    interaction_id: str
    actor: Actor


async def delete_interaction(uow: UnitOfWork, cmd: DeleteInteraction) -> None:
    async with uow:
        await service.delete(uow.session, cmd.interaction_id, uow.now, base_url=uow.base_url)
