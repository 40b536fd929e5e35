"""HTTP route for the customer's satisfaction survey answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.auth.rules import Permission
from order_completion.cases.representation import API_BASE
from order_completion.dependencies import ServicesDep, allow, read_case
from order_completion.surveys import service
from order_completion.surveys.schemas import SurveyAnswerOut, SurveyResponse
from order_completion.tmf.schemas import ERROR_RESPONSES

router = APIRouter(prefix=API_BASE, tags=["satisfactionSurvey"])


@router.post(
    "/completionCase/{case_id}/surveyResponse",
    dependencies=allow(Permission.RECORD_SURVEY),
    summary="Record the customer's satisfaction survey answer",
    description="Completes the survey step (outcome `responded`); 409 when no survey waits.",
    status_code=201,
    responses={201: {"model": SurveyAnswerOut}, **ERROR_RESPONSES},
)
async def answer_survey(case_id: str, body: SurveyResponse, services: ServicesDep) -> Any:
    async def work(session: AsyncSession, now: datetime) -> None:
        unit = await services.cases.require(session, case_id, now)
        await service.record_response(unit, body)

    await services.write(work)
    return {
        "@type": "SurveyResponse",
        "score": body.score,
        "comment": body.comment,
        "completionCase": await read_case(services, case_id),
    }
