"""The recap's picture, saved where the person running the demo can open it (the run's own folder is removed)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox import Sandbox

PICTURE = "recap.png"  # the file name Podium gives it (bot.ui.recap_picture.FILENAME)
_ROOM = re.compile(r"Room #(\d+)")


class RecapPictures:
    def __init__(self, sandbox: "Sandbox", folder: Path) -> None:
        self.sandbox = sandbox
        self.folder = folder
        self.saved: dict[str, Path] = {}  # room number -> file

    def save_new(self) -> list[Path]:
        """Save each room's recap picture the first time it is seen (posted twice: stage chat and announcements)."""
        new = []
        for message in list(self.sandbox.world.messages.values()):
            for attachment in message.attachments:
                if attachment.get("filename") != PICTURE or not message.embeds:
                    continue
                room = _ROOM.search(str((message.embeds[0].get("footer") or {}).get("text", "")))
                number = room.group(1) if room else str(message.id)
                if number in self.saved:
                    continue
                path = (self.folder / f"podium-demo-recap-room-{number}.png").resolve()
                path.write_bytes(attachment["data"])
                self.saved[number] = path
                new.append(path)
        return new
