"""The transaction engine: every transaction certflow sends goes through ``TransactionSender``."""
