"""Discord permission bits and the way Discord computes a member's permissions.

Order (from Discord's docs, "Permission Overwrites"): base = @everyone role | member's roles; administrator
or guild owner short-circuits to all; then in a channel: @everyone overwrite (deny, then allow), all role
overwrites combined (deny, then allow), then the member's own overwrite (deny, then allow).
"""
from __future__ import annotations

from typing import Iterable, Mapping

# topics/permissions § Bitwise Permission Flags (every documented bit; 1 << 47 is not assigned)
CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_AUDIT_LOG = 1 << 7
PRIORITY_SPEAKER = 1 << 8
STREAM = 1 << 9
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_TTS_MESSAGES = 1 << 12
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
VIEW_GUILD_INSIGHTS = 1 << 19
CONNECT = 1 << 20
SPEAK = 1 << 21
MUTE_MEMBERS = 1 << 22
DEAFEN_MEMBERS = 1 << 23
MOVE_MEMBERS = 1 << 24
USE_VAD = 1 << 25
CHANGE_NICKNAME = 1 << 26
MANAGE_NICKNAMES = 1 << 27
MANAGE_ROLES = 1 << 28
MANAGE_WEBHOOKS = 1 << 29
MANAGE_GUILD_EXPRESSIONS = 1 << 30
USE_APPLICATION_COMMANDS = 1 << 31
REQUEST_TO_SPEAK = 1 << 32
MANAGE_EVENTS = 1 << 33
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
USE_EXTERNAL_STICKERS = 1 << 37
SEND_MESSAGES_IN_THREADS = 1 << 38
USE_EMBEDDED_ACTIVITIES = 1 << 39
MODERATE_MEMBERS = 1 << 40
VIEW_CREATOR_MONETIZATION_ANALYTICS = 1 << 41
USE_SOUNDBOARD = 1 << 42
CREATE_GUILD_EXPRESSIONS = 1 << 43
CREATE_EVENTS = 1 << 44
USE_EXTERNAL_SOUNDS = 1 << 45
SEND_VOICE_MESSAGES = 1 << 46
SET_VOICE_CHANNEL_STATUS = 1 << 48
SEND_POLLS = 1 << 49
USE_EXTERNAL_APPS = 1 << 50
PIN_MESSAGES = 1 << 51
BYPASS_SLOWMODE = 1 << 52

#: What Discord gives @everyone in a new guild (the value the official client creates guilds with).
DEFAULT_EVERYONE = (
    CREATE_INSTANT_INVITE | ADD_REACTIONS | STREAM | VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES
    | READ_MESSAGE_HISTORY | USE_EXTERNAL_EMOJIS | CONNECT | SPEAK | USE_VAD | USE_APPLICATION_COMMANDS
    | REQUEST_TO_SPEAK | CREATE_PUBLIC_THREADS | CREATE_PRIVATE_THREADS | SEND_MESSAGES_IN_THREADS
)

#: Names used in error messages and by the control API.
NAMES: dict[int, str] = {
    value: name.replace("_", " ").title()
    for name, value in list(globals().items())
    if name.isupper() and isinstance(value, int) and value and value & (value - 1) == 0
}

#: Every documented bit: what an owner or an administrator has.
ALL = 0
for _bit in NAMES:
    ALL |= _bit
del _bit

# resources/stage-instance § Definitions: a stage's moderators have all three.
STAGE_MODERATOR = MANAGE_CHANNELS | MUTE_MEMBERS | MOVE_MEMBERS

# topics/permissions § Implicit Permissions: "For voice and stage channels, denying the CONNECT permission also
# implicitly denies other permissions such as MANAGE_CHANNEL". The set is the one discord.py also takes away
# (`Permissions.voice()` plus Manage Channels and Manage Roles), so a bot's own view and the sandbox agree.
DENIED_WITHOUT_CONNECT = (
    PRIORITY_SPEAKER | STREAM | CONNECT | SPEAK | MUTE_MEMBERS | DEAFEN_MEMBERS | MOVE_MEMBERS | USE_VAD
    | USE_EMBEDDED_ACTIVITIES | USE_SOUNDBOARD | USE_EXTERNAL_SOUNDS | SET_VOICE_CHANNEL_STATUS
    | MANAGE_CHANNELS | MANAGE_ROLES
)


def base_permissions(
    *, is_owner: bool, everyone: int, role_permissions: Iterable[int]
) -> int:
    """Guild-level permissions of a member."""
    if is_owner:
        return ALL
    perms = everyone
    for value in role_permissions:
        perms |= value
    if perms & ADMINISTRATOR:
        return ALL
    return perms


def channel_permissions(
    base: int,
    *,
    guild_id: int,
    member_id: int,
    member_roles: Iterable[int],
    overwrites: Mapping[int, tuple[int, int, int]],
    voice: bool = False,
) -> int:
    """Apply a channel's overwrites (id -> (type, allow, deny)) to guild-level permissions `base`; `voice`: the
    channel is a voice or stage channel."""
    if base & ADMINISTRATOR:
        return ALL
    perms = base
    everyone = overwrites.get(guild_id)
    if everyone:
        perms = (perms & ~everyone[2]) | everyone[1]
    allow = deny = 0
    for role_id in member_roles:
        ow = overwrites.get(role_id)
        if ow and ow[0] == 0:
            allow |= ow[1]
            deny |= ow[2]
    perms = (perms & ~deny) | allow
    own = overwrites.get(member_id)
    if own and own[0] == 1:
        perms = (perms & ~own[2]) | own[1]
    if not perms & VIEW_CHANNEL:
        # Without View Channel every other channel permission is implicitly denied.
        return 0
    if voice and not perms & CONNECT:
        perms &= ~DENIED_WITHOUT_CONNECT
    return perms


def missing_names(have: int, need: int) -> list[str]:
    return [NAMES.get(bit, str(bit)) for bit in sorted(NAMES) if need & bit and not have & bit]
