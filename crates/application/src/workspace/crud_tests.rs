//! Items, projects and agents: owner scoping, validation, PUT and PATCH.

use keel_domain::identity::Role;
use keel_domain::workspace::{AgentStatus, Item, ItemId, Name, Provider};
use keel_domain::{Page, PageRequest, RepoError};

use super::test_support::{Mocks, Slot, agent_of, invalid_fields, now, principal, project_of};
use super::{AgentInput, AgentPatch, ItemInput, ItemPatch, WorkspaceError};

fn item_of(owner: keel_domain::identity::UserId) -> Item {
    Item {
        id: ItemId::generate(),
        owner_id: owner,
        title: Name::parse("Groceries", "title").expect("valid"),
        description: Some("milk".into()),
        created_at: now(),
        updated_at: now(),
    }
}

#[tokio::test]
async fn someone_elses_item_is_not_found_for_a_customer_but_visible_to_an_admin() {
    let owner = principal(Role::Customer);
    let mut stranger = principal(Role::Staff);
    stranger.user.id = keel_domain::identity::UserId::generate();
    let admin = principal(Role::Admin);
    let item = item_of(owner.user.id);
    let mut m = Mocks::new();
    let found = item.clone();
    m.items
        .expect_find()
        .returning(move |_| Ok(Some(found.clone())));
    let service = m.items();
    assert!(matches!(
        service.get(&stranger, item.id).await,
        Err(WorkspaceError::NotFound)
    ));
    assert_eq!(service.get(&owner, item.id).await.unwrap(), item);
    assert_eq!(service.get(&admin, item.id).await.unwrap(), item);
}

#[tokio::test]
async fn lists_are_the_callers_own_and_everyones_for_an_admin() {
    let customer = principal(Role::Customer);
    let admin = principal(Role::Admin);
    let mut m = Mocks::new();
    let scopes = Slot::new();
    let seen = scopes.clone();
    let mut calls = Vec::new();
    m.items
        .expect_list()
        .times(2)
        .returning(move |owner, page| {
            calls.push(owner);
            seen.put(calls.clone());
            Ok(Page {
                items: Vec::new(),
                total: 0,
                request: page,
            })
        });
    let service = m.items();
    let page = PageRequest::parse(None, None).unwrap();
    service.list(&customer, page).await.unwrap();
    service.list(&admin, page).await.unwrap();
    assert_eq!(scopes.take(), vec![Some(customer.user.id), None]);
}

#[tokio::test]
async fn a_new_item_is_validated_then_stored_as_the_callers() {
    let who = principal(Role::Customer);
    let service = Mocks::new().items();
    let bad = service
        .create(
            &who,
            ItemInput {
                title: " ".into(),
                description: Some("x".repeat(5_001)),
            },
        )
        .await;
    assert_eq!(invalid_fields(bad), ["title", "description"]);

    let mut m = Mocks::new();
    let saved = Slot::new();
    let keep = saved.clone();
    m.items.expect_save().times(1).returning(move |i| {
        keep.put(i.clone());
        Ok(())
    });
    let item = m
        .items()
        .create(
            &who,
            ItemInput {
                title: " Groceries ".into(),
                description: Some("  ".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(saved.take(), item);
    assert_eq!(item.owner_id, who.user.id);
    assert_eq!(item.title.as_str(), "Groceries");
    assert_eq!(item.description, None, "a blank description is none");
}

#[tokio::test]
async fn put_replaces_every_field_and_patch_only_the_given_ones() {
    let who = principal(Role::Customer);
    let item = item_of(who.user.id);
    let mut m = Mocks::new();
    let found = item.clone();
    m.items
        .expect_find()
        .returning(move |_| Ok(Some(found.clone())));
    m.items.expect_save().returning(|_| Ok(()));
    let service = m.items();
    let patched = service
        .update(
            &who,
            item.id,
            ItemPatch {
                title: Some("Errands".into()),
                description: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(patched.title.as_str(), "Errands");
    assert_eq!(patched.description.as_deref(), Some("milk"), "kept");
    let cleared = service
        .update(
            &who,
            item.id,
            ItemPatch {
                title: None,
                description: Some(None),
            },
        )
        .await
        .unwrap();
    assert_eq!(cleared.description, None);
    let replaced = service
        .replace(
            &who,
            item.id,
            ItemInput {
                title: "Errands".into(),
                description: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(replaced.description, None, "PUT clears what it leaves out");
}

#[tokio::test]
async fn deleting_a_missing_or_foreign_item_is_not_found() {
    let who = principal(Role::Customer);
    let mut m = Mocks::new();
    m.items.expect_find().returning(|_| Ok(None));
    let service = m.items();
    assert!(matches!(
        service.delete(&who, ItemId::generate()).await,
        Err(WorkspaceError::NotFound)
    ));
}

#[tokio::test]
async fn an_agent_takes_only_a_project_of_its_owner() {
    let who = principal(Role::Customer);
    let theirs = project_of(keel_domain::identity::UserId::generate());
    let mine = project_of(who.user.id);
    let mut m = Mocks::new();
    let (a, b) = (theirs.clone(), mine.clone());
    m.projects
        .expect_find()
        .returning(move |id| Ok([a.clone(), b.clone()].into_iter().find(|p| p.id == id)));
    m.agents.expect_save().times(1).returning(|_| Ok(()));
    let service = m.agents();
    let input = |project| AgentInput {
        name: "Helper".into(),
        project_id: Some(project),
        ..AgentInput::default()
    };
    let refused = service.create(&who, input(theirs.id)).await;
    assert_eq!(invalid_fields(refused), ["project_id"]);
    let agent = service.create(&who, input(mine.id)).await.unwrap();
    assert_eq!(agent.project_id, Some(mine.id));
    assert_eq!(agent.status, AgentStatus::Active, "the default status");
    assert_eq!(agent.provider, None, "the configured default answers");
}

#[tokio::test]
async fn agent_fields_are_checked_together() {
    let who = principal(Role::Customer);
    let service = Mocks::new().agents();
    let bad = service
        .create(
            &who,
            AgentInput {
                name: String::new(),
                status: Some("asleep".into()),
                provider: Some("gpt".into()),
                model: Some("a\nb".into()),
                ..AgentInput::default()
            },
        )
        .await;
    assert_eq!(invalid_fields(bad), ["name", "status", "provider", "model"]);
}

#[tokio::test]
async fn patching_an_agent_keeps_what_is_not_named_and_clears_what_is_null() {
    let who = principal(Role::Customer);
    let agent = agent_of(who.user.id, Some(Provider::Openai));
    let mut m = Mocks::new();
    let found = agent.clone();
    m.agents
        .expect_find()
        .returning(move |_| Ok(Some(found.clone())));
    m.agents.expect_save().returning(|_| Ok(()));
    let patched = m
        .agents()
        .update(
            &who,
            agent.id,
            AgentPatch {
                status: Some("inactive".into()),
                instructions: Some(None),
                ..AgentPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(patched.status, AgentStatus::Inactive);
    assert_eq!(patched.instructions, None);
    assert_eq!(patched.provider, Some(Provider::Openai));
    assert_eq!(patched.model, agent.model);
    assert_eq!(patched.name, agent.name);
}

#[tokio::test]
async fn a_project_deleted_between_check_and_save_is_the_same_422() {
    let who = principal(Role::Customer);
    let mine = project_of(who.user.id);
    let mut m = Mocks::new();
    let p = mine.clone();
    m.projects
        .expect_find()
        .returning(move |_| Ok(Some(p.clone())));
    m.agents
        .expect_save()
        .returning(|_| Err(RepoError::Conflict("fk".into())));
    let result = m
        .agents()
        .create(
            &who,
            AgentInput {
                name: "Helper".into(),
                project_id: Some(mine.id),
                ..AgentInput::default()
            },
        )
        .await;
    assert_eq!(invalid_fields(result), ["project_id"]);
}

#[tokio::test]
async fn projects_validate_their_name() {
    let who = principal(Role::Customer);
    let bad = Mocks::new()
        .projects()
        .create(
            &who,
            super::ProjectInput {
                name: "a\u{0}b".into(),
                description: None,
            },
        )
        .await;
    assert_eq!(invalid_fields(bad), ["name"]);
}
