use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000001_create_users::Users;

/// Orders with their item snapshots and status history. Items keep the
/// product's id, name and price at checkout without a foreign key, so
/// deleting a product never touches order history. `(user_id,
/// idempotency_key)` is unique: a retried checkout finds the first order.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(pk_uuid(Orders::Id))
                    .col(uuid(Orders::UserId))
                    .col(string_len(Orders::Status, 16))
                    .col(big_integer(Orders::TotalCents))
                    .col(string_len(Orders::Currency, 3))
                    .col(string_len_null(Orders::IdempotencyKey, 255))
                    .col(timestamp_with_time_zone(Orders::CreatedAt))
                    .col(timestamp_with_time_zone(Orders::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_orders_user")
                            .from(Orders::Table, Orders::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "uq_orders_user_idempotency_key",
                vec![Orders::UserId, Orders::IdempotencyKey],
                true,
            ),
            (
                "idx_orders_user_created",
                vec![Orders::UserId, Orders::CreatedAt],
                false,
            ),
            (
                "idx_orders_status_created",
                vec![Orders::Status, Orders::CreatedAt],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Orders::Table);
            for col in cols {
                index.col(col);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(OrderItems::Table)
                    .col(pk_uuid(OrderItems::Id))
                    .col(uuid(OrderItems::OrderId))
                    .col(uuid(OrderItems::ProductId))
                    .col(string_len(OrderItems::Name, 200))
                    .col(big_integer(OrderItems::UnitPriceCents))
                    .col(string_len(OrderItems::Currency, 3))
                    .col(integer(OrderItems::Quantity))
                    .col(big_integer(OrderItems::LineTotalCents))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_order_items_order")
                            .from(OrderItems::Table, OrderItems::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_order_items_order")
                    .table(OrderItems::Table)
                    .col(OrderItems::OrderId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrderStatusChanges::Table)
                    .col(pk_uuid(OrderStatusChanges::Id))
                    .col(uuid(OrderStatusChanges::OrderId))
                    .col(string_len(OrderStatusChanges::FromStatus, 16))
                    .col(string_len(OrderStatusChanges::ToStatus, 16))
                    .col(uuid(OrderStatusChanges::ChangedBy))
                    .col(timestamp_with_time_zone(OrderStatusChanges::ChangedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_order_status_changes_order")
                            .from(OrderStatusChanges::Table, OrderStatusChanges::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_order_status_changes_order")
                    .table(OrderStatusChanges::Table)
                    .col(OrderStatusChanges::OrderId)
                    .col(OrderStatusChanges::ChangedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OrderStatusChanges::Table.into_iden(),
            OrderItems::Table.into_iden(),
            Orders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Orders {
    Table,
    Id,
    UserId,
    Status,
    TotalCents,
    Currency,
    IdempotencyKey,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    Id,
    OrderId,
    ProductId,
    Name,
    UnitPriceCents,
    Currency,
    Quantity,
    LineTotalCents,
}

#[derive(DeriveIden)]
enum OrderStatusChanges {
    Table,
    Id,
    OrderId,
    FromStatus,
    ToStatus,
    ChangedBy,
    ChangedAt,
}
