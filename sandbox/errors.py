"""Discord's JSON error bodies (https://discord.com/developers/docs/topics/opcodes-and-status-codes)."""
from __future__ import annotations

from typing import Any


class DiscordError(Exception):
    """An error the sandbox answers with, in Discord's shape: {"code", "message"[, "errors"]}."""

    def __init__(self, status: int, code: int, message: str, *, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return body

    # Constructors for the errors the sandbox gives most often.
    _UNKNOWN = {"Channel": 10003, "Guild": 10004, "Member": 10007, "Message": 10008, "Role": 10011,
                "User": 10013, "Interaction": 10062, "Webhook": 10015, "Voice State": 10065,
                "Stage Instance": 10067, "Guild Scheduled Event": 10070, "Application Command": 10063,
                "Overwrite": 10009}

    @classmethod
    def unknown(cls, what: str) -> "DiscordError":
        return cls(404, cls._UNKNOWN.get(what, 10000), f"Unknown {what}")

    @classmethod
    def missing_permissions(cls) -> "DiscordError":
        return cls(403, 50013, "Missing Permissions")

    @classmethod
    def missing_access(cls) -> "DiscordError":
        return cls(403, 50001, "Missing Access")

    @classmethod
    def invalid_form(cls, field: str, message: str, code: str = "BASE_TYPE_INVALID") -> "DiscordError":
        errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
        for part in reversed(field.split(".")):
            errors = {part: errors}
        return cls(400, 50035, "Invalid Form Body", errors=errors)

    @classmethod
    def unauthorized(cls) -> "DiscordError":
        return cls(401, 0, "401: Unauthorized")
