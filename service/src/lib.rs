//! The backend microservice of the reference stack: the Rust equivalent of the
//! original Flask app, on axum and DynamoDB.
//!
//! What the infrastructure must agree on with the service lives here once: the
//! example stack's task definition and target group take the port and the
//! health-check path from these constants, so the two cannot drift apart.

/// The port the service listens on (unless `PORT` says otherwise), the
/// container port of the task definition and the target group's port.
pub const PORT: u16 = 5000;

/// The path the load balancer's health check requests; answers `200 Healthy`.
pub const HEALTH_PATH: &str = "/";
