//! DynamoDB resource types: tables.

pub(crate) mod table;
