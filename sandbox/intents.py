"""Gateway intents: which dispatches a session receives, and which intents an IDENTIFY may ask for.

events/gateway § Gateway Intents (the list) and § Privileged Intents.
"""
from __future__ import annotations

GUILDS, GUILD_MEMBERS, GUILD_MODERATION, GUILD_EXPRESSIONS = 1 << 0, 1 << 1, 1 << 2, 1 << 3
GUILD_INTEGRATIONS, GUILD_WEBHOOKS, GUILD_INVITES, GUILD_VOICE_STATES = 1 << 4, 1 << 5, 1 << 6, 1 << 7
GUILD_PRESENCES, GUILD_MESSAGES, GUILD_MESSAGE_REACTIONS, GUILD_MESSAGE_TYPING = 1 << 8, 1 << 9, 1 << 10, 1 << 11
DIRECT_MESSAGES, DIRECT_MESSAGE_REACTIONS, DIRECT_MESSAGE_TYPING = 1 << 12, 1 << 13, 1 << 14
MESSAGE_CONTENT, GUILD_SCHEDULED_EVENTS = 1 << 15, 1 << 16
AUTO_MODERATION_CONFIGURATION, AUTO_MODERATION_EXECUTION = 1 << 20, 1 << 21
GUILD_MESSAGE_POLLS, DIRECT_MESSAGE_POLLS = 1 << 24, 1 << 25

#: Every documented intent (events/gateway § List of Intents); any other bit is an invalid intent (4013).
ALL_INTENTS = (
    GUILDS | GUILD_MEMBERS | GUILD_MODERATION | GUILD_EXPRESSIONS | GUILD_INTEGRATIONS | GUILD_WEBHOOKS
    | GUILD_INVITES | GUILD_VOICE_STATES | GUILD_PRESENCES | GUILD_MESSAGES | GUILD_MESSAGE_REACTIONS
    | GUILD_MESSAGE_TYPING | DIRECT_MESSAGES | DIRECT_MESSAGE_REACTIONS | DIRECT_MESSAGE_TYPING | MESSAGE_CONTENT
    | GUILD_SCHEDULED_EVENTS | AUTO_MODERATION_CONFIGURATION | AUTO_MODERATION_EXECUTION | GUILD_MESSAGE_POLLS
    | DIRECT_MESSAGE_POLLS
)
#: Intents an application must switch on in the Developer Portal first (events/gateway § Privileged Intents).
PRIVILEGED_INTENTS = GUILD_PRESENCES | GUILD_MEMBERS | MESSAGE_CONTENT

INVALID_INTENTS, DISALLOWED_INTENTS = 4013, 4014  # topics/opcodes-and-status-codes § Gateway Close Event Codes

EVENT_INTENTS: dict[str, int] = {
    "GUILD_CREATE": GUILDS, "GUILD_UPDATE": GUILDS, "GUILD_DELETE": GUILDS, "CHANNEL_UPDATE": GUILDS,
    "CHANNEL_CREATE": GUILDS,
    "GUILD_ROLE_CREATE": GUILDS, "GUILD_ROLE_DELETE": GUILDS, "GUILD_ROLE_UPDATE": GUILDS,
    "STAGE_INSTANCE_CREATE": GUILDS, "STAGE_INSTANCE_UPDATE": GUILDS, "STAGE_INSTANCE_DELETE": GUILDS,
    "GUILD_MEMBER_ADD": GUILD_MEMBERS, "GUILD_MEMBER_UPDATE": GUILD_MEMBERS, "GUILD_MEMBER_REMOVE": GUILD_MEMBERS,
    "VOICE_STATE_UPDATE": GUILD_VOICE_STATES,
    "MESSAGE_CREATE": GUILD_MESSAGES, "MESSAGE_UPDATE": GUILD_MESSAGES, "MESSAGE_DELETE": GUILD_MESSAGES,
    "GUILD_SCHEDULED_EVENT_CREATE": GUILD_SCHEDULED_EVENTS, "GUILD_SCHEDULED_EVENT_UPDATE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_DELETE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_USER_ADD": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_USER_REMOVE": GUILD_SCHEDULED_EVENTS,
}


def refusal(intents: object, enabled_privileged: int) -> int | None:
    """The close code for an IDENTIFY asking for these intents, or None if they are fine."""
    if not isinstance(intents, int) or isinstance(intents, bool) or intents < 0 or intents & ~ALL_INTENTS:
        return INVALID_INTENTS  # "You may have incorrectly calculated the bitwise value"
    if intents & PRIVILEGED_INTENTS & ~enabled_privileged:
        return DISALLOWED_INTENTS  # events/gateway § Gateway Restrictions
    return None


#: The application's flags for each privileged intent switched on in the Developer Portal (resources/application §
#: Application Flags): the `_LIMITED` flag for an app in under 100 servers (the **Bot** page's toggle), the full one
#: for an app in 100 or more (approved in verification).
INTENT_FLAGS = {GUILD_PRESENCES: (1 << 13, 1 << 12), GUILD_MEMBERS: (1 << 15, 1 << 14),
                MESSAGE_CONTENT: (1 << 19, 1 << 18)}
#: The names the control API takes for the Developer Portal's three toggles.
INTENT_NAMES = {"presence": GUILD_PRESENCES, "server_members": GUILD_MEMBERS, "message_content": MESSAGE_CONTENT}


def application_flags(enabled_privileged: int, guild_count: int) -> int:
    """GET /applications/@me's `flags` for the privileged intents switched on."""
    flags = 0
    for intent, (limited, full) in INTENT_FLAGS.items():
        if enabled_privileged & intent:
            flags |= full if guild_count >= 100 else limited
    return flags
