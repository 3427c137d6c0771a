"""The code behind each command: one typed function per job (analyze, draft codes, train, agreement, exchange)."""
