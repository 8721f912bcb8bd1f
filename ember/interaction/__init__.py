"""Interactive code: pausing and asking in generator and async functions, and the question queue."""

from ember.interaction._ask import (
    COMMAND_PREFIX,
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
from ember.interaction._errors import TooManyWaitingError
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
    QuestionQueues,
    answer,
    ask_caller,
    cancel_questions,
    forget_caller,
    has_question,
    questions,
)

__all__ = [
    "COMMAND_PREFIX",
    "DEFAULT_ATTEMPTS",
    "Caller",
    "Choice",
    "Flow",
    "FlowStatistics",
    "Flows",
    "Question",
    "QuestionAbortedError",
    "QuestionQueues",
    "ReturnValue",
    "TooManyWaitingError",
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
    "forget_caller",
    "get_flows",
    "has_question",
    "interactive",
    "questions",
    "report_error",
    "reported_id",
    "returnValue",
    "sleep",
]
