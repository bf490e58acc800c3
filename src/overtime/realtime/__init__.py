"""Telling clients about changes: the meeting-control WebSocket hub and enterprise webhooks."""
