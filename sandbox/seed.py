"""Worlds to start from: `demo` (a small community) and `empty` (a guild with the bot only)."""
from __future__ import annotations

import base64
import secrets
import time

from sandbox import permissions as P
from sandbox.models import GUILD_STAGE_VOICE, GUILD_TEXT, Channel, Guild, Member, Role, User, snowflake
from sandbox.world import World

#: What Podium's README asks for when inviting the bot; the sandbox's bot role gets exactly this.
BOT_PERMISSIONS = (
    P.VIEW_CHANNEL | P.SEND_MESSAGES | P.EMBED_LINKS | P.READ_MESSAGE_HISTORY | P.CONNECT | P.SPEAK
    | P.MUTE_MEMBERS | P.MOVE_MEMBERS | P.MANAGE_ROLES | P.MANAGE_CHANNELS | P.MANAGE_EVENTS | P.CREATE_EVENTS
    | P.CREATE_PRIVATE_THREADS | P.SEND_MESSAGES_IN_THREADS | P.MANAGE_THREADS
)

MODERATOR_PERMISSIONS = P.MUTE_MEMBERS | P.MOVE_MEMBERS | P.MANAGE_EVENTS | P.KICK_MEMBERS


def bot_token(bot_id: int) -> str:
    """A token shaped like Discord's: base64 of the bot's id, a timestamp part and an HMAC part, dot-separated.

    Clients read the first part (hikari takes the application's id from it), so it must decode to the bot's id.
    """
    first = base64.b64encode(str(bot_id).encode()).decode().rstrip("=")
    return f"{first}.{secrets.token_urlsafe(4)}.{secrets.token_urlsafe(29)}"


def new_world(seed: str = "demo", *, listeners: int = 50, bot_permissions: int = BOT_PERMISSIONS,
              guilds: int = 1) -> World:
    """`guilds` > 1 (demo seed): more guilds like the first ("Podium Demo 2", ...), with the same people."""
    if seed not in ("demo", "empty"):
        raise ValueError(f"unknown seed {seed!r} (demo or empty)")
    if guilds < 1:
        raise ValueError("guilds must be at least 1")
    world = World()
    bot = User(id=snowflake(), username="podium", global_name="Podium", bot=True)
    world.token = bot_token(bot.id)
    world.bot = bot
    world.users[bot.id] = bot
    world.application_id = bot.id
    if seed == "empty":
        guild = _guild(world, "Sandbox Guild", bot_permissions)
        guild.owner_id = world.add_user(guild, "owner").id
        _channel(world, guild, "general", GUILD_TEXT, 0)
        _channel(world, guild, "Stage", GUILD_STAGE_VOICE, 1)
        return world

    # Each guild created a millisecond after the last, so their ids spread over shards as real guilds' do
    # (shard_id = (guild_id >> 22) % num_shards, events/gateway § Sharding): N guilds, one per shard of N.
    # (Half a millisecond in, so that float rounding never puts two in one millisecond.)
    first_ms = int(time.time() * 1000) - 1000 - guilds
    for number in range(1, guilds + 1):
        _demo_guild(world, "Podium Demo" if number == 1 else f"Podium Demo {number}", bot_permissions, listeners,
                    created=(first_ms + number + 0.5) / 1000)
    return world


def _demo_guild(world: World, name: str, bot_permissions: int, listeners: int, created: float) -> Guild:
    guild = _guild(world, name, bot_permissions, created)
    guild.features.append("COMMUNITY")
    admin = _role(guild, "Admin", P.ADMINISTRATOR, 4)
    moderator = _role(guild, "Moderator", MODERATOR_PERMISSIONS, 3)
    member = _role(guild, "Member", 0, 1)
    people = [("alice", admin), ("bob", moderator), ("carol", member), ("dave", member), ("erin", member)]
    people += [(f"listener{i:03d}", member) for i in range(1, listeners + 1)]
    for username, role in people:
        user = _person(world, guild, username)
        guild.members[user.id].roles = [role.id, member.id] if role is moderator else [role.id]
    guild.owner_id = world.user("alice").id
    _channel(world, guild, "announcements", GUILD_TEXT, 0)
    _channel(world, guild, "Town Hall", GUILD_STAGE_VOICE, 1)
    _channel(world, guild, "Backstage", GUILD_STAGE_VOICE, 2)
    guild.system_channel_id = next(iter(guild.channels))
    return guild


def _person(world: World, guild: Guild, username: str) -> User:
    """The same person in every demo guild: a new user the first time, a new membership after."""
    existing = next((u for u in world.users.values() if u.username == username), None)
    if existing is None:
        return world.add_user(guild, username)
    guild.members[existing.id] = Member(guild.id, existing.id)
    return existing


def _guild(world: World, name: str, bot_permissions: int, created: float | None = None) -> Guild:
    assert world.bot is not None
    guild = Guild(id=snowflake(created), name=name, owner_id=world.bot.id)
    guild.roles[guild.id] = Role(id=guild.id, guild_id=guild.id, name="@everyone",
                                 permissions=P.DEFAULT_EVERYONE, position=0)
    bot_role = _role(guild, "Podium", bot_permissions, 2, managed=True)
    world.guilds[guild.id] = guild
    guild.members[world.bot.id] = Member(guild.id, world.bot.id, roles=[bot_role.id])
    return guild


def _role(guild: Guild, name: str, permissions: int, position: int, managed: bool = False) -> Role:
    role = Role(id=snowflake(), guild_id=guild.id, name=name, permissions=permissions, position=position,
                managed=managed)
    guild.roles[role.id] = role
    return role


def _channel(world: World, guild: Guild, name: str, kind: int, position: int) -> Channel:
    channel = Channel(id=snowflake(), type=kind, name=name, guild_id=guild.id, position=position)
    guild.channels[channel.id] = channel
    world.channels[channel.id] = channel
    return channel
