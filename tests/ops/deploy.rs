//! Deployment files: the Helm chart and the Grafana dashboard.
