"""The achievements engine's use case (the rules themselves live in SQL)."""
