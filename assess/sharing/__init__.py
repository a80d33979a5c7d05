"""Sharing with the client: release, share links (see docs/sharing.md)."""
