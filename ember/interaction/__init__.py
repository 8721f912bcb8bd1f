"""Interactive code: questions whose answer is the caller's next line of input."""

from ember.interaction._questions import (
    Caller,
    Questions,
    answer,
    ask,
    cancel_questions,
    has_question,
    questions,
)

__all__ = ["Caller", "Questions", "answer", "ask", "cancel_questions", "has_question", "questions"]
