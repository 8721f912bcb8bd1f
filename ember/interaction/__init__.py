"""Interactive code: pausing and asking in generator and async functions, and the question queue."""

from ember.interaction._ask import (
    DEFAULT_ATTEMPTS,
    Choice,
    Question,
    QuestionAbortedError,
    YesNo,
    ask,
    ask_yes_no,
    choose,
    current_caller,
)
from ember.interaction._driver import ReturnValue, drive, interactive, returnValue, sleep
from ember.interaction._flows import (
    Flow,
    Flows,
    FlowStatistics,
    error_id,
    get_flows,
    report_error,
    reported_id,
)
from ember.interaction._questions import (
    Caller,
    Questions,
    answer,
    ask_caller,
    cancel_questions,
    has_question,
    questions,
)

__all__ = [
    "DEFAULT_ATTEMPTS",
    "Caller",
    "Choice",
    "Flow",
    "FlowStatistics",
    "Flows",
    "Question",
    "QuestionAbortedError",
    "Questions",
    "ReturnValue",
    "YesNo",
    "answer",
    "ask",
    "ask_caller",
    "ask_yes_no",
    "cancel_questions",
    "choose",
    "current_caller",
    "drive",
    "error_id",
    "get_flows",
    "has_question",
    "interactive",
    "questions",
    "report_error",
    "reported_id",
    "returnValue",
    "sleep",
]
