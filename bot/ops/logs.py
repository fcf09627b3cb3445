"""Log set-up: plain lines, or one JSON object per line (PODIUM_LOG_FORMAT=json) with the guild and room ids.

The token is never logged: any record that contains it has it replaced before it is written.
"""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone

# Podium's room messages start "room %s: ..." or "room #%s: ...": their first argument is the room's id.
ROOM_MESSAGE = re.compile(r"room #?%s\b")
REDACTED = "[token]"


class Redact(logging.Filter):
    """Replaces the token wherever a record would show it (its message, or an exception's text)."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secret and self.secret in record.getMessage():
            record.msg, record.args = record.getMessage().replace(self.secret, REDACTED), None
        return True


class JsonFormatter(logging.Formatter):
    """One object per line: time (UTC, ISO 8601), level, logger, message, and guild_id / room_id when known
    (from `extra={"guild_id": ..., "room_id": ...}`, or a room message's first argument)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        room_id = getattr(record, "room_id", None)
        if room_id is None and isinstance(record.msg, str) and ROOM_MESSAGE.match(record.msg) \
                and isinstance(record.args, tuple) and record.args:
            room_id = record.args[0]
        for key, value in (("guild_id", getattr(record, "guild_id", None)), ("room_id", room_id)):
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str, *, json_lines: bool = False, secret: str = "") -> None:
    """The root logger's one handler (stderr), replacing any earlier set-up."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if json_lines else
                         logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(Redact(secret))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLevelName(level)))
    # apscheduler logs every job added and run at INFO: Podium logs what its timers do itself.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLevelName(level)))
