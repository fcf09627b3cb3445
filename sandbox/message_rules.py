"""What Discord refuses in a message body (content, embeds, components) and how it echoes embeds back.

Errors are Discord's 400 50035 Invalid Form Body with the field that broke the rule.
"""
from __future__ import annotations

from typing import Any

from sandbox.errors import DiscordError

IS_COMPONENTS_V2 = 1 << 15  # resources/message § Message Flags
# resources/message § Embed Limits: per field, and 6,000 characters across every embed of a message.
EMBED_FIELD_LIMITS = {"title": 256, "description": 4096}
EMBED_TOTAL = 6000
MAX_EMBEDS = 10  # resources/message § Create Message, Json Params: "Up to 10 rich embeds"
MAX_ACTION_ROWS = 5  # components/reference § Action Row: "up to 5 action rows as top-level components"


def echoed_embeds(embeds: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The embeds as Discord stores them: checked, each with `type` ("rich" is what a bot sends)."""
    embeds = list(embeds or [])
    if len(embeds) > MAX_EMBEDS:
        raise DiscordError.invalid_form("embeds", f"Must be {MAX_EMBEDS} or fewer in length.",
                                        "BASE_TYPE_MAX_LENGTH")
    total = 0
    for i, embed in enumerate(embeds):
        texts = {name: str(embed.get(name) or "").strip() for name in EMBED_FIELD_LIMITS}
        for name, most in EMBED_FIELD_LIMITS.items():
            if len(texts[name]) > most:
                raise DiscordError.invalid_form(f"embeds.{i}.{name}", f"Must be {most} or fewer in length.",
                                                "BASE_TYPE_MAX_LENGTH")
        fields = embed.get("fields") or []
        if len(fields) > 25:
            raise DiscordError.invalid_form(f"embeds.{i}.fields", "Must be 25 or fewer in length.",
                                            "BASE_TYPE_MAX_LENGTH")
        total += sum(len(t) for t in texts.values())
        total += sum(len(str(f.get("name", "")).strip()) + len(str(f.get("value", "")).strip()) for f in fields)
        total += len(str((embed.get("footer") or {}).get("text", "")).strip())
        total += len(str((embed.get("author") or {}).get("name", "")).strip())
    if total > EMBED_TOTAL:
        raise DiscordError.invalid_form("embeds", f"Embed size exceeds maximum size of {EMBED_TOTAL}",
                                        "MAX_EMBED_SIZE_EXCEEDED")
    return [{"type": "rich"} | embed for embed in embeds]


def checked_components(components: list[dict[str, Any]] | None, flags: int = 0) -> list[dict[str, Any]]:
    components = list(components or [])
    if not flags & IS_COMPONENTS_V2 and len(components) > MAX_ACTION_ROWS:
        raise DiscordError.invalid_form("components", f"Must be {MAX_ACTION_ROWS} or fewer in length.",
                                        "BASE_TYPE_MAX_LENGTH")
    return components
