"""Signed webhooks (Standard Webhooks): URL checks, the pinned HTTP transport, signing,
and one attempt of a delivery with its outcome (README "Webhooks")."""
