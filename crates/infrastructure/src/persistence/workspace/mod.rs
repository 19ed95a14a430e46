//! Workspace adapters: items, projects, agents and chat exchanges on SeaORM.

mod entities;
mod repos;

pub use repos::{SeaOrmAgentRepo, SeaOrmChatRepo, SeaOrmItemRepo, SeaOrmProjectRepo};
