//! Generated data: the demo ecosystem.

pub mod demo;
