//! The chat use case: context window, streaming, failure recording, limits.

use std::sync::{Arc, Mutex};

use futures_util::stream;
use keel_domain::identity::{Role, UserId};
use keel_domain::workspace::ports::MockAssistant;
use keel_domain::workspace::{
    AgentStatus, AssistantError, AssistantRequest, Chat, ChatStatus, Provider, TextStream,
};

use super::test_support::{Mocks, Slot, agent_of, chat_of, invalid_fields, principal};
use super::{ChatInput, ChatSettings, WorkspaceCase, WorkspaceError};

const SETTINGS: ChatSettings = ChatSettings {
    context_exchanges: 2,
    max_in_flight: 1,
};

fn deltas(parts: &[&str]) -> TextStream {
    let items: Vec<Result<String, AssistantError>> =
        parts.iter().map(|p| Ok((*p).to_owned())).collect();
    Box::pin(stream::iter(items))
}

/// Every saved state of the exchange, in order.
fn record_saves(m: &mut Mocks) -> Arc<Mutex<Vec<Chat>>> {
    let saves = Arc::new(Mutex::new(Vec::new()));
    let keep = saves.clone();
    m.chats.expect_save().returning(move |c| {
        keep.lock().unwrap().push(c.clone());
        Ok(())
    });
    saves
}

fn input(message: &str) -> ChatInput {
    ChatInput {
        message: message.into(),
        agent_id: None,
    }
}

#[tokio::test]
async fn a_reply_streams_with_the_agents_settings_and_the_last_exchanges_as_context() {
    let who = principal(Role::Customer);
    let agent = agent_of(who.user.id, None);
    let mut m = Mocks::new();
    let a = agent.clone();
    m.agents
        .expect_find()
        .returning(move |_| Ok(Some(a.clone())));
    let owner = who.user.id;
    let agent_id = agent.id;
    m.chats
        .expect_recent()
        .withf(move |o, ag, n| *o == owner && *ag == Some(agent_id) && *n == 2)
        .returning(move |o, _, _| {
            let mut failed = chat_of(o, "lost", "half");
            failed.status = ChatStatus::Failed;
            Ok(vec![
                chat_of(o, "hi", "hello"),
                failed,
                chat_of(o, "2+2?", "4"),
            ])
        });
    let saves = record_saves(&mut m);
    let asked = Slot::new();
    let keep = asked.clone();
    let mut assistant = MockAssistant::new();
    assistant.expect_reply().times(1).returning(move |r| {
        keep.put(r.clone());
        Ok(deltas(&["Hel", "lo ", "again"]))
    });
    let service = m.chat(assistant, SETTINGS);
    let mut seen = Vec::new();
    let chat = service
        .send_streaming(
            &who,
            ChatInput {
                message: " and now? ".into(),
                agent_id: Some(agent.id),
            },
            |c, d| seen.push((c.status, d.to_owned())),
        )
        .await
        .unwrap();
    let request: AssistantRequest = asked.take();
    assert_eq!(request.message, "and now?");
    assert_eq!(request.instructions.as_deref(), Some("Be brief."));
    assert_eq!(request.model.as_deref(), Some("tiny"));
    let context: Vec<_> = request.history.iter().map(|t| t.user.as_str()).collect();
    assert_eq!(
        context,
        ["hi", "2+2?"],
        "completed exchanges only, in order"
    );
    assert_eq!(
        seen,
        [
            (ChatStatus::Pending, "Hel".to_owned()),
            (ChatStatus::Pending, "lo ".to_owned()),
            (ChatStatus::Pending, "again".to_owned()),
        ]
    );
    assert_eq!(chat.status, ChatStatus::Completed);
    assert_eq!(chat.response.as_deref(), Some("Hello again"));
    assert_eq!(chat.agent_id, Some(agent.id));
    let saves = saves.lock().unwrap();
    let states: Vec<_> = saves.iter().map(|c| c.status).collect();
    assert_eq!(states, [ChatStatus::Pending, ChatStatus::Completed]);
    assert!(saves.iter().all(|c| c.id == chat.id));
}

#[tokio::test]
async fn a_stream_cut_in_the_middle_keeps_the_exchange_as_failed_with_what_arrived() {
    let who = principal(Role::Customer);
    let mut m = Mocks::new();
    m.chats.expect_recent().returning(|_, _, _| Ok(Vec::new()));
    let saves = record_saves(&mut m);
    let mut assistant = MockAssistant::new();
    assistant.expect_reply().returning(|_| {
        let items: Vec<Result<String, AssistantError>> = vec![
            Ok("par".into()),
            Err(AssistantError::Provider("the stream ended early".into())),
        ];
        Ok(Box::pin(stream::iter(items)) as TextStream)
    });
    let result = m.chat(assistant, SETTINGS).send(&who, input("hi")).await;
    assert!(matches!(
        result,
        Err(WorkspaceError::Case(WorkspaceCase::AssistantFailed { ref detail, .. })) if detail.contains("ended early")
    ));
    let last = saves.lock().unwrap().last().cloned().unwrap();
    assert_eq!(last.status, ChatStatus::Failed);
    assert_eq!(last.response.as_deref(), Some("par"));
    assert!(last.error.unwrap().contains("ended early"));
}

#[tokio::test]
async fn a_timeout_is_its_own_case_and_is_recorded() {
    let who = principal(Role::Customer);
    let mut m = Mocks::new();
    m.chats.expect_recent().returning(|_, _, _| Ok(Vec::new()));
    let saves = record_saves(&mut m);
    let mut assistant = MockAssistant::new();
    assistant
        .expect_reply()
        .returning(|_| Err(AssistantError::Timeout));
    let result = m.chat(assistant, SETTINGS).send(&who, input("hi")).await;
    assert!(matches!(
        result,
        Err(WorkspaceError::Case(WorkspaceCase::AssistantTimeout { .. }))
    ));
    let saves = saves.lock().unwrap();
    assert_eq!(saves.len(), 2);
    assert_eq!(saves[1].status, ChatStatus::Failed);
    assert_eq!(saves[1].response, None);
}

#[tokio::test]
async fn an_unconfigured_provider_fails_the_exchange_without_calling_anything() {
    let who = principal(Role::Customer);
    let agent = agent_of(who.user.id, Some(Provider::Bedrock));
    let mut m = Mocks::new();
    let a = agent.clone();
    m.agents
        .expect_find()
        .returning(move |_| Ok(Some(a.clone())));
    m.chats.expect_recent().returning(|_, _, _| Ok(Vec::new()));
    let saves = record_saves(&mut m);
    let assistant = MockAssistant::new(); // the local one must not be asked
    let result = m
        .chat(assistant, SETTINGS)
        .send(
            &who,
            ChatInput {
                message: "hi".into(),
                agent_id: Some(agent.id),
            },
        )
        .await;
    assert!(matches!(
        result,
        Err(WorkspaceError::Case(WorkspaceCase::AssistantFailed { ref detail, .. })) if detail.contains("bedrock")
    ));
    assert_eq!(saves.lock().unwrap()[1].status, ChatStatus::Failed);
}

#[tokio::test]
async fn foreign_or_inactive_agents_and_bad_messages_are_refused_before_anything_is_stored() {
    let who = principal(Role::Customer);
    let foreign = agent_of(UserId::generate(), None);
    let mut inactive = agent_of(who.user.id, None);
    inactive.status = AgentStatus::Inactive;
    let mut m = Mocks::new();
    let (f, i) = (foreign.clone(), inactive.clone());
    m.agents
        .expect_find()
        .returning(move |id| Ok([f.clone(), i.clone()].into_iter().find(|a| a.id == id)));
    let service = m.chat(MockAssistant::new(), SETTINGS);
    let to = |agent_id| ChatInput {
        message: "hi".into(),
        agent_id: Some(agent_id),
    };
    assert!(matches!(
        service.send(&who, to(foreign.id)).await,
        Err(WorkspaceError::NotFound)
    ));
    assert!(matches!(
        service.send(&who, to(inactive.id)).await,
        Err(WorkspaceError::Case(WorkspaceCase::AgentInactive))
    ));
    assert_eq!(
        invalid_fields(service.send(&who, input(" \n ")).await),
        ["message"]
    );
    let long = "x".repeat(super::chat_service::MESSAGE_MAX + 1);
    assert_eq!(
        invalid_fields(service.send(&who, input(&long)).await),
        ["message"]
    );
}

#[tokio::test]
async fn a_user_waits_for_at_most_max_in_flight_replies_and_a_finished_one_frees_its_slot() {
    let who = principal(Role::Customer);
    let mut m = Mocks::new();
    m.chats.expect_recent().returning(|_, _, _| Ok(Vec::new()));
    record_saves(&mut m);
    let (release, wait) = tokio::sync::oneshot::channel::<()>();
    let wait = Arc::new(Mutex::new(Some(wait)));
    let mut assistant = MockAssistant::new();
    assistant.expect_reply().returning(move |_| {
        // The first reply waits until released; later ones answer at once.
        let stream: TextStream = match wait.lock().unwrap().take() {
            Some(rx) => Box::pin(stream::once(async move {
                rx.await.ok();
                Ok("slow".to_owned())
            })),
            None => deltas(&["quick"]),
        };
        Ok(stream)
    });
    let service = Arc::new(m.chat(assistant, SETTINGS));
    let first = {
        let (service, who) = (service.clone(), who.clone());
        tokio::spawn(async move { service.send(&who, input("one")).await })
    };
    // Let the first reach its stream.
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    assert!(matches!(
        service.send(&who, input("two")).await,
        Err(WorkspaceError::Case(WorkspaceCase::TooManyReplies))
    ));
    let mut other = principal(Role::Customer);
    other.user.id = UserId::generate();
    assert!(
        service.send(&other, input("mine")).await.is_ok(),
        "per user"
    );
    release.send(()).unwrap();
    assert_eq!(
        first.await.unwrap().unwrap().response.as_deref(),
        Some("slow")
    );
    assert!(
        service.send(&who, input("three")).await.is_ok(),
        "slot freed"
    );
}

#[tokio::test]
async fn an_overlong_reply_fails_instead_of_growing() {
    let who = principal(Role::Customer);
    let mut m = Mocks::new();
    m.chats.expect_recent().returning(|_, _, _| Ok(Vec::new()));
    let saves = record_saves(&mut m);
    let mut assistant = MockAssistant::new();
    assistant.expect_reply().returning(|_| {
        let chunk = "y".repeat(100_000);
        let items: Vec<Result<String, AssistantError>> =
            (0..3).map(|_| Ok(chunk.clone())).collect();
        Ok(Box::pin(stream::iter(items)) as TextStream)
    });
    let result = m.chat(assistant, SETTINGS).send(&who, input("go")).await;
    assert!(matches!(
        result,
        Err(WorkspaceError::Case(WorkspaceCase::AssistantFailed { .. }))
    ));
    let last = saves.lock().unwrap().last().cloned().unwrap();
    assert_eq!(last.response.map(|r| r.len()), Some(200_000));
}
