"""The configuration Janus needs to run under Overtime (`overtime janus config --out DIR`, and the
test harness): the core with only the video-room plugin, the HTTP transport and the sample event
handler; the HTTP transport on loopback; the event handler posting plugin and session events to
Overtime's `/integrations/janus/events` with HTTP Basic (user `janus`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


def _debian_lib() -> Path:
    """Debian's multiarch folder of Janus' modules (`/usr/lib/x86_64-linux-gnu/janus`, ...)."""
    found = sorted(Path("/usr/lib").glob("*/janus/plugins"))
    return found[0].parent if found else Path("/usr/lib/x86_64-linux-gnu/janus")


LIB = _debian_lib()
EVENTS_USER = "janus"
PLUGIN = "libjanus_videoroom.so"
TRANSPORT = "libjanus_http.so"
HANDLER = "libjanus_sampleevh.so"


def _quote(text: str) -> str:
    return json.dumps(text)  # libconfig strings take JSON's escapes


@dataclass(frozen=True)
class JanusConfig:
    http_port: int = 8088
    http_host: str = "127.0.0.1"
    events_url: str = "http://127.0.0.1:8089/integrations/janus/events"
    events_secret: str = ""
    lib_dir: Path = LIB
    """Where Debian's package puts the plugins, transports and event handlers."""
    modules_dir: Path | None = None
    """A folder per kind holding only the modules used (links into `lib_dir`); None: Debian's
    folders, with every other module disabled by name."""

    def files(self, configs_folder: Path) -> dict[str, str]:
        """File name -> text."""
        folders = {
            kind: (self.modules_dir / kind if self.modules_dir else self.lib_dir / kind)
            for kind in ("plugins", "transports", "events", "loggers")
        }
        disable = {kind: self._others(kind, keep) for kind, keep in
                   (("plugins", PLUGIN), ("transports", TRANSPORT), ("events", HANDLER))}  # fmt: skip
        core = f"""general: {{
	configs_folder = {_quote(str(configs_folder))}
	plugins_folder = {_quote(str(folders["plugins"]))}
	transports_folder = {_quote(str(folders["transports"]))}
	events_folder = {_quote(str(folders["events"]))}
	loggers_folder = {_quote(str(folders["loggers"]))}
	debug_level = 4
}}
media: {{
	rtp_port_range = "20000-40000"
}}
nat: {{
	ice_lite = false
}}
plugins: {{
	disable = {_quote(disable["plugins"])}
}}
transports: {{
	disable = {_quote(disable["transports"])}
}}
loggers: {{
	disable = {_quote(self._others("loggers", ""))}
}}
events: {{
	broadcast = true
	disable = {_quote(disable["events"])}
}}
"""
        http = f"""general: {{
	json = "compact"
	base_path = "/janus"
	http = true
	port = {self.http_port}
	ip = {_quote(self.http_host)}
	https = false
}}
admin: {{
	admin_http = false
	admin_https = false
}}
"""
        handler = f"""general: {{
	enabled = true
	events = "sessions,handles,plugins"
	grouping = true
	json = "compact"
	backend = {_quote(self.events_url)}
	backend_user = {_quote(EVENTS_USER)}
	backend_pwd = {_quote(self.events_secret)}
	max_retransmissions = 8
	retransmissions_backoff = 100
}}
"""
        videoroom = "general: {\n}\n"
        return {
            "janus.jcfg": core,
            "janus.transport.http.jcfg": http,
            "janus.eventhandler.sampleevh.jcfg": handler,
            "janus.plugin.videoroom.jcfg": videoroom,
        }

    def _others(self, kind: str, keep: str) -> str:
        """Every module of `kind` in Debian's folder but `keep`, comma-separated (Janus loads
        every module of a folder unless it is disabled by name)."""
        if self.modules_dir is not None:
            return ""
        folder = self.lib_dir / kind
        names = sorted(p.name for p in folder.glob("*.so")) if folder.is_dir() else []
        return ",".join(n for n in names if n != keep)

    def write(self, out: Path) -> list[Path]:
        """Writes the files into `out` (created 0700: the handler's file holds the secret),
        each 0600; with `modules_dir`, links the used modules there. Returns the paths."""
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
        written = []
        for name, text in self.files(out.resolve()).items():
            path = out / name
            path.write_text(text)
            path.chmod(0o600)
            written.append(path)
        if self.modules_dir is not None:
            for kind, module in (("plugins", PLUGIN), ("transports", TRANSPORT), ("events", HANDLER)):
                folder = self.modules_dir / kind
                folder.mkdir(parents=True, exist_ok=True)
                link = folder / module
                if not link.exists():
                    link.symlink_to(self.lib_dir / kind / module)
            (self.modules_dir / "loggers").mkdir(parents=True, exist_ok=True)
        return written
