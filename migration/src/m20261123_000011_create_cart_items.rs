use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000001_create_users::Users;
use super::m20261123_000009_create_products::Products;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CartItems::Table)
                    .col(uuid(CartItems::UserId))
                    .col(uuid(CartItems::ProductId))
                    .col(
                        integer(CartItems::Quantity)
                            .check(Expr::col(CartItems::Quantity).between(1, 99)),
                    )
                    .col(timestamp_with_time_zone(CartItems::AddedAt))
                    .col(timestamp_with_time_zone(CartItems::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(CartItems::UserId)
                            .col(CartItems::ProductId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cart_items_user")
                            .from(CartItems::Table, CartItems::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cart_items_product")
                            .from(CartItems::Table, CartItems::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CartItems::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CartItems {
    Table,
    UserId,
    ProductId,
    Quantity,
    AddedAt,
    UpdatedAt,
}
