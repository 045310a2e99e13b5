"""Operating the service: traces, metrics, Server-Timing and the trace of each log line."""
