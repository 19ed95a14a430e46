//! [`ProfileRepo`] on SeaORM. One profile is read in four queries whatever
//! its number of contacts and jobs (profile, location, contacts, jobs); a
//! search page in one (rows with their locations and total). Whether the
//! owner is active is a column kept by triggers (migration 17), so neither
//! joins `users`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::identity::UserId;
use keel_domain::profiles::{
    Contact, ContactId, ContactType, CountryCode, Gender, JobEntry, JobEntryId, Location,
    LocationId, PersonName, Profile, ProfileFilter, ProfileId, ProfileItem, ProfileRepo,
    ProfileView,
};
use keel_domain::{Page, PageRequest, RepoError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, EntityTrait, FromQueryResult, IdenStatic, IntoActiveModel, Iterable,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement,
};

use super::entities::{profile_contacts, profile_job_history, profile_locations, profiles};
use crate::persistence::database::{
    begin_write, like_pattern, page_total, repo_err, with_page_bounds,
};

/// Alias of the window count in a search row.
const SEARCH_TOTAL: &str = "keel_total";

/// Prefix of the location columns in a search row.
const LOCATION_PREFIX: &str = "loc_";

/// [`ProfileRepo`] over `profiles`, `profile_locations`, `profile_contacts`
/// and `profile_job_history`.
#[derive(Debug, Clone)]
pub struct SeaOrmProfileRepo {
    db: DatabaseConnection,
}

impl SeaOrmProfileRepo {
    /// An adapter over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn corrupt(what: &str) -> RepoError {
    RepoError::Internal(format!("stored {what} is invalid").into())
}

fn location_from_row(m: profile_locations::Model) -> Result<Location, RepoError> {
    Ok(Location {
        id: LocationId::from_uuid(m.id),
        country: CountryCode::parse(&m.country, "country").map_err(|_| corrupt("country"))?,
        state_province: m.state_province,
        city: m.city,
        postal_code: m.postal_code,
        created_at: m.created_at,
        updated_at: m.updated_at,
        deactivated_at: m.deactivated_at,
    })
}

fn profile_from_row(m: profiles::Model, location: Option<Location>) -> Result<Profile, RepoError> {
    Ok(Profile {
        id: ProfileId::from_uuid(m.id),
        user_id: UserId::from_uuid(m.user_id),
        first_name: PersonName::parse(&m.first_name, "first_name")
            .map_err(|_| corrupt("first name"))?,
        last_name: PersonName::parse(&m.last_name, "last_name")
            .map_err(|_| corrupt("last name"))?,
        date_of_birth: m.date_of_birth,
        gender: m
            .gender
            .map(|g| Gender::parse(&g).map_err(|_| corrupt("gender")))
            .transpose()?,
        bio: m.bio,
        profile_picture_url: m.profile_picture_url,
        is_public: m.is_public,
        allow_contact: m.allow_contact,
        location,
        created_at: m.created_at,
        updated_at: m.updated_at,
        deactivated_at: m.deactivated_at,
    })
}

fn contact_from_row(m: profile_contacts::Model) -> Result<Contact, RepoError> {
    Ok(Contact {
        id: ContactId::from_uuid(m.id),
        profile_id: ProfileId::from_uuid(m.profile_id),
        kind: ContactType::parse(&m.kind).map_err(|_| corrupt("contact type"))?,
        value: m.value,
        is_primary: m.is_primary,
        created_at: m.created_at,
        updated_at: m.updated_at,
        deactivated_at: m.deactivated_at,
    })
}

fn job_from_row(m: profile_job_history::Model) -> JobEntry {
    JobEntry {
        id: JobEntryId::from_uuid(m.id),
        profile_id: ProfileId::from_uuid(m.profile_id),
        title: m.title,
        company: m.company,
        industry: m.industry,
        start_date: m.start_date,
        end_date: m.end_date,
        created_at: m.created_at,
        updated_at: m.updated_at,
        deactivated_at: m.deactivated_at,
    }
}

/// What search matches: names, bio and city, lower-cased (indexed with
/// trigrams on PostgreSQL).
fn search_text(p: &Profile) -> String {
    [
        Some(p.first_name.as_str()),
        Some(p.last_name.as_str()),
        p.bio.as_deref(),
        p.location.as_ref().and_then(|l| l.city.as_deref()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
    .to_lowercase()
}

/// Inserts `row` unless a row with its id exists, else updates it.
async fn upsert<A>(txn: &DatabaseTransaction, exists: bool, row: A) -> Result<(), RepoError>
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    if exists {
        row.update(txn).await.map(|_| ()).map_err(repo_err)
    } else {
        row.insert(txn).await.map(|_| ()).map_err(repo_err)
    }
}

impl SeaOrmProfileRepo {
    /// A profile row with its location, contacts, jobs and owner's state.
    async fn assemble(&self, row: profiles::Model) -> Result<ProfileView, RepoError> {
        let location = match row.location_id {
            Some(id) => profile_locations::Entity::find_by_id(id)
                .one(&self.db)
                .await
                .map_err(repo_err)?
                .map(location_from_row)
                .transpose()?,
            None => None,
        };
        let contacts = profile_contacts::Entity::find()
            .filter(profile_contacts::Column::ProfileId.eq(row.id))
            .filter(profile_contacts::Column::DeactivatedAt.is_null())
            .order_by_desc(profile_contacts::Column::IsPrimary)
            .order_by_asc(profile_contacts::Column::CreatedAt)
            .order_by_asc(profile_contacts::Column::Id)
            .all(&self.db)
            .await
            .map_err(repo_err)?
            .into_iter()
            .map(contact_from_row)
            .collect::<Result<_, _>>()?;
        let jobs = profile_job_history::Entity::find()
            .filter(profile_job_history::Column::ProfileId.eq(row.id))
            .filter(profile_job_history::Column::DeactivatedAt.is_null())
            .order_by_desc(profile_job_history::Column::StartDate)
            .order_by_desc(profile_job_history::Column::Id)
            .all(&self.db)
            .await
            .map_err(repo_err)?
            .into_iter()
            .map(job_from_row)
            .collect();
        let owner_active = row.owner_active;
        Ok(ProfileView {
            profile: profile_from_row(row, location)?,
            contacts,
            jobs,
            owner_active,
        })
    }

    async fn one(&self, cond: Condition) -> Result<Option<ProfileView>, RepoError> {
        let row = profiles::Entity::find()
            .filter(cond)
            .one(&self.db)
            .await
            .map_err(repo_err)?;
        match row {
            Some(row) => self.assemble(row).await.map(Some),
            None => Ok(None),
        }
    }

    /// One attempt at saving a contact: demote the other primary of its
    /// type, then insert or update it.
    async fn try_save_contact(&self, c: &Contact) -> Result<(), RepoError> {
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        if c.is_primary && c.deactivated_at.is_none() {
            profile_contacts::Entity::update_many()
                .col_expr(profile_contacts::Column::IsPrimary, Expr::value(false))
                .col_expr(
                    profile_contacts::Column::UpdatedAt,
                    Expr::value(c.updated_at),
                )
                .filter(profile_contacts::Column::ProfileId.eq(c.profile_id.as_uuid()))
                .filter(profile_contacts::Column::Kind.eq(c.kind.as_str()))
                .filter(profile_contacts::Column::IsPrimary.eq(true))
                .filter(profile_contacts::Column::DeactivatedAt.is_null())
                .filter(profile_contacts::Column::Id.ne(c.id.as_uuid()))
                .exec(&txn)
                .await
                .map_err(repo_err)?;
        }
        let exists = profile_contacts::Entity::find_by_id(c.id.as_uuid())
            .one(&txn)
            .await
            .map_err(repo_err)?
            .is_some();
        let row = profile_contacts::ActiveModel {
            id: Set(c.id.as_uuid()),
            profile_id: Set(c.profile_id.as_uuid()),
            kind: Set(c.kind.as_str().to_owned()),
            value: Set(c.value.clone()),
            is_primary: Set(c.is_primary),
            created_at: Set(c.created_at),
            updated_at: Set(c.updated_at),
            deactivated_at: Set(c.deactivated_at),
        };
        upsert(&txn, exists, row).await?;
        txn.commit().await.map_err(repo_err)
    }
}

#[async_trait]
impl ProfileRepo for SeaOrmProfileRepo {
    async fn view_by_user(&self, user: UserId) -> Result<Option<ProfileView>, RepoError> {
        self.one(Condition::all().add(profiles::Column::UserId.eq(user.as_uuid())))
            .await
    }

    async fn view(&self, id: ProfileId) -> Result<Option<ProfileView>, RepoError> {
        self.one(Condition::all().add(profiles::Column::Id.eq(id.as_uuid())))
            .await
    }

    async fn save(&self, p: &Profile) -> Result<(), RepoError> {
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        if let Some(l) = &p.location {
            let exists = profile_locations::Entity::find_by_id(l.id.as_uuid())
                .one(&txn)
                .await
                .map_err(repo_err)?
                .is_some();
            let row = profile_locations::ActiveModel {
                id: Set(l.id.as_uuid()),
                country: Set(l.country.as_str().to_owned()),
                state_province: Set(l.state_province.clone()),
                city: Set(l.city.clone()),
                postal_code: Set(l.postal_code.clone()),
                created_at: Set(l.created_at),
                updated_at: Set(l.updated_at),
                deactivated_at: Set(l.deactivated_at),
            };
            upsert(&txn, exists, row).await?;
        }
        let previous = profiles::Entity::find_by_id(p.id.as_uuid())
            .one(&txn)
            .await
            .map_err(repo_err)?;
        let row = profiles::ActiveModel {
            id: Set(p.id.as_uuid()),
            user_id: Set(p.user_id.as_uuid()),
            location_id: Set(p.location.as_ref().map(|l| l.id.as_uuid())),
            first_name: Set(p.first_name.as_str().to_owned()),
            last_name: Set(p.last_name.as_str().to_owned()),
            date_of_birth: Set(p.date_of_birth),
            gender: Set(p.gender.map(|g| g.as_str().to_owned())),
            bio: Set(p.bio.clone()),
            profile_picture_url: Set(p.profile_picture_url.clone()),
            is_public: Set(p.is_public),
            allow_contact: Set(p.allow_contact),
            search_text: Set(search_text(p)),
            country: Set(p.location.as_ref().map(|l| l.country.as_str().to_owned())),
            city_key: Set(p
                .location
                .as_ref()
                .and_then(|l| l.city.as_deref())
                .map(str::to_lowercase)),
            owner_active: NotSet,
            created_at: Set(p.created_at),
            updated_at: Set(p.updated_at),
            deactivated_at: Set(p.deactivated_at),
        };
        upsert(&txn, previous.is_some(), row).await?;
        // A replaced location stays as history, marked removed.
        let dropped = previous
            .and_then(|m| m.location_id)
            .filter(|old| p.location.as_ref().is_none_or(|l| l.id.as_uuid() != *old));
        if let Some(old) = dropped {
            profile_locations::Entity::update_many()
                .col_expr(
                    profile_locations::Column::DeactivatedAt,
                    Expr::value(p.updated_at),
                )
                .filter(profile_locations::Column::Id.eq(old))
                .exec(&txn)
                .await
                .map_err(repo_err)?;
        }
        // A deleted profile keeps no live contacts or jobs (so one created
        // again after a delete starts empty).
        if let Some(at) = p.deactivated_at {
            profile_contacts::Entity::update_many()
                .col_expr(profile_contacts::Column::DeactivatedAt, Expr::value(at))
                .col_expr(profile_contacts::Column::UpdatedAt, Expr::value(at))
                .filter(profile_contacts::Column::ProfileId.eq(p.id.as_uuid()))
                .filter(profile_contacts::Column::DeactivatedAt.is_null())
                .exec(&txn)
                .await
                .map_err(repo_err)?;
            profile_job_history::Entity::update_many()
                .col_expr(profile_job_history::Column::DeactivatedAt, Expr::value(at))
                .col_expr(profile_job_history::Column::UpdatedAt, Expr::value(at))
                .filter(profile_job_history::Column::ProfileId.eq(p.id.as_uuid()))
                .filter(profile_job_history::Column::DeactivatedAt.is_null())
                .exec(&txn)
                .await
                .map_err(repo_err)?;
        }
        txn.commit().await.map_err(repo_err)
    }

    async fn search(
        &self,
        filter: &ProfileFilter,
        page: PageRequest,
    ) -> Result<Page<Profile>, RepoError> {
        let mut cond = Condition::all();
        if !filter.include_hidden {
            cond = cond
                .add(profiles::Column::IsPublic.eq(true))
                .add(profiles::Column::DeactivatedAt.is_null())
                .add(profiles::Column::OwnerActive.eq(true));
        }
        if let Some(q) = &filter.query {
            cond = cond.add(profiles::Column::SearchText.like(like_pattern(q)));
        }
        if let Some(country) = filter.country {
            cond = cond.add(profiles::Column::Country.eq(country.as_str()));
        }
        if let Some(city) = &filter.city {
            cond = cond.add(profiles::Column::CityKey.eq(city.to_lowercase()));
        }
        // One statement: the page (rows in order with the window count of
        // every match) as a subquery, its limit a literal
        // (`with_page_bounds`), then each of its rows' location by primary
        // key: 20 index lookups after the LIMIT. On PostgreSQL the lookup is
        // a LATERAL subquery with LIMIT 1, which the planner cannot
        // flatten: a plain join let it hash every location (a scan of the
        // whole table per page at a few thousand rows); SQLite always looks
        // a primary key up.
        let inner = profiles::Entity::find()
            .filter(cond.clone())
            .expr_as(Expr::cust("COUNT(*) OVER ()"), SEARCH_TOTAL)
            .order_by_desc(profiles::Column::CreatedAt)
            .order_by_desc(profiles::Column::Id)
            .into_query();
        let backend = self.db.get_database_backend();
        let inner = with_page_bounds(backend, &inner, page.size(), page.offset());
        let locations = profile_locations::Column::iter()
            .map(|c| format!(r#", "loc"."{0}" AS "{LOCATION_PREFIX}{0}""#, c.as_str()))
            .collect::<String>();
        let lookup = if backend == DatabaseBackend::Postgres {
            r#"LEFT JOIN LATERAL (SELECT * FROM "profile_locations" WHERE "profile_locations"."id" = "page"."location_id" LIMIT 1) AS "loc" ON TRUE"#
        } else {
            r#"LEFT JOIN "profile_locations" AS "loc" ON "loc"."id" = "page"."location_id""#
        };
        let stmt = Statement {
            sql: format!(
                r#"SELECT "page".*{locations} FROM ({}) AS "page" {lookup} ORDER BY "page"."created_at" DESC, "page"."id" DESC"#,
                inner.sql
            ),
            ..inner
        };
        let rows = self.db.query_all_raw(stmt).await.map_err(repo_err)?;
        let carried = rows
            .first()
            .map(|first| first.try_get::<i64>("", SEARCH_TOTAL))
            .transpose()
            .map_err(repo_err)?;
        let count = profiles::Entity::find().filter(cond).count(&self.db);
        let total = page_total(carried, page.offset() == 0, count).await?;
        let items = rows
            .iter()
            .map(|row| {
                let profile = profiles::Model::from_query_result(row, "").map_err(repo_err)?;
                let location =
                    profile_locations::Model::from_query_result_optional(row, LOCATION_PREFIX)
                        .map_err(repo_err)?
                        .map(location_from_row)
                        .transpose()?;
                profile_from_row(profile, location)
            })
            .collect::<Result<_, _>>()?;
        Ok(Page {
            items,
            total,
            request: page,
        })
    }

    async fn find_contact(
        &self,
        profile: ProfileId,
        id: ContactId,
    ) -> Result<Option<Contact>, RepoError> {
        profile_contacts::Entity::find_by_id(id.as_uuid())
            .filter(profile_contacts::Column::ProfileId.eq(profile.as_uuid()))
            .filter(profile_contacts::Column::DeactivatedAt.is_null())
            .one(&self.db)
            .await
            .map_err(repo_err)?
            .map(contact_from_row)
            .transpose()
    }

    async fn save_contact(&self, contact: &Contact) -> Result<(), RepoError> {
        // Two writers making a primary of one type at once: the unique index
        // refuses the second; it demotes the winner and tries again.
        let mut attempt = 0;
        loop {
            match self.try_save_contact(contact).await {
                Err(RepoError::Conflict(_)) if attempt < 3 => attempt += 1,
                other => return other,
            }
        }
    }

    async fn find_job(
        &self,
        profile: ProfileId,
        id: JobEntryId,
    ) -> Result<Option<JobEntry>, RepoError> {
        Ok(profile_job_history::Entity::find_by_id(id.as_uuid())
            .filter(profile_job_history::Column::ProfileId.eq(profile.as_uuid()))
            .filter(profile_job_history::Column::DeactivatedAt.is_null())
            .one(&self.db)
            .await
            .map_err(repo_err)?
            .map(job_from_row))
    }

    async fn save_job(&self, j: &JobEntry) -> Result<(), RepoError> {
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        let exists = profile_job_history::Entity::find_by_id(j.id.as_uuid())
            .one(&txn)
            .await
            .map_err(repo_err)?
            .is_some();
        let row = profile_job_history::ActiveModel {
            id: Set(j.id.as_uuid()),
            profile_id: Set(j.profile_id.as_uuid()),
            title: Set(j.title.clone()),
            company: Set(j.company.clone()),
            industry: Set(j.industry.clone()),
            start_date: Set(j.start_date),
            end_date: Set(j.end_date),
            created_at: Set(j.created_at),
            updated_at: Set(j.updated_at),
            deactivated_at: Set(j.deactivated_at),
        };
        upsert(&txn, exists, row).await?;
        txn.commit().await.map_err(repo_err)
    }

    async fn deactivate_item(
        &self,
        profile: ProfileId,
        item: ProfileItem,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        let touched = match item {
            ProfileItem::Contact(id) => {
                profile_contacts::Entity::update_many()
                    .col_expr(profile_contacts::Column::DeactivatedAt, Expr::value(at))
                    .col_expr(profile_contacts::Column::UpdatedAt, Expr::value(at))
                    .filter(profile_contacts::Column::Id.eq(id.as_uuid()))
                    .filter(profile_contacts::Column::ProfileId.eq(profile.as_uuid()))
                    .filter(profile_contacts::Column::DeactivatedAt.is_null())
                    .exec(&self.db)
                    .await
            }
            ProfileItem::Job(id) => {
                profile_job_history::Entity::update_many()
                    .col_expr(profile_job_history::Column::DeactivatedAt, Expr::value(at))
                    .col_expr(profile_job_history::Column::UpdatedAt, Expr::value(at))
                    .filter(profile_job_history::Column::Id.eq(id.as_uuid()))
                    .filter(profile_job_history::Column::ProfileId.eq(profile.as_uuid()))
                    .filter(profile_job_history::Column::DeactivatedAt.is_null())
                    .exec(&self.db)
                    .await
            }
        }
        .map_err(repo_err)?;
        Ok(touched.rows_affected == 1)
    }
}
