//! The workspace adapters against a real, migrated database (SQLite by
//! default, PostgreSQL with `TEST_DATABASE_URL`).

mod common;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use keel_domain::identity::{Email, User, UserRepo};
use keel_domain::workspace::{
    Agent, AgentId, AgentRepo, AgentStatus, Chat, ChatId, ChatRepo, ChatStatus, Item, ItemId,
    ItemRepo, Name, Project, ProjectId, ProjectRepo, Provider,
};
use keel_domain::{PageRequest, RepoError};
use keel_infrastructure::persistence::SeaOrmUserRepo;
use keel_infrastructure::persistence::workspace::{
    SeaOrmAgentRepo, SeaOrmChatRepo, SeaOrmItemRepo, SeaOrmProjectRepo,
};
use sea_orm::DatabaseConnection;

fn at(offset_secs: i64) -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6) + Duration::seconds(offset_secs)
}

async fn user(db: &DatabaseConnection, email: &str) -> User {
    let u = User::new(Email::parse(email).unwrap(), at(0));
    SeaOrmUserRepo::new(db.clone())
        .create(&u, None)
        .await
        .unwrap();
    u
}

fn project(owner: &User) -> Project {
    Project {
        id: ProjectId::generate(),
        owner_id: owner.id,
        name: Name::parse("Launch", "name").unwrap(),
        description: Some("first\nsecond".into()),
        created_at: at(0),
        updated_at: at(0),
    }
}

fn agent(owner: &User, project: Option<ProjectId>) -> Agent {
    Agent {
        id: AgentId::generate(),
        owner_id: owner.id,
        name: Name::parse("Planner", "name").unwrap(),
        description: None,
        status: AgentStatus::Active,
        project_id: project,
        provider: Some(Provider::Openai),
        model: Some("gpt-test".into()),
        instructions: Some("Plan.".into()),
        created_at: at(0),
        updated_at: at(0),
    }
}

fn chat(owner: &User, agent: Option<AgentId>, n: i64, status: ChatStatus) -> Chat {
    Chat {
        id: ChatId::generate(),
        owner_id: owner.id,
        agent_id: agent,
        message: format!("m{n}"),
        response: Some(format!("r{n}")),
        status,
        error: None,
        created_at: at(n),
        updated_at: at(n),
    }
}

#[tokio::test]
async fn items_save_read_replace_list_by_owner_and_delete() {
    let db = common::fresh_db().await;
    let repo = SeaOrmItemRepo::new(db.clone());
    let ann = user(&db, "ann@example.com").await;
    let bob = user(&db, "bob@example.com").await;
    let mut item = Item {
        id: ItemId::generate(),
        owner_id: ann.id,
        title: Name::parse("Groceries", "title").unwrap(),
        description: Some("milk".into()),
        created_at: at(0),
        updated_at: at(0),
    };
    repo.save(&item).await.unwrap();
    let mut theirs = item.clone();
    theirs.id = ItemId::generate();
    theirs.owner_id = bob.id;
    repo.save(&theirs).await.unwrap();
    assert_eq!(repo.find(item.id).await.unwrap(), Some(item.clone()));

    item.title = Name::parse("Errands", "title").unwrap();
    item.description = None;
    item.updated_at = at(5);
    repo.save(&item).await.unwrap();
    assert_eq!(
        repo.find(item.id).await.unwrap(),
        Some(item.clone()),
        "replaced"
    );

    let page = PageRequest::parse(Some(1), Some(10)).unwrap();
    let mine = repo.list(Some(ann.id), page).await.unwrap();
    assert_eq!((mine.total, mine.items.len()), (1, 1));
    assert_eq!(repo.list(None, page).await.unwrap().total, 2);

    assert!(repo.delete(item.id).await.unwrap());
    assert!(!repo.delete(item.id).await.unwrap(), "gone already");
    assert_eq!(repo.find(item.id).await.unwrap(), None);
}

#[tokio::test]
async fn deleting_a_project_leaves_its_agents_without_one_and_a_missing_project_is_refused() {
    let db = common::fresh_db().await;
    let projects = SeaOrmProjectRepo::new(db.clone());
    let agents = SeaOrmAgentRepo::new(db.clone());
    let ann = user(&db, "ann@example.com").await;
    let p = project(&ann);
    projects.save(&p).await.unwrap();
    assert_eq!(projects.find(p.id).await.unwrap(), Some(p.clone()));
    let a = agent(&ann, Some(p.id));
    agents.save(&a).await.unwrap();
    assert_eq!(agents.find(a.id).await.unwrap(), Some(a.clone()));

    assert!(projects.delete(p.id).await.unwrap());
    let kept = agents.find(a.id).await.unwrap().expect("the agent stays");
    assert_eq!(kept.project_id, None);
    assert_eq!(kept.name, a.name);

    let orphan = agent(&ann, Some(ProjectId::generate()));
    assert!(matches!(
        agents.save(&orphan).await,
        Err(RepoError::Conflict(_))
    ));
    let page = PageRequest::parse(Some(1), Some(10)).unwrap();
    assert_eq!(agents.list(Some(ann.id), page).await.unwrap().total, 1);
}

#[tokio::test]
async fn chats_give_the_last_completed_exchanges_of_one_conversation_oldest_first() {
    let db = common::fresh_db().await;
    let chats = SeaOrmChatRepo::new(db.clone());
    let agents = SeaOrmAgentRepo::new(db.clone());
    let ann = user(&db, "ann@example.com").await;
    let bob = user(&db, "bob@example.com").await;
    let a = agent(&ann, None);
    agents.save(&a).await.unwrap();
    for n in 1..=4 {
        chats
            .save(&chat(&ann, Some(a.id), n, ChatStatus::Completed))
            .await
            .unwrap();
    }
    chats
        .save(&chat(&ann, Some(a.id), 5, ChatStatus::Failed))
        .await
        .unwrap();
    chats
        .save(&chat(&ann, None, 6, ChatStatus::Completed))
        .await
        .unwrap();
    chats
        .save(&chat(&bob, Some(a.id), 7, ChatStatus::Completed))
        .await
        .unwrap();

    let context = chats.recent(ann.id, Some(a.id), 3).await.unwrap();
    let messages: Vec<_> = context.iter().map(|c| c.message.as_str()).collect();
    assert_eq!(
        messages,
        ["m2", "m3", "m4"],
        "completed, of this conversation, oldest first"
    );
    let default: Vec<_> = chats
        .recent(ann.id, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.message)
        .collect();
    assert_eq!(default, ["m6"]);
    assert!(
        chats
            .recent(ann.id, Some(a.id), 0)
            .await
            .unwrap()
            .is_empty()
    );

    let page = PageRequest::parse(Some(1), Some(10)).unwrap();
    let with_agent = chats.list(Some(ann.id), Some(a.id), page).await.unwrap();
    assert_eq!(with_agent.total, 5);
    assert_eq!(with_agent.items[0].message, "m5", "newest first");
    assert_eq!(chats.list(Some(ann.id), None, page).await.unwrap().total, 6);
    assert_eq!(chats.list(None, None, page).await.unwrap().total, 7);

    // A pending exchange completes in place.
    let mut pending = chat(&ann, None, 8, ChatStatus::Pending);
    pending.response = None;
    chats.save(&pending).await.unwrap();
    pending.status = ChatStatus::Completed;
    pending.response = Some("done".into());
    chats.save(&pending).await.unwrap();
    assert_eq!(chats.find(pending.id).await.unwrap(), Some(pending.clone()));

    // Deleting the agent keeps its chats, addressed to no agent.
    assert!(agents.delete(a.id).await.unwrap());
    assert_eq!(
        chats.find(context[0].id).await.unwrap().unwrap().agent_id,
        None
    );
}
