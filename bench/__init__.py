"""Benchmarks, run by `make bench` (python -m bench). They print figures; no test ever times anything.

- hand_queue: the queue's operations by queue length (O(log n), never O(queue length));
- live_burst: a 10,000-listener burst by component (discord.py's parser, Podium's dispatch-time work, the
  database thread, the card), sandbox in the same process;
- stage_burst: the same burst by process (discord.py alone vs the whole bot, CPU of this process only,
  sandbox in a subprocess), plus memory per listener;
- storm: the top of the hour, N guilds' rooms due at the same second against Discord's global REST limit (the
  last room live against the floor the limit sets, lateness, 429s, start order), plus memory per idle guild and
  per scheduled room, on SQLite and PostgreSQL.
"""
