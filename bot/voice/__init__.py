"""The audio cues played on a stage: Ogg Opus files read without a codec (the voice connection itself is
bot.discord_adapter.voice).
May import: the standard library only."""
