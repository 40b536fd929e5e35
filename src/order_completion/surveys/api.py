"""HTTP route for the customer's satisfaction survey answer."""

from __future__ import annotations

from fastapi import APIRouter, Response

from order_completion.auth.rules import Permission
from order_completion.cases.ports import CaseServicesDep, read_case
from order_completion.cases.representation import API_BASE
from order_completion.dependencies import ActorDep, allow
from order_completion.surveys import handlers
from order_completion.surveys.schemas import SurveyAnswerOut, SurveyResponse
from order_completion.tmf.responses import json_resource
from order_completion.tmf.schemas import ERROR_RESPONSES

router = APIRouter(prefix=API_BASE, tags=["satisfactionSurvey"])


@router.post(
    "/completionCase/{case_id}/surveyResponse",
    dependencies=allow(Permission.RECORD_SURVEY),
    summary="Record the customer's satisfaction survey answer",
    description="Completes the survey step (outcome `responded`); 409 when no survey waits.",
    status_code=201,
    response_model=SurveyAnswerOut,
    responses={201: {"model": SurveyAnswerOut}, **ERROR_RESPONSES},
)
async def answer_survey(
    case_id: str, body: SurveyResponse, app: CaseServicesDep, actor: ActorDep
) -> Response:
    await handlers.answer_survey(app.uow(), handlers.AnswerSurvey(case_id, body, actor))
    resource = {
        "@type": "SurveyResponse",
        "score": body.score,
        "comment": body.comment,
        "completionCase": await read_case(app, case_id),
    }
    return json_resource(resource, status_code=201)
