"""Submission checks: empty, oversized and unstorable text get a clear answer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cogs.feedback.answers import Refused
from cogs.feedback.capture import MAX_DETAILS, MAX_TITLE, Submission, check_submission


def test_a_normal_submission_is_trimmed() -> None:
    got = check_submission("  Dark   mode\n on mobile ", "  please \n")
    assert got == Submission("Dark mode on mobile", "please")
    assert got.text == "Dark mode on mobile\nplease"


def test_empty_and_oversized_text_are_refused_with_the_limit() -> None:
    empty = check_submission("   ", " \n ")
    assert isinstance(empty, Refused) and "empty" in empty.reason
    long_title = check_submission("x" * (MAX_TITLE + 1))
    assert isinstance(long_title, Refused) and str(MAX_TITLE) in long_title.reason
    long_details = check_submission("ok", "y" * (MAX_DETAILS + 1))
    assert isinstance(long_details, Refused) and str(MAX_DETAILS) in long_details.reason


def test_a_channel_post_without_title_takes_its_first_line() -> None:
    assert check_submission("", "Dark mode please\nmy eyes hurt") == Submission("Dark mode please", "my eyes hurt")
    long = check_submission("", "z" * 300)
    assert isinstance(long, Submission) and len(long.title) == MAX_TITLE and long.details == "z" * 300


HOSTILE = st.text(alphabet=st.sampled_from(["\ud800", "\udfff", "\x00", " ", "\n", "\t", "a", "é", "🔥"]), max_size=200)


@given(st.text(max_size=300) | HOSTILE, st.text(max_size=5000) | HOSTILE)
def test_any_text_is_stored_or_answered(title: str, details: str) -> None:
    got = check_submission(title, details)
    if isinstance(got, Refused):
        assert got.reason
    else:
        assert got.title and len(got.title) <= MAX_TITLE and len(got.details) <= MAX_DETAILS
        got.text.encode("utf-8")  # storable: no lone surrogates
        assert "\x00" not in got.text
