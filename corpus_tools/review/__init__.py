"""The human coding workflow: review sessions and queues, the per-coder pool, adjudication, code examples, dashboard."""
