"""Domain errors. Each carries the text a user should see; the adapter sends it ephemerally."""
from __future__ import annotations

from bot.core.text import Msg


class PodiumError(Exception):
    """An error whose message is safe and useful to show to the user who caused it."""

    def __init__(self, message: str | Msg) -> None:
        super().__init__(str(message))
        self.user_message = str(message)  # in English
        self.text = message  # what bot.i18n translates (a plain str reads the same in every language)


class ValidationError(PodiumError):
    """The user's input is not acceptable; nothing was changed."""


class NotFound(PodiumError):
    """The thing the user named does not exist (or is not theirs to see)."""


class Forbidden(PodiumError):
    """The user (or the bot) lacks the right to do this."""


class Conflict(PodiumError):
    """The thing changed while the user's change was being made; nothing of theirs was written."""


class DiscordRefused(PodiumError):
    """Discord refused what Podium asked of it on the user's behalf; what Podium had decided was taken back."""


class InvalidTransition(PodiumError):
    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(f"This room is {current}; it cannot become {wanted}.")
        self.current = current
        self.wanted = wanted
