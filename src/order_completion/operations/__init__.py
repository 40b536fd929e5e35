"""What an operator runs the service with: request ids and the access log, Prometheus
metrics, liveness and readiness, and the API docs served without a CDN."""
