"""Cross-cutting concerns of every actor, one middleware each."""
