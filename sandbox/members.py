"""Which members a gateway session is sent: in GUILD_CREATE, and in answer to Request Guild Members (op 8)."""
from __future__ import annotations

from typing import Any

from sandbox.intents import GUILD_MEMBERS, GUILD_PRESENCES
from sandbox.models import Guild
from sandbox.world import World

CHUNK_SIZE = 1000  # "up to 1000 members per chunk" (events/gateway-events § Request Guild Members)
MAX_BY_QUERY = 100  # "Requesting a prefix (`query` parameter) will return a maximum of 100 members" (ibid.)
MAX_USER_IDS = 100  # "Requesting `user_ids` will continue to be limited to returning 100 members" (ibid.)
MAX_NONCE_BYTES = 32  # "Nonce can only be up to 32 bytes ... an invalid nonce ... will be ignored" (ibid.)


def in_guild_create(world: World, guild: Guild, user_id: int, intents: int, large_threshold: int) -> list[int]:
    """The members a GUILD_CREATE carries for this session (events/gateway-events § Request Guild Members):
    without GUILD_PRESENCES only the connecting user and the members in voice, whatever GUILD_MEMBERS says;
    with it, everyone up to `large_threshold` members, and above it those online (nobody is, here), with a role,
    with a nickname or in voice."""
    if not intents & GUILD_PRESENCES:
        return [uid for uid in guild.members if uid == user_id or uid in guild.voice_states]
    if len(guild.members) <= large_threshold:
        return list(guild.members)
    return [uid for uid, m in guild.members.items()
            if uid == user_id or m.roles or m.nick or uid in guild.voice_states]


def chunks(world: World, guild: Guild, request: dict[str, Any], intents: int) -> list[dict[str, Any]]:
    """The GUILD_MEMBERS_CHUNK payloads answering one op 8 (events/gateway-events § Request Guild Members and
    § Guild Members Chunk)."""
    not_found: list[str] = []
    if request.get("user_ids") is not None:
        wanted = request["user_ids"]
        ids = [int(u) for u in (wanted if isinstance(wanted, list) else [wanted])][:MAX_USER_IDS]
        found = [uid for uid in ids if uid in guild.members]
        not_found = [str(uid) for uid in ids if uid not in guild.members]
    else:
        found = _by_query(world, guild, str(request.get("query") or ""), int(request.get("limit") or 0), intents)
    members = [guild.members[uid].to_json(world.users[uid]) for uid in found]
    parts = [members[i:i + CHUNK_SIZE] for i in range(0, len(members), CHUNK_SIZE)] or [[]]
    nonce_ok = valid_nonce(request)
    presences = bool(request.get("presences")) and bool(intents & GUILD_PRESENCES)  # "Otherwise ... always false"
    answers = []
    for index, part in enumerate(parts):
        chunk: dict[str, Any] = {"guild_id": str(guild.id), "members": part, "chunk_index": index,
                                 "chunk_count": len(parts)}
        if index == 0 and not_found:
            chunk["not_found"] = not_found
        if presences:
            chunk["presences"] = []  # nobody is online in the sandbox: no presence to report
        if nonce_ok:
            chunk["nonce"] = request["nonce"]
        answers.append(chunk)
    return answers


def asks_for_everyone(request: dict[str, Any]) -> bool:
    """An empty query with limit 0: the whole member list (the request Discord rate-limits)."""
    return request.get("user_ids") is None and not request.get("query") and not request.get("limit")


def valid_nonce(request: dict[str, Any]) -> bool:
    nonce = request.get("nonce")
    return isinstance(nonce, str) and len(nonce.encode()) <= MAX_NONCE_BYTES


def _by_query(world: World, guild: Guild, query: str, limit: int, intents: int) -> list[int]:
    """Members whose username starts with `query` (case-insensitively: an assumption, as Discord's client search
    is). The whole list (empty query) needs GUILD_MEMBERS: without it nobody is returned (assumption: the docs say
    only that the intent "is required")."""
    if not query:
        if not intents & GUILD_MEMBERS:
            return []
        everyone = list(guild.members)
        return everyone[:limit] if limit else everyone
    cap = min(limit, MAX_BY_QUERY) if limit else MAX_BY_QUERY
    prefix = query.casefold()
    return [uid for uid in guild.members if world.users[uid].username.casefold().startswith(prefix)][:cap]
