"""Recording's rules: who is recorded, chapters per speaker, the replay's parts, the retention's bounds."""
from __future__ import annotations

import pytest

from bot.core.errors import ValidationError
from bot.core.recording import (RATE, UPLOAD_LIMIT_BYTES, Chapter, RecordingState, chapter_lines, chapters,
                                messages,
                                check_retention, clock, is_recorded, may_change, part_seconds)
from bot.core.rooms import RoomStatus


def test_only_unsuppressed_speakers_who_did_not_opt_out_are_recorded_and_only_while_on() -> None:
    on = RecordingState(enabled=True, enabled_by=1, opted_out=frozenset({7}))
    assert is_recorded(on, 5, speaker=True)
    assert not is_recorded(on, 5, speaker=False)  # listeners never
    assert not is_recorded(on, 7, speaker=True)  # opted out
    assert not is_recorded(RecordingState(), 5, speaker=True)  # off by default


def test_chapters_join_a_speakers_frames_across_short_pauses_and_split_at_long_ones() -> None:
    frames = lambda start_s, seconds: [int(start_s * RATE) + i * 960 for i in range(int(seconds / 0.02))]  # noqa: E731
    found = chapters({1: frames(0, 2) + frames(2.5, 1) + frames(10, 1), 2: frames(4, 3)})
    assert [(c.user_id, round(c.start_s, 2), round(c.end_s, 2)) for c in found] == [
        (1, 0.0, 3.5), (2, 4.0, 7.0), (1, 10.0, 11.0)]
    assert chapter_lines([Chapter(1, 65.2, 3700.9)]) == ["`1:05–1:01:40` <@1>"]
    assert clock(59.99) == "0:59"


def test_a_part_of_the_replay_fits_the_upload_limit_with_room_to_spare() -> None:
    seconds = part_seconds()
    assert seconds % 60 == 0 and seconds * 24_000 / 8 <= UPLOAD_LIMIT_BYTES / 2


@pytest.mark.parametrize("days", [0, 366])
def test_retention_is_one_day_to_a_year(days: int) -> None:
    with pytest.raises(ValidationError, match="1 to 365"):
        check_retention(days)
    assert check_retention(30) == 30


def test_recording_is_set_for_upcoming_and_live_rooms_only() -> None:
    may_change(RoomStatus.SCHEDULED)
    may_change(RoomStatus.LIVE)
    with pytest.raises(ValidationError, match="ended"):
        may_change(RoomStatus.ENDED)


def test_the_replay_posts_fit_discords_message_limits() -> None:
    lines = [f"`0:{i:02d}–0:{i:02d}` <@{10**17 + i}>" for i in range(120)]
    posts = messages("🎧 **Replay of X** (2:00)", lines, 23)
    assert all(len(text) <= 2000 for text, _ in posts) and all(len(parts) <= 10 for _, parts in posts)
    assert posts[0][0].startswith("🎧 **Replay of X**")
    assert "\n".join(text for text, _ in posts).count("<@") == 120  # every chapter, once
    assert [i for _, parts in posts for i in parts] == list(range(23))
    assert messages("heading", ["a"], 1) == [("heading\na", range(0, 1))]
