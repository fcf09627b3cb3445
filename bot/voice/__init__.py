"""Podium's audio: the cues played on a stage (cues.py: Ogg Opus files read without a codec), and recording
(rtp.py, jitter.py, recorder.py: what arrives, decrypted, ordered and stored per speaker; replay.py: the mix).
The voice connection itself is bot.discord_adapter.voice.
May import: the standard library, bot.core, PyNaCl; replay.py alone PyAV and numpy (the `.[replays]` extra)."""
