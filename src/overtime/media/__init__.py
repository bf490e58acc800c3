"""Real media under the control plane (issue 16): Overtime governs the rooms of a Janus
video-room server. `janus` is its HTTP API client, `janus_config` the two configuration files
Janus needs, `events` the translation of Janus' events into presence, `dispatcher` the loop that
makes Janus follow the meetings."""
